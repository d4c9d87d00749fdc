"""GitLab's Code Quality and SAST reports: one entry per failing or warning issue, severities
mapped as documented, deterministic, inert for GitLab's Markdown, and valid.

The SAST report is validated against ``gitlab_sast_required.schema.json``, which is NOT
GitLab's published schema file (no copy could be had through the package registries): it
is the required fields and formats GitLab's documentation lists for schema 15.x, namely
``version`` (15.x.y), ``scan`` with ``analyzer`` and ``scanner`` (``id``, ``name``,
``version``, ``vendor.name``), ``type`` "sast", ``start_time``/``end_time`` as
``YYYY-MM-DDTHH:MM:SS``, ``status``; and per vulnerability ``id``, ``identifiers`` (at
least one; ``type``, ``name``, ``value``, optional http(s) ``url``), ``location`` (``file``,
``start_line``, ``end_line``), ``severity`` in GitLab's six words, ``name`` up to 255
characters. The Code Quality report is checked field by field against GitLab's list
(``description``, ``check_name``, ``fingerprint``, ``severity``, ``location.path``,
``location.lines.begin``).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from gate.findings import Confidence, Finding, Location, Severity
from gate.policy.decision import Decided, Decision, Disposition, Verdict
from gate.policy.model import Policy
from gate.report import gitlab
from gate.runs import ScannerRun
from tests.faults.conftest import github_token
from tests.report.conftest import HOSTILE, Scanned

SCHEMA = json.loads((Path(__file__).parent / "gitlab_sast_required.schema.json")
                    .read_text(encoding="utf-8"))
CQ_SEVERITIES = {"info", "minor", "major", "critical", "blocker"}


def check_code_quality(entries: Any) -> None:
    """Every field GitLab's Code Quality documentation requires, with its type."""
    assert isinstance(entries, list)
    fingerprints = [e["fingerprint"] for e in entries]
    assert len(set(fingerprints)) == len(fingerprints)
    for entry in entries:
        assert isinstance(entry["description"], str) and entry["description"]
        assert isinstance(entry["check_name"], str) and entry["check_name"]
        assert isinstance(entry["fingerprint"], str) and entry["fingerprint"]
        assert entry["severity"] in CQ_SEVERITIES
        assert isinstance(entry["location"]["path"], str) and entry["location"]["path"]
        begin = entry["location"]["lines"]["begin"]
        assert isinstance(begin, int) and begin >= 1


def _finding(scanner: str, rule: str, path: str, line: int, message: str = "m",
             cwe: tuple[int, ...] = (), fp: str = "f" * 32, **kw: Any) -> Finding:
    return Finding(scanner, rule, rule, message, Severity.HIGH, Confidence.HIGH,
                   Location(path, line, 1, line + 1), fp, cwe=cwe, **kw)


def _decision(items: tuple[Decided, ...], runs: tuple[ScannerRun, ...] = ()) -> Decision:
    return Decision(policy=Policy(source="gate.toml"), verdict=Verdict.FAIL, exit_code=1,
                    items=items, runs=runs, reasons=("x",), today=dt.date(2026, 6, 1))


def _constructed() -> Decision:
    lead = _finding("semgrep", "web-command-injection", "app.py", 5, "shell from request",
                    cwe=(78,), fp="a" * 32, help_uri="https://example.org/rule",
                    remediation="Pass a list; no shell.")
    twin = _finding("bandit", "B602", "app.py", 5, "shell=True", cwe=(78,), fp="b" * 32)
    items = (
        Decided(lead, Disposition.FAIL, Severity.CRITICAL, "critical reaches fail_on",
                also_found_by=("bandit",), twins=(twin,)),
        Decided(twin, Disposition.FAIL, Severity.CRITICAL, "duplicate",
                duplicate_of="semgrep/web-command-injection"),
        Decided(_finding("bandit", "B324", "h.py", 2, fp="c" * 32), Disposition.WARN,
                Severity.MEDIUM, "below fail_on"),
        Decided(_finding("bandit", "B301", "p.py", 3, fp="d" * 32), Disposition.WAIVED,
                Severity.HIGH, "waived"),
        Decided(_finding("bandit", "B101", "t.py", 4, fp="e" * 32), Disposition.BASELINE,
                Severity.LOW, "baseline"),
        Decided(_finding("bandit", "B110", "q.py", 1, fp="9" * 32), Disposition.HIDDEN,
                Severity.INFO, "hidden"),
        Decided(_finding("pip-audit", "PYSEC-2018-28", "requirements.txt", 1, fp="8" * 32,
                         aliases=("CVE-2018-18074", "GHSA-x84v-xcm2-53pg")),
                Disposition.WARN, Severity.LOW, "low"),
    )
    return _decision(items, (ScannerRun("bandit", "bandit", "1", (), 0, None, 3),))


def test_one_entry_per_failing_or_warning_issue_with_the_documented_severities() -> None:
    decision = _constructed()
    entries = json.loads(gitlab.render_code_quality(decision))
    check_code_quality(entries)
    assert [(e["check_name"], e["location"]["path"], e["location"]["lines"]["begin"],
             e["severity"]) for e in entries] == [
        ("web-command-injection", "app.py", 5, "blocker"),  # critical; bandit's twin inside
        ("B324", "h.py", 2, "major"),  # medium, warning
        ("PYSEC-2018-28", "requirements.txt", 1, "minor")]  # low
    assert "found by semgrep, bandit" in entries[0]["description"]
    assert entries[0]["description"].startswith("fail: ")
    assert entries[1]["description"].startswith("warn: ")
    report = gitlab.sast(decision)
    jsonschema.validate(report, SCHEMA)
    vulns = report["vulnerabilities"]
    assert [(v["severity"], v["location"]) for v in vulns] == [
        ("Critical", {"file": "app.py", "start_line": 5, "end_line": 6}),
        ("Medium", {"file": "h.py", "start_line": 2, "end_line": 3}),
        ("Low", {"file": "requirements.txt", "start_line": 1, "end_line": 2})]
    assert vulns[0]["identifiers"] == [
        {"type": "semgrep_rule", "name": "semgrep web-command-injection",
         "value": "web-command-injection", "url": "https://example.org/rule"},
        {"type": "bandit_rule", "name": "bandit B602", "value": "B602"},
        {"type": "cwe", "name": "CWE-78", "value": "78",
         "url": "https://cwe.mitre.org/data/definitions/78.html"}]
    assert vulns[0]["solution"] == "Pass a list; no shell\\."
    assert [i["type"] for i in vulns[2]["identifiers"]] == ["pip-audit_rule", "cve", "ghsa"]
    assert report["scan"]["start_time"] == report["scan"]["end_time"] == "2026-06-01T00:00:00"
    assert report["scan"]["status"] == "success"


def test_both_reports_are_deterministic_and_a_failed_scanner_is_a_failed_scan() -> None:
    decision = _constructed()
    assert gitlab.render_sast(decision) == gitlab.render_sast(_constructed())
    assert gitlab.render_code_quality(decision) == gitlab.render_code_quality(_constructed())
    broken = _decision(decision.items, (ScannerRun("semgrep", "semgrep", "1", (), 2, "boom", 1),))
    assert gitlab.sast(broken)["scan"]["status"] == "failure"
    undated = Decision(policy=decision.policy, verdict=Verdict.PASS, exit_code=0, items=(),
                       runs=(), reasons=())
    report = gitlab.sast(undated)
    jsonschema.validate(report, SCHEMA)
    assert report["scan"]["start_time"] == gitlab.NO_DATE and report["vulnerabilities"] == []
    assert json.loads(gitlab.render_code_quality(undated)) == []


@pytest.mark.parametrize("payload", [
    "[click](https://evil.example) <img src=x onerror=alert(1)> @admin **bold**",
    "line\u202eevil\x1b[31m\nsecond line",
])
def test_scanned_text_cannot_become_markup_or_controls(payload: str) -> None:
    finding = _finding("bandit", "B1", f"dir/{payload}.py", 2, payload, remediation=payload)
    decision = _decision((Decided(finding, Disposition.FAIL, Severity.HIGH, payload),))
    vuln = gitlab.sast(decision)["vulnerabilities"][0]
    for text in (vuln["description"], vuln["solution"]):
        assert "<img" not in text and "](http" not in text and "**" not in text
        assert "@admin" not in text and "\u202e" not in text and "\x1b" not in text
    entry = gitlab.code_quality(decision)[0]
    for text in (entry["description"], entry["location"]["path"], vuln["name"],
                 vuln["location"]["file"]):
        assert "\u202e" not in text and "\x1b" not in text and "\n" not in text


def test_the_reports_of_a_real_scan(scanned: Scanned) -> None:
    report = scanned.report
    expected = [f for f in report["findings"]
                if f["duplicate_of"] is None and f["disposition"] in ("fail", "warn")]
    assert len(expected) == report["counts"]["fail"] + report["counts"]["warn"]
    entries = json.loads((scanned.out / "codequality.json").read_text(encoding="utf-8"))
    check_code_quality(entries)
    sast = json.loads((scanned.out / "gl-sast-report.json").read_text(encoding="utf-8"))
    jsonschema.validate(sast, SCHEMA)
    assert len(entries) == len(sast["vulnerabilities"]) == len(expected)
    # the one failing issue, found by bandit and semgrep: one entry, both rules named
    failing = [e for e in entries if e["description"].startswith("fail: ")]
    assert [(e["check_name"], e["location"]["path"], e["location"]["lines"]["begin"])
            for e in failing] == [("B602", "new.py", 5)]
    assert "found by bandit, semgrep" in failing[0]["description"]
    lead = next(v for v in sast["vulnerabilities"] if v["location"]["file"] == "new.py")
    assert {i["type"] for i in lead["identifiers"]} >= {"bandit_rule", "semgrep_rule", "cwe"}
    assert {"type": "cwe", "name": "CWE-78", "value": "78",
            "url": "https://cwe.mitre.org/data/definitions/78.html"} in lead["identifiers"]
    assert HOSTILE in {e["location"]["path"] for e in entries}
    # the waived token (a real PAT format) and the waived/baseline findings stay out
    for name in ("codequality.json", "gl-sast-report.json"):
        text = (scanned.out / name).read_text(encoding="utf-8")
        assert github_token() not in text
        assert "legacy.py" not in text  # B324 waived there
        assert "old.py" not in text  # its finding is in the baseline, fixed
    assert sast["scan"]["start_time"] == "2026-06-01T00:00:00"


def test_evaluate_writes_both_reports_from_a_sarif_without_following_links(
        scanned: Scanned, tmp_path: Path) -> None:
    target = tmp_path / "victim.txt"
    target.write_text("keep", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    (out / "cq.json").symlink_to(target)
    run = scanned.gate("evaluate", str(scanned.out / "report.sarif"), "--policy",
                       str(scanned.policy), "--codequality", str(out / "cq.json"),
                       "--gitlab-sast", str(out / "sast.json"))
    assert run.code == 1, run.output
    assert target.read_text(encoding="utf-8") == "keep"
    assert not (out / "cq.json").is_symlink()
    entries = json.loads((out / "cq.json").read_text(encoding="utf-8"))
    check_code_quality(entries)
    assert ("B602", "new.py") in {(e["check_name"], e["location"]["path"]) for e in entries}
    jsonschema.validate(json.loads((out / "sast.json").read_text(encoding="utf-8")), SCHEMA)
    both = scanned.gate("evaluate", str(scanned.out / "report.sarif"), "--policy",
                        str(scanned.policy), "--codequality", "-", "--gitlab-sast", "-")
    assert both.code == 2 and "only one output" in both.output
