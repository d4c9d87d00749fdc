"""The GitHub and Markdown renderers on Decisions built directly (no scanners)."""

from __future__ import annotations

import datetime as dt
import re

from gate.decision import Decided, Decision, Disposition, Verdict, WaiverState, WaiverStatus
from gate.findings import Confidence, Finding, Location, Severity
from gate.policy.model import Policy, Waiver
from gate.report import github, markdown
from gate.scanners.interface import ScannerRun

HOSTILE_PATH = "::error title=x::pwned.py"
HOSTILE_MESSAGE = "<img src=x onerror=alert(1)> [click](javascript:alert(1)) @team\n::error::boom"


def _finding(i: int, path: str = "", message: str = "", severity: Severity = Severity.HIGH
             ) -> Finding:
    return Finding("bandit", f"B{600 + i % 10}", "rule", message or f"problem {i}", severity,
                   Confidence.HIGH, Location(path or f"src/m{i}.py", i % 500 + 1),
                   f"{i:032x}")


def _decision(findings: list[Finding], **kw: object) -> Decision:
    items = tuple(Decided(f, Disposition.FAIL, f.severity, "severity high reaches fail_on")
                  for f in findings)
    run = ScannerRun("bandit", "bandit", "1.9.4", ("-f", "json"), 1, None, len(findings))
    broken = ScannerRun("semgrep", "semgrep", "1", (), 2, "exited with code 2: <b>oops</b>", 3)
    return Decision(policy=Policy(source="gate.toml", chain=("gate.toml", "preset:default")),
                    verdict=Verdict.FAIL, exit_code=1, items=items, runs=(run, broken),
                    reasons=(f"{len(items)} finding(s) at or above the fail level",), **kw)


def test_summary_stays_under_one_mebibyte_with_30000_findings() -> None:
    findings = [_finding(i, message="x" * 400) for i in range(30_000)]
    text = markdown.render(_decision(findings))
    assert len(text.encode("utf-8")) < 1024 * 1024
    assert "FAILED" in text
    assert "Failing findings (30000)" in text
    assert re.search(r"and \d+ more failing finding", text)
    assert "| bandit | ok | 30000 |" in text


def test_annotations_are_at_most_ten_plus_one_line_for_the_rest() -> None:
    findings = [_finding(i, severity=Severity.CRITICAL if i == 17 else Severity.HIGH)
                for i in range(25)]
    lines = github.annotation_lines(_decision(findings)).splitlines()
    assert len(lines) == 11
    assert lines[0].startswith("::error file=src/m17.py,line=18,title=gate critical%3A ")
    assert all(line.startswith("::error ") for line in lines[:10])
    assert lines[10].startswith("::notice ") and "15 more failing finding(s)" in lines[10]


def test_hostile_names_and_messages_are_escaped_everywhere() -> None:
    decision = _decision([_finding(1, path=HOSTILE_PATH, message=HOSTILE_MESSAGE),
                          _finding(2, path="a,b%0A.py")])
    lines = github.annotation_lines(decision).splitlines()
    assert len(lines) == 2  # the newline in the message did not start a new command
    first = next(line for line in lines if "pwned" in line)
    assert "file=%3A%3Aerror title=x%3A%3Apwned.py," in first
    assert first.endswith("%0A::error::boom")
    second = next(line for line in lines if "a%2Cb" in line)
    assert "file=a%2Cb%250A.py," in second

    console = github.console(decision, token="t0ken")
    fence_start = console.index("::stop-commands::t0ken\n")
    assert console.endswith("::t0ken::\n")
    body = console[fence_start:]
    assert "pwned.py" in body  # the text report is inside the fence

    summary = markdown.render(decision)
    assert "<img" not in summary and "<b>" not in summary
    assert "&lt;img src\\=x onerror\\=alert\\(1\\)&gt;" in summary
    assert "](javascript" not in summary and "\\[click\\]" in summary
    assert "&#64;team" in summary
    assert "::error" not in summary and "\n::" not in summary
    assert all(not line.startswith("::") for line in summary.splitlines())


def test_outputs_use_random_heredoc_delimiters() -> None:
    decision = _decision([_finding(i) for i in range(3)])
    text = github.outputs(github.output_values(decision, "gate.sarif"))
    values = dict(re.findall(r"^([a-z-]+)<<(gate_[0-9a-f]{32})\n", text, re.M))
    assert set(values) >= {"verdict", "findings", "failing", "sarif-file", "exit-code"}
    assert len(set(values.values())) == len(values)
    for name, delimiter in values.items():
        assert f"{name}<<{delimiter}\n" in text and f"\n{delimiter}\n" in text
    assert re.search(r"^verdict<<(\S+)\nfail\n\1$", text, re.M)
    assert re.search(r"^failing<<(\S+)\n3\n\1$", text, re.M)
    assert re.search(r"^findings<<(\S+)\n3\n\1$", text, re.M)


def test_summary_lists_scanner_errors_expiring_waivers_and_a_changed_policy() -> None:
    waiver = Waiver(reason="ticket 1", expires=dt.date(2030, 1, 5), rule="B602")
    decision = _decision(
        [_finding(1)], policy_changed="POLICY CHANGED: this change modifies gate.toml",
        warnings=(f"{waiver.label} expires in 3 day(s), on 2030-01-05",), policy_ref="abc123",
        waiver_warnings=(f"{waiver.label} expires in 3 day(s), on 2030-01-05",),
        waivers=(WaiverState(waiver, WaiverStatus.USED, 3, 1, expiring=True),),
    )
    text = markdown.render(decision)
    assert "### Scanner errors" in text and "&lt;b&gt;oops&lt;/b&gt;" in text
    assert "### Waivers expiring soon" in text and "expires in 3 day\\(s\\)" in text
    assert "> [!WARNING]" in text and "POLICY CHANGED" in text
    assert "at git ref abc123" in text
