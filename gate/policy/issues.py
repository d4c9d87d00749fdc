"""One bug, one issue: findings of different scanners on one call, in one CWE family.

Two findings are twins when they come from different rules (of two scanners, or two rules
of one scanner: a taint rule and a pattern rule on one sink), lie in the same file on
overlapping lines (the same line, or lines of one multi-line call: bandit names the line
of the offending keyword and the call's lines as its range, semgrep the whole call) and
name weaknesses of one family (``gate.policy.family``). An issue holds at most one finding
per rule; where a finding could join several, the closest lines win.

The issue is decided from its findings' own decisions, in DESIGN's order:

1. a ``[[waivers]]`` entry naming any of them waives the issue;
2. inline suppressions waive it only when every finding carries one that names it;
3. a baseline entry of any of them (``new_only``) makes it a baseline issue;
4. otherwise the most severe disposition of the findings not suppressed, at the highest
   severity among them.

The lead (the finding the issue is reported as) carries the issue's disposition, severity
and reason, ``also_found_by`` and ``twins``; every other finding names the lead in
``duplicate_of`` and keeps its identity (rule, path, lines) in the report.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from gate.baseline import BaselineState
from gate.findings import Finding
from gate.policy.decision import Decided, Disposition
from gate.policy.family import related

_RANK = {Disposition.FAIL: 0, Disposition.WARN: 1, Disposition.WAIVED: 2,
         Disposition.BASELINE: 3, Disposition.HIDDEN: 4}
_COVERED = (Disposition.WAIVED, Disposition.BASELINE, Disposition.HIDDEN)


def _end(finding: Finding) -> int:
    loc = finding.location
    return max(loc.end_line or loc.start_line, loc.start_line)


def twins(a: Finding, b: Finding) -> bool:
    """True when ``a`` and ``b`` report one bug: different rules, one file, overlapping
    lines, one CWE family."""
    return ((a.scanner, a.rule_id) != (b.scanner, b.rule_id)
            and a.location.path == b.location.path
            and a.location.start_line <= _end(b) and b.location.start_line <= _end(a)
            and related(a, b))


def groups(findings: Sequence[Finding]) -> list[list[int]]:
    """Indexes of ``findings`` that form one issue (two or more each, one per rule)."""
    by_path: dict[str, list[int]] = {}
    for index, finding in enumerate(findings):
        by_path.setdefault(finding.location.path, []).append(index)
    pairs: list[tuple[int, int, int]] = []
    for indexes in by_path.values():
        indexes.sort(key=lambda i: findings[i].location.start_line)
        for position, i in enumerate(indexes):
            a = findings[i]
            for j in indexes[position + 1:]:
                b = findings[j]
                if b.location.start_line > _end(a):
                    break
                if twins(a, b):
                    distance = abs(a.location.start_line - b.location.start_line) + \
                        abs(_end(a) - _end(b))
                    pairs.append((distance, min(i, j), max(i, j)))
    root = list(range(len(findings)))
    rules: dict[int, set[tuple[str, str]]] = {}

    def find(i: int) -> int:
        while root[i] != i:
            root[i] = root[root[i]]
            i = root[i]
        return i

    for _, i, j in sorted(pairs):
        ri, rj = find(i), find(j)
        if ri == rj:
            continue
        mine = rules.get(ri, {(findings[ri].scanner, findings[ri].rule_id)})
        theirs = rules.get(rj, {(findings[rj].scanner, findings[rj].rule_id)})
        if mine & theirs:
            continue
        root[rj] = ri
        rules[ri] = mine | theirs
    members: dict[int, list[int]] = {}
    for index in range(len(findings)):
        members.setdefault(find(index), []).append(index)
    return [m for m in members.values() if len(m) > 1]


def merge(items: Sequence[Decided]) -> list[Decided]:
    """``items`` with each issue's findings decided as one (see the module docstring)."""
    out = list(items)
    for members in groups([d.finding for d in items]):
        for index, decided in zip(members, _issue([items[i] for i in members]), strict=True):
            out[index] = decided
    return out


def _suppressed(item: Decided) -> bool:
    """Waived by its own inline suppression comment (not by a ``[[waivers]]`` entry)."""
    return item.disposition is Disposition.WAIVED and item.waiver is None


def _ignored(item: Decided) -> bool:
    return item.disposition is Disposition.HIDDEN and item.reason.startswith("ignored by")


def _label(finding: Finding) -> str:
    return f"{finding.scanner}/{finding.rule_id}"


def _issue(members: list[Decided]) -> list[Decided]:
    """The members decided as one issue: the lead first in rank, the rest its duplicates."""
    def strongest(chosen: Sequence[Decided]) -> Decided:
        return min(chosen, key=lambda d: (_RANK[d.disposition], -int(d.severity),
                                          -int(d.finding.confidence)))

    active = [d for d in members if not _ignored(d)] or members
    waived = [d for d in active if d.disposition is Disposition.WAIVED and d.waiver is not None]
    baseline = [d for d in active if d.disposition is Disposition.BASELINE]
    unsuppressed = [d for d in active if not _suppressed(d)]
    note = ""
    if waived:
        lead = strongest(waived)
    elif not unsuppressed:
        lead = strongest(active)
        reasons = dict.fromkeys(d.reason for d in active)
        lead = replace(lead, reason="; ".join(reasons))
    elif baseline:
        lead = strongest(baseline)
    else:
        lead = strongest(unsuppressed)
        quiet = [d for d in active if _suppressed(d)]
        if quiet:
            named = ", ".join(_label(d.finding) for d in quiet)
            unnamed = ", ".join(_label(d.finding) for d in unsuppressed)
            note = (f"; its inline suppression names {named} but not {unnamed} (one issue: "
                    "a suppression must name each of its rules)")
    severity = max(d.severity for d in active) if lead.disposition in _COVERED[:2] \
        else lead.severity
    others = [d for d in members if d.finding is not lead.finding]
    state = lead.baseline_state
    if any(d.baseline_state is BaselineState.UNCHANGED for d in members):
        state = BaselineState.UNCHANGED
    head = replace(lead, severity=severity, reason=lead.reason + note, baseline_state=state,
                   also_found_by=tuple(sorted({d.finding.scanner for d in others}
                                              - {lead.finding.scanner})),
                   twins=tuple(d.finding for d in others))
    where = f"{_label(lead.finding)} at line {lead.finding.location.start_line}"
    out: list[Decided] = []
    for item in members:
        if item.finding is lead.finding:
            out.append(head)
            continue
        if item.disposition in _COVERED[:2] and head.disposition in _COVERED[:2]:
            item = replace(item, reason=f"{item.reason}; one issue with {where}")
        elif head.disposition in _COVERED:
            item = replace(item, disposition=head.disposition, waiver=head.waiver,
                           reason=f"one issue with {where}: {head.reason}")
        else:
            item = replace(item, reason=f"{item.reason}; one issue with {where} "
                                        f"({head.disposition.value})")
        out.append(replace(item, duplicate_of=lead.finding.fingerprint, baseline_state=state
                           if item.baseline_state is not None else None))
    return out
