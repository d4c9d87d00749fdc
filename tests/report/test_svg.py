"""gate/report/svg.py: inline charts whose labels are escaped text."""

from __future__ import annotations

import datetime as dt

from gate.report.svg import Bar, Mark, stacked_bars, timeline


def test_bars_and_timeline_escape_their_labels() -> None:
    bars = stacked_bars([Bar("<b>bandit</b>", (("fail", 3, "3 <fail>"), ("warn", 1, "1")))],
                        "findings")
    assert bars.startswith("<svg") and "&lt;b&gt;bandit&lt;/b&gt;" in bars and "<b>" not in bars
    line = timeline(dt.date(2026, 12, 1), [Mark("waiver #1 <x>", dt.date(2026, 12, 20),
                                                "expiring", "19 days")], 60, "waivers")
    assert "waiver #1 &lt;x&gt;" in line and "<x>" not in line
