"""The what-if: each fail_on level judged by the same evaluation as the verdict."""

from __future__ import annotations

import datetime as dt

from gate.findings import Confidence, Finding, Location, Severity
from gate.policy import evaluate as policy_eval
from gate.policy.decision import Disposition, Verdict
from gate.policy.load import load_text
from gate.policy.what_if import what_if
from gate.runs import ScannerRun

POLICY = '''version = 1
fail_on = "high"
report = "low"
[scanners.zizmor]
fail_on = "critical"
[[waivers]]
rule = "W1"
reason = "accepted"
expires = 2026-12-31
'''


def _f(scanner: str, rule: str, severity: Severity, line: int = 1) -> Finding:
    return Finding(scanner, rule, rule, rule, severity, Confidence.HIGH,
                   Location("a.py", line), f"{scanner}{rule}{line}")


FINDINGS = [_f("bandit", "B1", Severity.CRITICAL), _f("bandit", "B2", Severity.HIGH, 2),
            _f("bandit", "B3", Severity.MEDIUM, 3), _f("zizmor", "Z1", Severity.HIGH),
            _f("bandit", "W1", Severity.CRITICAL, 4), _f("bandit", "B4", Severity.LOW, 5),
            _f("bandit", "B5", Severity.INFO, 6)]
RUNS = [ScannerRun("bandit", "bandit", "1", (), 1, None, 1),
        ScannerRun("zizmor", "zizmor", "1", (), 0, None, 1)]
CTX = policy_eval.Context(today=dt.date(2026, 6, 1))


def test_each_row_is_the_evaluation_under_that_fail_on() -> None:
    policy = load_text(POLICY, "gate.toml")
    current = policy_eval.evaluate(policy, FINDINGS, RUNS, CTX)
    assert current.counts()["fail"] == 2  # B1, B2; zizmor fails only on critical
    rows = what_if(policy, FINDINGS, RUNS, CTX, current)
    for row in rows:
        alone = policy_eval.evaluate(policy.with_fail_on(row.level), FINDINGS, RUNS, CTX)
        assert row.failing == alone.counts()[Disposition.FAIL.value]
        assert (row.verdict, row.exit_code) == (alone.verdict, alone.exit_code)
    table = {r.level.word: (r.failing, r.joining, r.leaving) for r in rows}
    assert table == {
        "critical": (1, (), (("bandit", "B2"),)),
        "high": (3, (("zizmor", "Z1"),), ()),
        "medium": (4, (("bandit", "B3"), ("zizmor", "Z1")), ()),
        "low": (5, (("bandit", "B3"), ("bandit", "B4"), ("zizmor", "Z1")), ()),
    }
    assert all(r.verdict is Verdict.FAIL and not r.at_least for r in rows)


def test_sarif_input_marks_levels_below_the_report_level_as_lower_bounds() -> None:
    policy = load_text('version = 1\nreport = "medium"\n', "gate.toml")
    current = policy_eval.evaluate(policy, FINDINGS, RUNS, CTX)
    rows = what_if(policy, FINDINGS, RUNS, CTX, current, shown_only=True)
    assert [(r.level.word, r.at_least) for r in rows] == [
        ("critical", False), ("high", False), ("medium", False), ("low", True)]
