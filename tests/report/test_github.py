"""The GitHub annotations, console fence and outputs on Decisions built directly (no scanners).

The Markdown summary has its own tests (test_markdown.py); the hostile-content test here
also checks the summary, since escaping must hold in every output at once."""

from __future__ import annotations

import re

from gate.findings import Severity
from gate.report import github, markdown
from tests.report.decisions import make_decision, make_finding

HOSTILE_PATH = "::error title=x::pwned.py"
HOSTILE_MESSAGE = "<img src=x onerror=alert(1)> [click](javascript:alert(1)) @team\n::error::boom"


def test_annotations_are_at_most_ten_plus_one_line_for_the_rest() -> None:
    findings = [make_finding(i, severity=Severity.CRITICAL if i == 17 else Severity.HIGH)
                for i in range(25)]
    lines = github.annotation_lines(make_decision(findings)).splitlines()
    assert len(lines) == 11
    assert lines[0].startswith("::error file=src/m17.py,line=18,title=gate critical%3A ")
    assert all(line.startswith("::error ") for line in lines[:10])
    assert lines[10].startswith("::notice ") and "15 more failing finding(s)" in lines[10]


def test_hostile_names_and_messages_are_escaped_everywhere() -> None:
    decision = make_decision([make_finding(1, path=HOSTILE_PATH, message=HOSTILE_MESSAGE),
                              make_finding(2, path="a,b%0A.py")])
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
    decision = make_decision([make_finding(i) for i in range(3)])
    text = github.outputs(github.output_values(decision, "gate.sarif"))
    values = dict(re.findall(r"^([a-z-]+)<<(gate_[0-9a-f]{32})\n", text, re.M))
    assert set(values) >= {"verdict", "findings", "failing", "sarif-file", "exit-code"}
    assert len(set(values.values())) == len(values)
    for name, delimiter in values.items():
        assert f"{name}<<{delimiter}\n" in text and f"\n{delimiter}\n" in text
    assert re.search(r"^verdict<<(\S+)\nfail\n\1$", text, re.M)
    assert re.search(r"^failing<<(\S+)\n3\n\1$", text, re.M)
    assert re.search(r"^findings<<(\S+)\n3\n\1$", text, re.M)


