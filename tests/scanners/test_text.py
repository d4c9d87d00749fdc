"""The gate's own bidi scanner: controls anywhere, marks outside string literals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import gate
from gate.findings import Severity
from gate.runs import ScanResult
from gate.scanners import REGISTRY
from gate.scanners.interface import ScanContext
from gate.scanners.text import CONTROL_RULE, MARK_RULE, TextScanner, check_text
from tests.helpers import load_json, make_repo, run_gate, validate_sarif
from tests.scanners.conftest import all_files

RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE
LRI, PDI = "\u2066", "\u2069"  # LEFT-TO-RIGHT ISOLATE, POP DIRECTIONAL ISOLATE
RLM = "\u200f"  # RIGHT-TO-LEFT MARK
ALM = "\u061c"  # ARABIC LETTER MARK

TROJAN = (
    'access_level = "user"\n'
    f"if access_level != 'none{RLO}{LRI}': # Check if admin {PDI}{LRI}' and access_level != 'user\n"
    '    print("admin")\n'
)


def found(path: str, text: str) -> list[tuple[str, int, int]]:
    return [(f.rule_id, f.location.start_line, f.location.start_column)
            for f in check_text(path, text)]


def scan(root: Path) -> ScanResult:
    scanner = TextScanner()
    files = scanner.select(all_files(root), root)
    return scanner.scan(ScanContext(root=root, files=tuple(files), timeout=60))


def test_controls_are_flagged_on_every_line_even_inside_strings() -> None:
    assert found("app.py", TROJAN) == [(CONTROL_RULE, 2, 25)]
    text = f'a = "{RLO}"\nb = 1\n# {LRI} comment\n'
    assert found("app.py", text) == [(CONTROL_RULE, 1, 6), (CONTROL_RULE, 3, 3)]


def test_python_marks_only_outside_string_literals() -> None:
    text = (f'DATE_FORMAT = "j F{RLM} Y"\n'  # a locale format string: fine
            f'x = 1  # note {RLM}\n'  # comment: outside a literal
            f'y = f"{{x}}{ALM}"\n'  # f-string: inside
            f'z = {RLM}2\n'  # code
            f'doc = """\nline {RLM}\n"""\n')  # inside a triple-quoted literal
    assert found("formats.py", text) == [(MARK_RULE, 2, 15), (MARK_RULE, 4, 5)]


def test_one_finding_per_line_and_rule_naming_each_character() -> None:
    findings = check_text("app.py", f"x = 1  # {RLO}{RLM}{RLO}{LRI}\n")
    assert [(f.rule_id, f.severity) for f in findings] == [
        (CONTROL_RULE, Severity.HIGH), (MARK_RULE, Severity.LOW)]
    message = findings[0].message
    assert "U+202E RIGHT-TO-LEFT OVERRIDE, U+2066 LEFT-TO-RIGHT ISOLATE" in message
    assert RLO not in message and "U+200F RIGHT-TO-LEFT MARK" in findings[1].message


def test_other_text_files_count_quoted_text_as_a_literal() -> None:
    text = (f'{{"title": "{RLM}abc"}}\n'  # JSON string: fine
            f"name: '{RLM}x'\n"  # YAML single-quoted: fine
            f"plain {RLM} prose\n"  # outside quotes
            f"msgstr \"{RLO}\"\n")  # a control, quoted or not
    assert found("data.txt", text) == [(MARK_RULE, 3, 7), (CONTROL_RULE, 4, 9)]


def test_controls_in_translated_strings_of_a_catalog_are_medium() -> None:
    catalog = (f'msgid "%(text)s..."\nmsgstr "%(text)s{RLO}x"\n'  # Django's he catalog
               f"# {RLO} translator comment\n")
    assert [(f.rule_id, f.location.start_line, f.severity)
            for f in check_text("he/django.po", catalog)] == [
        (CONTROL_RULE, 2, Severity.MEDIUM), (CONTROL_RULE, 3, Severity.HIGH)]
    assert [f.severity for f in check_text("notes.txt", catalog)] == [Severity.HIGH] * 2


def test_python_that_does_not_tokenize_falls_back_to_quotes() -> None:
    text = f'def broken(:\n    s = "{RLM}"\n    t = {RLM}1\n'
    assert found("bad.py", text + '"""unterminated\n') == [(MARK_RULE, 3, 9)]


@pytest.mark.parametrize(("text", "line"), [
    (f"a = 1\r\nb = 2  # {RLO}\r\n", 2),
    (f"a = 1\rb = 2\n# {RLO}\n", 2),  # a lone CR does not end a line (newline style)
])
def test_lines_are_counted_by_newline(text: str, line: int) -> None:
    assert [f.location.start_line for f in check_text("x.py", text)] == [line]
    assert REGISTRY["bidi"].line_style == "newline"


def test_select_takes_text_files_and_leaves_binaries_and_git(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\n", encoding="utf-8")
    (tmp_path / "notes.md").write_text("hi\n", encoding="utf-8")
    (tmp_path / "image.bin").write_bytes(b"\x89PNG\0\0" + RLO.encode())
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "config").write_text("[core]\n", encoding="utf-8")
    assert TextScanner().select(all_files(tmp_path), tmp_path) == ["a.py", "notes.md"]


def test_scan_reports_paths_lines_and_runs_in_process(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "trojan.py").write_text(TROJAN, encoding="utf-8")
    (tmp_path / "src" / "clean.py").write_text("x = 1\n", encoding="utf-8")
    result = scan(tmp_path)
    assert result.run.ok and result.run.files == 2
    assert [(f.rule_id, f.location.path, f.location.start_line) for f in result.findings] == [
        (CONTROL_RULE, "src/trojan.py", 2)]
    scanner = REGISTRY["bidi"]
    assert scanner.in_process and not scanner.content_scanner and not scanner.cache_per_file
    assert scanner.owns_rule("gate/bidi-*") and not scanner.owns_rule("B613")


def test_files_left_when_the_timeout_has_passed_are_listed_as_skipped(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(TROJAN, encoding="utf-8")
    (tmp_path / "b.txt").write_text("x\n", encoding="utf-8")
    scanner = TextScanner()
    files = tuple(scanner.select(all_files(tmp_path), tmp_path))
    result = scanner.scan(ScanContext(root=tmp_path, files=files, timeout=-1))
    assert result.findings == ()
    assert [(s.path, s.reason) for s in result.run.skipped] == [
        ("a.py", "timed out after -1s"), ("b.txt", "timed out after -1s")]


def _repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo", files={
        "app.py": TROJAN, "locale/formats.py": f'DATE_FORMAT = "j{RLM} F"\n',
        "README.md": f"Read {RLM}me\n"})


def test_a_file_gone_before_the_scan_is_listed_as_skipped(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(f"x {RLO}\n", encoding="utf-8")
    ctx = ScanContext(root=tmp_path, files=("a.txt", "gone.txt"), timeout=60)
    result = TextScanner().scan(ctx)
    assert [(f.rule_id, f.location.path) for f in result.findings] == [(CONTROL_RULE, "a.txt")]
    assert [(s.path, s.reason) for s in result.run.skipped] == [("gone.txt", "unreadable")]


def test_the_gate_fails_on_a_control_and_writes_valid_sarif(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    sarif, report = tmp_path / "out.sarif", tmp_path / "out.json"
    args = ("scan", ".", "--scanners", "bidi", "--sarif", str(sarif), "--json", str(report),
            "--cache-dir", str(tmp_path / "cache"))
    first = run_gate(*args, cwd=repo)
    assert first.code == 1, first.output
    assert RLO not in first.output and LRI not in first.output
    data = load_json(report)
    failing = [(f["scanner"], f["rule_id"], f["path"], f["start_line"]) for f in data["findings"]
               if f["disposition"] == "fail"]
    assert failing == [("bidi", CONTROL_RULE, "app.py", 2)]
    marks = [(f["rule_id"], f["path"]) for f in data["findings"] if f["rule_id"] == MARK_RULE]
    assert marks in ([], [(MARK_RULE, "README.md")])  # low: below the default report level
    code, last = validate_sarif(sarif)
    assert code == 0, last
    drivers = {run["tool"]["driver"]["name"]: run["tool"]["driver"]
               for run in json.loads(sarif.read_text(encoding="utf-8"))["runs"]}
    assert drivers["bidi"]["rules"][0]["id"] == CONTROL_RULE
    assert drivers["bidi"]["version"] == gate.__version__
    again = run_gate(*args, cwd=repo)
    assert again.code == 1
    runs = {r["scanner"]: r for r in load_json(report)["runs"]}
    assert runs["bidi"]["reused"] == 0  # checked again: cheaper than a cache entry


@pytest.mark.slow
def test_the_default_preset_lowers_b613_beside_the_check(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    report = tmp_path / "out.json"
    result = run_gate("scan", ".", "--scanners", "bandit,bidi", "--json", str(report),
                      "--no-cache", cwd=repo)
    assert result.code == 1, result.output
    found = {(f["rule_id"], f["path"], f["severity"], f["disposition"])
             for f in load_json(report)["findings"] if f["rule_id"] in ("B613", CONTROL_RULE)}
    assert found == {("B613", "app.py", "low", "hidden"),
                     ("B613", "locale/formats.py", "low", "hidden"),
                     (CONTROL_RULE, "app.py", "high", "fail")}
