"""Reported paths stay in the root; SARIF URIs are relative; quoted stderr is redacted."""

from __future__ import annotations

from pathlib import Path

import pytest

from gate.findings import Confidence, Finding, Location, Severity
from gate.process import first_stderr_line
from gate.report.sarif import uri_for
from gate.runs import ScannerRun, ScanResult, SkippedFile
from gate.scan.run import confine, inside

ROOT = Path("/work/repo")


@pytest.mark.parametrize("path,expected", [
    ("a.py", "a.py"), ("./a/./b.py", "a/b.py"), ("/work/repo/x/a.py", "x/a.py"),
    ("/etc/passwd", None), ("../x.py", None), ("a/../../b.py", None), ("", None),
    ("dir with space/ü.py", "dir with space/ü.py"),
])
def test_inside(path: str, expected: str | None) -> None:
    assert inside(ROOT, path) == expected


def _result(path: str) -> ScanResult:
    f = Finding(scanner="bandit", rule_id="B1", rule_name="r", message="m",
                severity=Severity.HIGH, confidence=Confidence.HIGH,
                location=Location(path, 1, 1), fingerprint="f")
    run = ScannerRun("bandit", "bandit", "1", (), 1, None, 1,
                     skipped=(SkippedFile("/work/repo/s.py", "x"),))
    return ScanResult((f,), run)


def test_confine_relativises_and_fails_on_escape() -> None:
    ok = confine(_result("/work/repo/src/a.py"), ROOT)
    assert ok.run.ok and ok.findings[0].location.path == "src/a.py"
    assert ok.run.skipped[0].path == "s.py"
    bad = confine(_result("../../etc/passwd"), ROOT)
    assert not bad.run.ok and "outside the repository" in (bad.run.error or "")
    assert bad.findings == ()


@pytest.mark.parametrize("path", ["/etc/passwd", "../../x", "a/../../b", "./../c", "//x"])
def test_sarif_uri_never_absolute_or_escaping(path: str) -> None:
    uri = uri_for(path)
    assert not uri.startswith("/") and ".." not in uri.split("/") and ":" not in uri


def test_stderr_line_is_redacted() -> None:
    token = "ghp_" + "aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5"
    line = first_stderr_line(
        f"first\nerror: token {token} and password='hunter2' rejected by 'idx.example'\n"
        .encode())
    assert token not in line and "hunter2" not in line
    assert line == "error: token [REDACTED] and password=[REDACTED] rejected by 'idx.example'"
    assert first_stderr_line(b"boom: rules broken\n") == "boom: rules broken"
