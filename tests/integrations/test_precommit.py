"""The real ``pre-commit try-repo`` of this repository, in a temporary git repository."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import REPO_ROOT, closed_port, git, make_repo, offline_hook_repo

# pre-commit installs the hook's environment from a snapshot of this repository (~30 s).
pytestmark = pytest.mark.slow

BAD = """import subprocess

from flask import request


def run() -> int:
    return subprocess.call(request.args["cmd"], shell=True)
"""

FIXED = """import subprocess

from flask import request


def run() -> int:
    return subprocess.call(["echo", request.args["cmd"]])
"""


def _snapshot(dest: Path) -> Path:
    """A committed copy of this repository's working tree (try-repo installs from HEAD)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO_ROOT, capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = REPO_ROOT / name
        if name.startswith("tests/") or not source.is_file():
            continue
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    return make_repo(dest)


@pytest.fixture(scope="module")
def hook_env(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    if shutil.which("pre-commit") is None and not (Path(sys.executable).parent /
                                                   "pre-commit").exists():
        pytest.skip("pre-commit is not installed")
    base = tmp_path_factory.mktemp("precommit")
    hook_repo = _snapshot(base / "hook-repo")
    # the same pins the GitHub Action installs (without its hashes, which would put pip in
    # hash-checking mode for the hook repository itself)
    pins = re.findall(r"^[\w.-]+==[^\s;\\]+", (hook_repo / "requirements" / "action.txt")
                      .read_text("utf-8"), re.M)
    (base / "pins.txt").write_text("\n".join(pins) + "\n", encoding="utf-8")
    env = {**os.environ, "PRE_COMMIT_HOME": str(base / "cache"),
           "PIP_CONSTRAINT": str(base / "pins.txt")}
    env.pop("GITHUB_ACTIONS", None)
    env.pop("PYTHONPATH", None)  # the hook must run the gate it installed, not this checkout
    return hook_repo, env


def _try_repo(hook_repo: Path, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).parent / "pre-commit"
    cmd = [str(exe) if exe.exists() else "pre-commit", "try-repo", str(hook_repo), "gate",
           "--verbose"]
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=1800)


def test_staged_shell_injection_fails_the_hook_and_fixing_it_passes(
        hook_env: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    hook_repo, env = hook_env
    work = make_repo(tmp_path / "work", {"README.md": "demo\n"})
    (work / "tool.py").write_text(BAD, encoding="utf-8")
    (work / "notes.py").write_text("x = eval(input())\n", encoding="utf-8")  # not staged
    git(work, "add", "tool.py")

    failed = _try_repo(hook_repo, work, env)
    output = failed.stdout + failed.stderr
    assert failed.returncode == 1, output
    assert "web-command-injection" in output and "also bandit" in output, output
    assert "tool.py:7" in output, output
    assert "notes.py" not in output, output  # only the staged files are scanned

    (work / "tool.py").write_text(FIXED, encoding="utf-8")
    git(work, "add", "tool.py")
    passed = _try_repo(hook_repo, work, env)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Passed" in passed.stdout


def test_staged_requirements_without_any_advisory_service_warn_and_pass(
        hook_env: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    """pre-commit.ci has no network: the commit goes through, the output says why."""
    hook_repo, env = hook_env
    work = offline_hook_repo(tmp_path / "work")
    offline = {**env, "GATE_OSV_URL": f"http://127.0.0.1:{closed_port()}/v1/query",
               "XDG_CACHE_HOME": str(tmp_path / "cache")}
    done = _try_repo(hook_repo, work, offline)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "NOT audited in this commit hook" in output, output


def test_a_staged_binary_reaches_the_secrets_scanner(
        hook_env: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    """``types: [file]``: pre-commit passes binaries too, and a token inside one is found."""
    import random
    import string
    import zlib

    from tests.scanners.secret_fixture import _base62

    hook_repo, env = hook_env
    rnd = random.Random(7)
    body = "".join(rnd.choice(string.ascii_letters + string.digits) for _ in range(30))
    token = "gh" + "p_" + body + _base62(zlib.crc32(body.encode()))  # assembled, never stored
    work = make_repo(tmp_path / "work", {"README.md": "demo\n"})
    (work / "blob.bin").write_bytes(bytes(range(256)) + b"\0\0token=" + token.encode() + b"\0")
    git(work, "add", "blob.bin")
    done = _try_repo(hook_repo, work, env)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "blob.bin" in output and "betterleaks.github-pat" in output, output
    assert token not in output
