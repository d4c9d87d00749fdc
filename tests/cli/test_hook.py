"""``gate scan --hook``, the commit hook: a staged requirements.txt with no advisory service
reachable and no local advisory data is a warning that says so; the CI gate (no --hook) stays
fail-closed with exit 3."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import closed_port, offline_hook_repo, run_gate


@pytest.fixture
def staged(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A repository with a requirements.txt staged, an index the gate can read, and an OSV
    URL at a closed loopback port; an empty cache folder (no local advisory data)."""
    repo = offline_hook_repo(tmp_path / "repo")
    env = {"GATE_OSV_URL": f"http://127.0.0.1:{closed_port()}/v1/query",
           "XDG_CACHE_HOME": str(tmp_path / "cache"), "GATE_CACHE_DIR": "",
           "RUNNER_TEMP": ""}
    return repo, env


@pytest.mark.slow  # every hook scanner on a new cache folder, kingfisher building its rule
# cache (~7 s); the warning is tested on the adapter in tests/scanners/test_pip_audit.py
def test_hook_warns_that_the_dependencies_were_not_audited(
        staged: tuple[Path, dict[str, str]]) -> None:
    repo, env = staged
    done = run_gate("scan", "--hook", "--json", "out.json", "--", "requirements.txt",
                    cwd=repo, env=env)
    assert done.code == 0, done.output
    assert "NOT audited in this commit hook" in done.output
    assert "advisory service unreachable" in done.output
    assert "Traceback" not in done.output


def test_ci_gate_without_hook_stays_fail_closed(staged: tuple[Path, dict[str, str]]) -> None:
    repo, env = staged
    done = run_gate("scan", ".", "--scanners", "pip-audit", cwd=repo, env=env)
    assert done.code == 3, done.output
    assert "pip-audit" in done.output and "NOT audited" not in done.output
