"""Fail-closed: a scanner that times out, crashes or prints garbage makes the gate exit 3."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import FIXTURES, fake_tool, load_json, make_repo, run_gate, sarif_results


def _run_names(sarif: dict) -> list[str]:
    return [r["tool"]["driver"]["name"] for r in sarif["runs"]]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo", source=FIXTURES / "core/vulnerable")


def _scan(repo: Path, tmp_path: Path, env: dict[str, str] | None = None,
          policy: str | None = None):
    args = ["scan", ".", "--sarif", str(tmp_path / "o.sarif"), "--json", str(tmp_path / "o.json")]
    if policy:
        (tmp_path / "p.toml").write_text(policy)
        args += ["--policy", str(tmp_path / "p.toml")]
    result = run_gate(*args, cwd=repo, env=env)
    return result, load_json(tmp_path / "o.sarif"), load_json(tmp_path / "o.json")


@pytest.mark.parametrize("body,reason", [
    ("sys.stderr.write('boom: rules broken\\n'); sys.exit(2)", "exited with code 2: boom"),
    ("print('this is not json {'); sys.exit(0)", "not JSON"),
    ("sys.exit(0)", "no output"),
    ("print('{\"results\": [ {\"check_id\"'); sys.exit(0)", "not JSON"),
    ("import signal; os.kill(os.getpid(), signal.SIGKILL)", "killed by signal SIGKILL"),
])
def test_misbehaving_semgrep_fails_closed(repo: Path, tmp_path: Path, body: str,
                                          reason: str) -> None:
    command = fake_tool(tmp_path / "fake.py", body)
    result, sarif, report = _scan(repo, tmp_path, {"GATE_SEMGREP_COMMAND": command})
    assert result.code == 3, result.output
    first_lines = "\n".join(result.stdout.splitlines()[:3])
    assert "semgrep" in first_lines and reason in first_lines
    assert _run_names(sarif) == ["bandit", "bidi", "secrets"]
    assert ("bandit", "B301", "app.py", 14) in sarif_results(sarif)
    semgrep = next(r for r in report["runs"] if r["scanner"] == "semgrep")
    assert semgrep["ok"] is False and reason in semgrep["error"]


def test_raw_output_is_never_echoed(repo: Path, tmp_path: Path) -> None:
    command = fake_tool(tmp_path / "fake.py", "print('RAW-TOOL-OUTPUT-' * 50); sys.exit(7)")
    result, _, report = _scan(repo, tmp_path, {"GATE_BANDIT_COMMAND": command})
    assert result.code == 3
    assert "RAW-TOOL-OUTPUT" not in result.output
    assert "RAW-TOOL-OUTPUT" not in str(report)


def test_timeout_fails_closed(repo: Path, tmp_path: Path) -> None:
    # A hang stands in for semgrep: the real one (its OCaml CLI) finishes these fixtures
    # within the one second every semgrep run is given at least.
    command = fake_tool(tmp_path / "hang.py", "time.sleep(60)")
    policy = "version = 1\n[scanners.semgrep]\ntimeout = 0.05\n"
    result, sarif, _ = _scan(repo, tmp_path, {"GATE_SEMGREP_COMMAND": command}, policy=policy)
    assert result.code == 3, result.output
    assert "semgrep" in result.stdout and "timed out" in result.stdout
    assert _run_names(sarif) == ["bandit", "bidi", "secrets"]


def test_missing_scanner_fails_closed(repo: Path, tmp_path: Path) -> None:
    result, _, _ = _scan(repo, tmp_path, {"GATE_BANDIT_COMMAND": "/nonexistent/bandit"})
    assert result.code == 3
    assert "bandit" in result.stdout and "not found" in result.stdout


def test_hang_is_killed_at_timeout(repo: Path, tmp_path: Path) -> None:
    command = fake_tool(tmp_path / "hang.py", "time.sleep(60)")
    policy = "version = 1\n[scanners.bandit]\ntimeout = 1\n"
    result, _, _ = _scan(repo, tmp_path, {"GATE_BANDIT_COMMAND": command}, policy)
    assert result.code == 3 and "timed out" in result.stdout


def test_on_scanner_error_warn_downgrades_and_says_so_first(repo: Path, tmp_path: Path) -> None:
    command = fake_tool(tmp_path / "fake.py", "sys.exit(9)")
    policy = 'version = 1\non_scanner_error = "warn"\nfail_on = "none"\n'
    result, _, _ = _scan(repo, tmp_path, {"GATE_SEMGREP_COMMAND": command}, policy)
    assert result.code == 0
    assert "semgrep failed" in "\n".join(result.stdout.splitlines()[:3])
