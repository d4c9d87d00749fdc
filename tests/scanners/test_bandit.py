"""The bandit adapter with the real bandit: findings at their lines, the gate's severity and
confidence scale, files it cannot parse, and its own suppression syntax."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gate.findings import Confidence, Finding, InlineSuppression, Location, Severity
from gate.runs import ScanResult
from gate.scanners import is_secret_finding
from gate.scanners.bandit.adapter import SECRET_RULES, BanditScanner
from gate.scanners.interface import ScanContext
from tests.helpers import FIXTURES

EXTRA = {
    "broken.py": "def broken(:\n    pass\n",
    "-rf.py": "import os\nos.system('rm ' + input())\n",  # a name that looks like a flag
    "settings.py": 'DEBUG = False\npassword = "not-a-real-password-value"\n',
    "notes.txt": "subprocess.call(x, shell=True)\n",
}


def scan(root: Path, files: list[str] | None = None) -> ScanResult:
    scanner = BanditScanner()
    listed = files if files is not None else sorted(
        p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    return scanner.scan(ScanContext(root=root, files=tuple(scanner.select(listed, root)),
                                    timeout=120))


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The core/vulnerable fixture (with its .bandit that skips every rule it triggers and a
    '# nosec B602' on line 10), plus a broken file, a flag-like name and a password."""
    root = tmp_path_factory.mktemp("bandit") / "repo"
    shutil.copytree(FIXTURES / "core" / "vulnerable", root)
    for name, text in EXTRA.items():
        (root / name).write_text(text, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def result(repo: Path) -> ScanResult:
    return scan(repo)


def located(result: ScanResult) -> set[tuple[str, str, int]]:
    return {(f.rule_id, f.location.path, f.location.start_line) for f in result.findings}


def test_every_finding_at_its_line_despite_bandit_config_and_nosec(result: ScanResult) -> None:
    assert result.run.ok, result.run.error
    assert located(result) == {
        ("B403", "app.py", 3), ("B404", "app.py", 4),
        ("B602", "app.py", 10),  # '# nosec B602' is for the gate to judge, not bandit
        ("B301", "app.py", 14), ("B324", "app.py", 18), ("B506", "app.py", 22),
        ("B501", "app.py", 28),
        ("B605", "-rf.py", 2), ("B105", "settings.py", 2),
    }
    assert all(f.suppression is None for f in result.findings)


def test_run_record(result: ScanResult) -> None:
    run = result.run
    assert (run.scanner, run.tool, run.version) == ("bandit", "bandit", "1.9.4")
    assert run.exit_code == 1
    assert run.arguments == ("-f", "json", "-q", "--ignore-nosec", "--exclude=")
    assert run.files == 4  # app.py, broken.py, -rf.py, settings.py: never notes.txt
    assert [(s.path, s.reason) for s in run.skipped] == [
        ("broken.py", "syntax error while parsing AST from file")]


def test_severity_confidence_and_metadata_on_the_gate_scale(result: ScanResult) -> None:
    by_rule = {f.rule_id: f for f in result.findings}
    shell = by_rule["B602"]
    assert (shell.severity, shell.confidence) == (Severity.HIGH, Confidence.HIGH)
    assert shell.rule_name == "subprocess_popen_with_shell_equals_true"
    assert shell.location == Location("app.py", 10, 5, 10, 50)
    assert shell.cwe == (78,)
    assert shell.help_uri.endswith("/plugins/b602_subprocess_popen_with_shell_equals_true.html")
    assert shell.remediation == f"See {shell.help_uri}"
    assert shell.tags == ("security", "python")
    assert not shell.secret
    assert (by_rule["B301"].severity, by_rule["B301"].rule_name) == (Severity.MEDIUM, "pickle")
    assert by_rule["B324"].cwe == (328,)  # a weak hash (bandit says 327; see cwe.py)
    assert by_rule["B403"].severity is Severity.LOW


def test_hard_coded_password_is_a_secret_finding(result: ScanResult) -> None:
    [password] = [f for f in result.findings if f.rule_id == "B105"]
    assert password.secret and is_secret_finding(password)
    assert SECRET_RULES == {"B105", "B106", "B107"}


def test_fingerprint_survives_lines_inserted_above(repo: Path, tmp_path: Path) -> None:
    moved = tmp_path / "moved"
    shutil.copytree(repo, moved)
    app = moved / "app.py"
    app.write_text("# one\n# two\n" + app.read_text(encoding="utf-8"), encoding="utf-8")
    before = {f.rule_id: f for f in scan(repo, ["app.py"]).findings}
    after = {f.rule_id: f for f in scan(moved, ["app.py"]).findings}
    assert after["B602"].location.start_line == 12
    assert {r: f.fingerprint for r, f in after.items()} == {
        r: f.fingerprint for r, f in before.items()}


def test_no_python_files_runs_nothing(tmp_path: Path) -> None:
    result = scan(tmp_path, [])
    assert result.run.ok and result.findings == () and result.run.exit_code == 0


def test_select_and_rule_ownership() -> None:
    scanner = BanditScanner()
    assert scanner.select(["a.py", "b.pyi", "c.pyc", "d.txt", "py"], Path(".")) == [
        "a.py", "b.pyi"]
    assert scanner.owns_rule("B602") and scanner.owns_rule("B6*") and scanner.owns_rule("b101")
    assert not scanner.owns_rule("python-subprocess-shell-non-literal")
    assert not scanner.owns_rule("PYSEC-2018-28")
    assert scanner.exit_code_for([]) == 0
    assert scanner.raw_argv(Path("."), ["-x.py"])[-7:] == [
        "-f", "json", "-q", "--ignore-nosec", "--exclude=", "--", "./-x.py"]


@pytest.mark.parametrize("comment,rules,reason", [
    ("# nosec", (), ""),
    ("# nosec B602", ("B602",), ""),
    ("# nosec: b602,B603 input is a constant", ("B602", "B603"), "input is a constant"),
    ("#nosec B105 - test fixture", ("B105",), "- test fixture"),
])
def test_nosec_comments(comment: str, rules: tuple[str, ...], reason: str) -> None:
    [parsed] = BanditScanner().parse_suppressions(comment)
    assert parsed == InlineSuppression("nosec", rules, reason)


def test_nosec_applies_only_to_bandit_and_its_rules() -> None:
    scanner = BanditScanner()
    b602 = Finding("bandit", "B602", "r", "m", Severity.HIGH, Confidence.HIGH,
                   Location("a.py", 1), "f")
    semgrep = Finding("semgrep", "B602", "r", "m", Severity.HIGH, Confidence.HIGH,
                      Location("a.py", 1), "f")
    bare, named, other = (scanner.parse_suppressions(c)[0]
                          for c in ("# nosec", "# nosec B602", "# nosec B101"))
    assert scanner.suppression_applies(bare, b602)
    assert scanner.suppression_applies(named, b602)
    assert not scanner.suppression_applies(other, b602)
    assert not scanner.suppression_applies(bare, semgrep)
    assert scanner.parse_suppressions("# a comment") == []
    assert scanner.describe_suppression(named) == "# nosec B602"
    assert scanner.describe_suppression(bare) == "# nosec"
