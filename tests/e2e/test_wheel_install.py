"""The built wheel carries the presets and rule packs and runs from an unrelated folder."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from tests.helpers import FIXTURES, REPO_ROOT, make_repo

# Builds a wheel and installs it into a fresh virtual environment.
pytestmark = pytest.mark.slow


def test_wheel_runs_from_an_unrelated_folder(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist),
                    str(REPO_ROOT)], check=True, capture_output=True, timeout=600)
    wheel = next(dist.glob("secops_gate-*.whl"))
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    site = Path(sysconfig.get_path("purelib", vars={"base": str(env_dir),
                                                    "platbase": str(env_dir)}))
    # The scanners and libraries come from the test environment; the gate only from the wheel.
    (site / "deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target",
                    str(site), str(wheel)], check=True, capture_output=True, timeout=300)
    repo = make_repo(tmp_path / "repo", source=FIXTURES / "core/vulnerable")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    python = env_dir / "bin" / "python"
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    env.pop("PYTHONPATH", None)
    where = subprocess.run([str(python), "-c", "import gate, policies; print(gate.__file__)"],
                           cwd=elsewhere, env=env, capture_output=True, text=True, check=True)
    assert str(site) in where.stdout
    result = subprocess.run([str(python), "-P", "-m", "gate", "scan", str(repo), "--scanners",
                             "bandit,semgrep"], cwd=elsewhere, env=env, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "bandit/B301" in result.stdout
    assert "semgrep/python-subprocess-shell-non-literal" in result.stdout
    assert "preset:default" in result.stdout
    assert "FAILED:" not in result.stdout  # semgrep found its packs inside the wheel
