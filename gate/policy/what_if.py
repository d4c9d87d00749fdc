"""The what-if for thresholds: the same findings evaluated again under each ``fail_on`` level,
and for each path class without its adjustments.

Each row is ``evaluate`` itself run on ``policy.with_fail_on(level)`` (what ``--fail-on
LEVEL`` does), so its count is exactly what ``gate scan --fail-on LEVEL`` would fail on.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from gate.findings import Finding, Severity
from gate.policy.decision import ClassEffect, Decision, Disposition, WhatIfRow
from gate.policy.evaluate import Context, evaluate
from gate.policy.model import Policy
from gate.runs import ScannerRun

LEVELS = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW)


def failing_rules(decision: Decision) -> frozenset[tuple[str, str]]:
    """(scanner, rule id) of every issue that fails the gate."""
    return frozenset((d.finding.scanner, d.finding.rule_id) for d in decision.items
                     if d.disposition is Disposition.FAIL and d.duplicate_of is None)


def failing_by_class(decision: Decision) -> tuple[tuple[str | None, int], ...]:
    """Failing issues per path class (None: no class), in the order of ``class_counts``."""
    counts = decision.class_counts()
    return tuple((name, c[Disposition.FAIL.value]) for name, c in counts.items())


def class_effects(policy: Policy, findings: Sequence[Finding], runs: Sequence[ScannerRun],
                  ctx: Context, current: Decision) -> tuple[ClassEffect, ...]:
    """For each path class that adjusts anything: what fails in it now, and what would fail
    if it adjusted nothing (``evaluate`` again with that class's adjustments removed)."""
    out: list[ClassEffect] = []
    for klass in policy.paths:
        if not klass.adjusts:
            continue
        mine = [d for d in current.items if d.path_class == klass.name and d.duplicate_of is None]
        without = evaluate(policy.without_path_class(klass.name), findings, runs, ctx)
        theirs = [d for d in without.items
                  if d.path_class == klass.name and d.duplicate_of is None]
        now = Counter(d.disposition for d in mine)
        then = Counter(d.disposition for d in theirs)
        kept = {(d.finding.scanner, d.finding.rule_id) for d in theirs
                if d.disposition is Disposition.FAIL} - {
            (d.finding.scanner, d.finding.rule_id) for d in mine
            if d.disposition is Disposition.FAIL}
        out.append(ClassEffect(name=klass.name, adjustments=klass.describe(), issues=len(mine),
                               failing=now[Disposition.FAIL],
                               failing_without=then[Disposition.FAIL],
                               kept_from_failing=tuple(sorted(kept))))
    return tuple(out)


def what_if(policy: Policy, findings: Sequence[Finding], runs: Sequence[ScannerRun],
            ctx: Context, current: Decision, *, shown_only: bool = False
            ) -> tuple[WhatIfRow, ...]:
    """One row per level of ``LEVELS``, compared with ``current`` (the real verdict).

    ``shown_only``: the findings come from a SARIF file, which leaves out what the report
    level hid, so rows below a scanner's report level are lower bounds.
    """
    now = failing_rules(current)
    floor = _shown_floor(policy, runs) if shown_only else 0
    rows: list[WhatIfRow] = []
    for level in LEVELS:
        decision = evaluate(policy.with_fail_on(level), findings, runs, ctx)
        rules = failing_rules(decision)
        rows.append(WhatIfRow(level=level, failing=decision.counts()[Disposition.FAIL.value],
                              verdict=decision.verdict, exit_code=decision.exit_code,
                              joining=tuple(sorted(rules - now)),
                              leaving=tuple(sorted(now - rules)),
                              at_least=int(level) < floor,
                              by_class=failing_by_class(decision)))
    return tuple(rows)


def _shown_floor(policy: Policy, runs: Sequence[ScannerRun]) -> int:
    """The lowest severity a SARIF of ``runs`` shows for every scanner (5: one shows none)."""
    floor = 0
    for name in {r.scanner for r in runs}:
        levels = (policy.report_level(name), policy.fail_level(name))
        floor = max(floor, min((int(lv) for lv in levels if lv is not None),
                               default=len(Severity)))
    return floor
