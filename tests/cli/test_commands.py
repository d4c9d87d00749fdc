"""The ``gate`` verbs and flags, run in process through the console entry point with the
real bandit: exit codes, files written, and flags refused with exit 2 before any scan."""

from __future__ import annotations

import json
import runpy
import sys
from pathlib import Path

import pytest

from gate import __version__
from gate.cli.commands import main
from tests.helpers import FIXTURES, make_repo


def gate(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run ``gate ARGV`` in process: (exit code, stdout, stderr)."""
    with pytest.raises(SystemExit) as exited:
        main(list(argv))
    out = capsys.readouterr()
    code = exited.value.code
    return (code if isinstance(code, int) else 0 if code is None else 1), out.out, out.err


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "GITHUB_OUTPUT", "GATE_TODAY",
                 "GATE_BANDIT_COMMAND"):
        monkeypatch.delenv(name, raising=False)
    root = make_repo(tmp_path / "repo", source=FIXTURES / "core" / "vulnerable")
    monkeypatch.chdir(root)
    return root


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert gate(capsys, "--version") == (0, f"secops-gate {__version__}\n", "")


def test_python_dash_m_gate_is_the_same_command(capsys: pytest.CaptureFixture[str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", ["gate", "--version"])
    with pytest.raises(SystemExit) as exited:
        runpy.run_module("gate", run_name="__main__")
    assert exited.value.code == 0
    assert capsys.readouterr().out == f"secops-gate {__version__}\n"


def test_scan_writes_reports_and_exits_1(repo: Path, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    sarif, report = tmp_path / "out" / "gate.sarif", tmp_path / "out" / "gate.json"
    code, out, _ = gate(capsys, "scan", ".", "--scanners", "bandit", "--no-cache",
                        "--sarif", str(sarif), "--json", str(report))
    assert code == 1
    assert out.splitlines()[0] == "gate: FAILED (exit 1)"
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["exit_code"] == 1 and [r["scanner"] for r in data["runs"]] == ["bandit"]
    assert ("B301", "app.py") in {(f["rule_id"], f["path"]) for f in data["findings"]}
    runs = json.loads(sarif.read_text(encoding="utf-8"))["runs"]
    assert [r["automationDetails"]["id"] for r in runs] == ["gate/bandit/"]


def test_fail_on_none_and_category(repo: Path, tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    sarif = tmp_path / "gate.sarif"
    code, out, _ = gate(capsys, "scan", "--scanners", "bandit", "--no-cache", "--fail-on",
                        "none", "--category", "/nightly/", "--sarif", str(sarif), "-q")
    assert code == 0 and out.startswith("gate: PASSED")
    runs = json.loads(sarif.read_text(encoding="utf-8"))["runs"]
    assert runs[0]["automationDetails"]["id"] == "nightly/bandit/"


def test_markdown_and_github_formats(repo: Path, tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = gate(capsys, "scan", "--scanners", "bandit", "--no-cache", "--format",
                        "markdown")
    assert code == 1 and out.startswith("## secops-gate: ❌ FAILED (exit 1)")
    summary, outputs = tmp_path / "summary.md", tmp_path / "outputs.txt"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.setenv("GITHUB_OUTPUT", str(outputs))
    code, out, _ = gate(capsys, "scan", "--scanners", "bandit", "--no-cache")
    assert code == 1 and out.startswith("::error ")
    assert summary.read_text(encoding="utf-8").startswith("## secops-gate")
    assert "verdict<<" in outputs.read_text(encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path))  # a folder: cannot append
    code, _, err = gate(capsys, "scan", "--scanners", "bandit", "--no-cache")
    # under GitHub Actions the error is fenced, so no line of it acts as a workflow command
    lines = err.splitlines()
    assert code == 2 and lines[0].startswith("::stop-commands::")
    assert lines[1].startswith(f"gate: error: cannot write {tmp_path}")


@pytest.mark.parametrize("argv,words", [
    (["scan", "--fail-on", "loud"], "--fail-on: expected one of critical, high"),
    (["scan", "--category", "a b"], "--category: use letters, digits"),
    (["scan", "--jobs", "0"], "--jobs: expected a number of at least 1"),
    (["scan", "--format", "html"], "--format: expected one of text, markdown, github"),
    (["scan", "--advisory-db", "no/such/db"], "--advisory-db: no such file or folder"),
    (["scan", "--scanners", "bandit,nope"], "unknown scanner(s) nope; valid: bandit"),
    (["scan", "--new-only", "--scanners", "bandit", "--no-cache"], "--new-only needs"),
    (["scan", "no/such/path"], "path does not exist: no/such/path"),
    (["evaluate", "missing.sarif"], "missing.sarif"),
])
def test_bad_flags_exit_2(repo: Path, capsys: pytest.CaptureFixture[str], argv: list[str],
                          words: str) -> None:
    code, _, err = gate(capsys, *argv)
    assert code == 2, err
    assert err.startswith("gate: error: ") and words in err


def test_bad_gate_today(repo: Path, capsys: pytest.CaptureFixture[str],
                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GATE_TODAY", "tomorrow")
    code, _, err = gate(capsys, "scan", "--scanners", "bandit")
    assert code == 2 and "GATE_TODAY: expected a date like 2026-11-27" in err


def test_a_json_path_that_cannot_be_written(repo: Path, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "file").write_text("x", encoding="utf-8")
    code, _, err = gate(capsys, "scan", "--scanners", "bandit", "--no-cache", "--json",
                        str(tmp_path / "file" / "r.json"))
    assert code == 2 and "cannot write" in err


def test_policy_check(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "gate.toml").write_text('version = 1\nfail_on = "medium"\n', encoding="utf-8")
    code, out, _ = gate(capsys, "policy", "check")
    assert code == 0
    assert out.startswith(f"policy OK: {repo.resolve() / 'gate.toml'} (fail_on = medium,")
    (repo / "gate.toml").write_text("version = 1\nfail_onn = 1\n", encoding="utf-8")
    code, _, err = gate(capsys, "policy", "check")
    assert code == 2 and "gate.toml:2:" in err and "did you mean 'fail_on'" in err


def test_baseline_create_then_new_only_passes(repo: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    baseline = tmp_path / "baseline.json"
    code, out, _ = gate(capsys, "baseline", "create", "--scanners", "bandit", "-o",
                        str(baseline))
    assert code == 0 and out.startswith(f"baseline written: {baseline} (")
    entries = json.loads(baseline.read_text(encoding="utf-8"))["entries"]
    assert {e["rule_id"] for e in entries} >= {"B301", "B324", "B506", "B602"}
    code, _, _ = gate(capsys, "scan", "--scanners", "bandit", "--no-cache", "--baseline",
                      str(baseline), "--new-only")
    assert code == 0


def test_baseline_is_not_written_when_a_scanner_fails(repo: Path, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GATE_BANDIT_COMMAND", "/nonexistent/bandit")
    code, _, err = gate(capsys, "baseline", "create", "--scanners", "bandit", "-o",
                        str(tmp_path / "b.json"))
    assert code == 3 and "baseline not written: scanner(s) bandit failed" in err
    assert not (tmp_path / "b.json").exists()


def test_evaluate_and_explain_a_gate_sarif(repo: Path, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    sarif = tmp_path / "gate.sarif"
    gate(capsys, "scan", "--scanners", "bandit", "--no-cache", "--sarif", str(sarif))
    code, out, _ = gate(capsys, "evaluate", str(sarif), "--fail-on", "critical", "-q")
    assert code == 0 and out.startswith("gate: PASSED")
    code, out, _ = gate(capsys, "evaluate", str(sarif), "--json", str(tmp_path / "e.json"))
    assert code == 1
    assert json.loads((tmp_path / "e.json").read_text(encoding="utf-8"))["exit_code"] == 1
    code, out, _ = gate(capsys, "policy", "explain", str(sarif))
    assert code == 0
    assert out.startswith("# effective policy: preset:default")
    assert "FAILING (" in out and "fails by fail_on = \"high\" (preset:default)" in out
