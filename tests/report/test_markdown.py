"""The Markdown step summary on Decisions built directly (no scanners)."""

from __future__ import annotations

import datetime as dt
import re

from gate.policy.decision import WaiverState, WaiverStatus
from gate.policy.model import Waiver
from gate.report import markdown
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
