"""The Decision: what the policy made of every finding and run. Renderers only read it."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field

from gate.baseline import BaselineState
from gate.findings import Finding, Severity
from gate.policy.model import Policy, RuleOverride, Waiver
from gate.runs import ScannerRun, SkippedFile


class Disposition(enum.Enum):
    """What happened to a finding, decided in DESIGN's order."""

    FAIL = "fail"
    WARN = "warn"
    WAIVED = "waived"
    BASELINE = "baseline"
    HIDDEN = "hidden"


class Verdict(enum.Enum):
    """The gate's answer."""

    PASS = "pass"  # noqa: S105 - a verdict word, not a password
    FAIL = "fail"
    ERROR = "error"


@dataclass(frozen=True)
class Coverage:
    """What the scan looked at: every file of the tree, how many a content scanner analysed,
    how many only the secrets scanner read, and each file not analysed with its reason."""

    total: int
    content: int
    secrets_only: int
    not_analysed: tuple[SkippedFile, ...] = ()
    # The scanners that read files without analysing them as code (the secrets scanner,
    # the bidi check): who read the ``secrets_only`` files.
    readers: tuple[str, ...] = ()

    def counts(self) -> dict[str, int]:
        """Files not analysed, per reason."""
        out: dict[str, int] = {}
        for skip in self.not_analysed:
            out[skip.reason] = out.get(skip.reason, 0) + 1
        return out

    def line(self) -> str:
        """``N files; M analysed by a content scanner; K only by the secrets scanner; J not
        analysed: reason (count), ...`` (``the bidi and secrets scanners`` when both read)."""
        names = sorted(self.readers)
        who = ("a scanner that does not analyse code" if not names
               else f"the {names[0]} scanner" if len(names) == 1
               else f"the {', '.join(names[:-1])} and {names[-1]} scanners")
        text = (f"{self.total} file(s); {self.content} analysed by a content scanner; "
                f"{self.secrets_only} only by {who}; "
                f"{len(self.not_analysed)} not analysed")
        counts = self.counts()
        if counts:
            text += ": " + ", ".join(f"{reason} ({n})" for reason, n in sorted(counts.items()))
        return text


@dataclass(frozen=True)
class Decided:
    """A finding with its disposition, the severity the policy gave it and why."""

    finding: Finding
    disposition: Disposition
    severity: Severity
    reason: str
    waiver: Waiver | None = None
    baseline_state: BaselineState | None = None
    also_found_by: tuple[str, ...] = ()
    duplicate_of: str | None = None
    # The other findings of the same issue (one bug found by several scanners), lead only.
    twins: tuple[Finding, ...] = ()
    # What of the policy touched it, for explanations: the [[rules]] that set its severity,
    # and every waiver that names it (active or expired).
    severity_rules: tuple[RuleOverride, ...] = ()
    matching_waivers: tuple[Waiver, ...] = ()
    # The path class of its file (``tests``, ``docs``, ``examples``; None: no class), and
    # what that class changed, in words (or why it changed nothing: a secret).
    path_class: str | None = None
    path_effects: tuple[str, ...] = ()
    # The index of the ``until_fixed`` waiver that a fixed version ended for it (None: none).
    waiver_ended: int | None = None


@dataclass(frozen=True)
class WhatIfRow:
    """The same findings under ``fail_on = level`` (every fail threshold), evaluated by the
    same policy code as the verdict: how many issues would fail, and which rules would join
    or leave the failing ones. ``at_least``: the input (a SARIF file) lacks the findings
    hidden below the report level, so the count can only be a lower bound."""

    level: Severity
    failing: int
    verdict: Verdict
    exit_code: int
    joining: tuple[tuple[str, str], ...] = ()  # (scanner, rule id) that would start failing
    leaving: tuple[tuple[str, str], ...] = ()  # (scanner, rule id) that would stop failing
    at_least: bool = False
    by_class: tuple[tuple[str | None, int], ...] = ()  # failing issues per path class


@dataclass(frozen=True)
class ClassEffect:
    """What one path class's adjustments do here: its issues, how many fail, and how many
    would fail if the class adjusted nothing (the same findings, the same policy code)."""

    name: str
    adjustments: str  # ``[paths.tests] fail_on = "critical"``
    issues: int
    failing: int
    failing_without: int
    kept_from_failing: tuple[tuple[str, str], ...] = ()  # (scanner, rule id) it stops failing


@dataclass(frozen=True)
class Decision:
    """Everything the renderers need: verdict, exit code, findings, runs and the reasons."""

    policy: Policy
    verdict: Verdict
    exit_code: int
    items: tuple[Decided, ...]
    runs: tuple[ScannerRun, ...]
    reasons: tuple[str, ...]
    warnings: tuple[str, ...] = ()
    category: str = "gate"
    partial: bool = False
    files_scanned: int = 0
    absent: tuple[dict[str, object], ...] = field(default=())
    waivers: tuple[WaiverState, ...] = field(default=())
    # Set by partial scans and --policy-ref (gate.tree.scope): the files a partial scan looked at,
    # and a loud note when the change under review modifies the policy file.
    scanned: tuple[str, ...] = ()
    policy_changed: str = ""
    policy_ref: str = ""
    skipped: tuple[SkippedFile, ...] = ()  # files the gate did not scan at all (over 10 MB)
    waiver_warnings: tuple[str, ...] = ()  # the warnings (also in ``warnings``) about waivers
    coverage: Coverage | None = None  # what the scan looked at (None for imported SARIF)
    links: tuple[str, ...] = ()  # symlinks not followed (target outside the root, or a loop)
    today: dt.date | None = None  # the date the policy was applied on (waiver expiry)
    what_if: tuple[WhatIfRow, ...] = ()  # one row per fail_on level, when asked for
    class_effects: tuple[ClassEffect, ...] = ()  # per adjusting path class, when asked for
    cache_used: bool = False  # the result cache was on (runs say how many files it reused)
    # Settings from the environment that change the verdict (a pinned date, a replaced
    # scanner command), in words: every report names them first.
    overrides: tuple[str, ...] = ()

    def with_disposition(self, disposition: Disposition) -> list[Decided]:
        """Items with the given disposition, most severe first."""
        chosen = [d for d in self.items if d.disposition is disposition]
        return sorted(chosen, key=sort_key)

    def counts(self) -> dict[str, int]:
        """Distinct issues per disposition (a cross-tool duplicate counts once)."""
        out = {d.value: 0 for d in Disposition}
        for item in self.items:
            if item.duplicate_of is None:
                out[item.disposition.value] += 1
        return out

    def class_counts(self) -> dict[str | None, dict[str, int]]:
        """Distinct issues per path class (None: no class) and disposition, classes in
        the policy's order, then the files of no class."""
        out: dict[str | None, dict[str, int]] = {
            k.name: {d.value: 0 for d in Disposition} for k in self.policy.paths}
        out[None] = {d.value: 0 for d in Disposition}
        for item in self.items:
            if item.duplicate_of is None:
                out.setdefault(item.path_class, {d.value: 0 for d in Disposition})[
                    item.disposition.value] += 1
        return out

    @property
    def failed_runs(self) -> list[ScannerRun]:
        """Runs of scanners that could not do their job."""
        return [r for r in self.runs if not r.ok]


def sort_key(item: Decided) -> tuple[int, str, int, str]:
    """Most severe first, then by path, line and rule."""
    loc = item.finding.location
    return (-int(item.severity), loc.path, loc.start_line, item.finding.rule_id)


class WaiverStatus(enum.StrEnum):
    """What became of a waiver: it waived something, matched nothing in what was scanned,
    could only concern unscanned files or failed scanners (not judged), expired, or (an
    ``until_fixed`` waiver) ended because a version fixes what it waived."""

    USED = "used"
    UNUSED = "unused"
    NOT_JUDGED = "not judged"
    EXPIRED = "expired"
    FIXED = "fixed"


@dataclass(frozen=True)
class WaiverState:
    """What became of one waiver in this run; ``expiring``: active and within
    ``warn_before_days`` of its date."""

    waiver: Waiver
    status: WaiverStatus
    days_left: int
    matched: int = 0
    expiring: bool = False
    waiver_warned: bool = False  # an unused waiver that only warns (unused_waivers = "warn")
    fixed_by: str = ""  # until_fixed: "requests 2.20.0 fixes PYSEC-…" when a fix ended it
