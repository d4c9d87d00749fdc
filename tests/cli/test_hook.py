"""``gate scan --hook``, the commit hook: a staged requirements.txt with no advisory service
reachable and no local advisory data is a warning that says so; the CI gate (no --hook) stays
fail-closed with exit 3."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tests.helpers import git, make_repo, run_gate

FIXTURE_INDEX = (Path(__file__).resolve().parent.parent / "fixtures" / "deps" / "index")


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture
def staged(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A repository with a requirements.txt staged, an index the gate can read, and an OSV
    URL at a closed loopback port; an empty cache folder (no local advisory data)."""
    index = FIXTURE_INDEX.resolve().as_uri() + "/"
    repo = make_repo(tmp_path / "repo", {
        "gate.toml": f'version = 1\n\n[scanners.pip-audit]\nindex_url = "{index}"\n'})
    (repo / "requirements.txt").write_text("requests==2.19.0\n", encoding="utf-8")
    git(repo, "add", "requirements.txt")
    env = {"GATE_OSV_URL": f"http://127.0.0.1:{closed_port()}/v1/query",
           "XDG_CACHE_HOME": str(tmp_path / "cache"), "GATE_CACHE_DIR": "",
           "RUNNER_TEMP": ""}
    return repo, env


def test_hook_warns_that_the_dependencies_were_not_audited(
        staged: tuple[Path, dict[str, str]]) -> None:
    repo, env = staged
    done = run_gate("scan", "--hook", "requirements.txt", "--json", "out.json", cwd=repo,
                    env=env)
    assert done.code == 0, done.output
    assert "NOT audited in this commit hook" in done.output
    assert "advisory service unreachable" in done.output
    assert "Traceback" not in done.output


def test_ci_gate_without_hook_stays_fail_closed(staged: tuple[Path, dict[str, str]]) -> None:
    repo, env = staged
    done = run_gate("scan", ".", "--scanners", "pip-audit", cwd=repo, env=env)
    assert done.code == 3, done.output
    assert "pip-audit" in done.output and "NOT audited" not in done.output
