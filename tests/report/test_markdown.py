"""The Markdown step summary on Decisions built directly (no scanners)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace

import tomli

from gate.policy.decision import WaiverState, WaiverStatus
from gate.policy.model import Waiver
from gate.report import comment, markdown
from tests.report.decisions import make_decision, make_finding


def test_summary_stays_under_one_mebibyte_with_30000_findings() -> None:
    findings = [make_finding(i, message="x" * 400) for i in range(30_000)]
    text = markdown.render(make_decision(findings))
    assert len(text.encode("utf-8")) < 1024 * 1024
    assert "FAILED" in text
    assert "Failing findings (30000)" in text
    assert re.search(r"and \d+ more failing finding", text)
    assert "| bandit | ok | 30000 |" in text


def test_summary_lists_scanner_errors_expiring_waivers_and_a_changed_policy() -> None:
    waiver = Waiver(reason="ticket 1", expires=dt.date(2030, 1, 5), rule="B602")
    decision = make_decision(
        [make_finding(1)], policy_changed="POLICY CHANGED: this change modifies gate.toml",
        warnings=(f"{waiver.label} expires in 3 day(s), on 2030-01-05",), policy_ref="abc123",
        waiver_warnings=(f"{waiver.label} expires in 3 day(s), on 2030-01-05",),
        waivers=(WaiverState(waiver, WaiverStatus.USED, 3, 1, expiring=True),),
    )
    text = markdown.render(decision)
    assert "### Scanner errors" in text and "&lt;b&gt;oops&lt;/b&gt;" in text
    assert "### Waivers expiring soon" in text and "expires in 3 day\\(s\\)" in text
    assert "> [!WARNING]" in text and "POLICY CHANGED" in text
    assert "at git ref abc123" in text


LINKS = markdown.source_links("https://github.example/", "owner/repo", "0123abcd" * 5)


def test_rows_link_to_the_file_at_the_commit_and_line_and_show_the_fix() -> None:
    hostile = "a/we ird (1)/<b>#x.py"
    findings = [replace(make_finding(1, path=hostile), remediation="Use shlex.quote(x)."),
                make_finding(11), make_finding(2)]
    text = markdown.render(replace(make_decision(findings), today=dt.date(2026, 6, 1)),
                           links=LINKS)
    assert LINKS is not None and LINKS.server == "https://github.example"
    url = ("https://github.example/owner/repo/blob/" + "0123abcd" * 5
           + "/a/we%20ird%20%281%29/%3Cb%3E%23x.py#L2")
    assert f"]({url})" in text
    assert f"](https://github.example/owner/repo/blob/{'0123abcd' * 5}/src/m11.py#L12)" in text
    assert "| Use shlex\\.quote\\(x\\)\\. |" in text
    # one folded group per rule, in order of severity, with the rule's waiver entry
    summaries = re.findall(r"^<details><summary>(.*)</summary>$", text, re.M)
    assert summaries == ["HIGH bandit/B601: rule (2 finding(s))",
                         "HIGH bandit/B602: rule (1 finding(s))"]
    assert text.count("</details>") == 2
    block = text.split("```toml\n")[1].split("```")[0]
    assert tomli.loads(block)["waivers"][0]["paths"] == ["a/we ird (1)/<b>#x.py"]
    assert "<b>#x" not in text  # markup escaped everywhere, the TOML block included


def test_no_links_without_the_server_the_repository_or_the_commit() -> None:
    for values in (("", "owner/repo", "a" * 40), ("https://github.com", "", "a" * 40),
                   ("https://github.com", "owner/repo", ""),
                   ("javascript:alert(1)", "owner/repo", "a" * 40),
                   ("https://u:p@github.com", "owner/repo", "a" * 40),
                   ("https://github.com", "owner/repo/x", "a" * 40),
                   ("https://github.com", "owner/repo", "main")):
        assert markdown.source_links(*values) is None, values
    text = markdown.render(make_decision([make_finding(1)]), links=None)
    assert "/blob/" not in text and "](" not in text


def test_the_comment_stays_under_githubs_limit_with_the_rest_summarised() -> None:
    findings = [replace(make_finding(i, path=f"src/{'deep/' * 30}m{i}.py", message="x" * 300),
                        remediation="y" * 300) for i in range(5_000)]
    decision = replace(make_decision(findings), today=dt.date(2026, 6, 1))
    body = comment.body(decision, LINKS)
    wrapped = comment.wrap(body, comment.marker("ci", "gate"), "https://github.example/run")
    assert len(wrapped) < 65_536 and len(body.encode("utf-8")) <= comment.BODY_BYTES
    rest = re.search(r"… and (\d+) more failing finding\(s\) \((.*)\): see the SARIF", body)
    assert rest is not None, body[-500:]
    shown = len(re.findall(r"^\| high \| \[", body, re.M))
    assert shown > 10 and shown + int(rest[1]) == 5_000
    assert rest[2].startswith("bandit/B60")
    assert "</details>" in body and body.count("<details>") == body.count("</details>")
