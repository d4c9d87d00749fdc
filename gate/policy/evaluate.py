"""Apply a Policy to findings and runs: dispositions in DESIGN's order, verdict, exit code."""

from __future__ import annotations

import datetime as dt
import fnmatch
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from gate import suppressions
from gate.baseline import Baseline, BaselineState
from gate.baseline import match as baseline_match
from gate.deps.findings import MANIFEST_CLASS, MANIFEST_CLASS_WHY, fixing_version
from gate.deps.reachability import NOT_IMPORTED
from gate.errors import EXIT_FAIL, EXIT_PASS, EXIT_SCANNER
from gate.findings import Finding, Severity
from gate.policy import issues
from gate.policy.decision import (
    Coverage,
    Decided,
    Decision,
    Disposition,
    Verdict,
    WaiverState,
    WaiverStatus,
)
from gate.policy.model import (
    InlineMode,
    Level,
    OnProblem,
    OnSkipped,
    PathClass,
    Policy,
    RuleOverride,
    SecretMode,
    Waiver,
    level_word,
    looser,
    reaches,
)
from gate.policy.waiver_scope import judged
from gate.runs import ScannerRun, SkippedFile
from gate.scanners import REGISTRY
from gate.tree.globs import path_matches


@dataclass(frozen=True)
class Context:
    """Inputs beyond findings and runs: the date, the category, whether the scan was partial."""

    today: dt.date
    category: str = "gate"
    partial: bool = False
    files_scanned: int = 0
    baseline: Baseline | None = None
    new_only: bool = False
    scope: Mapping[str, frozenset[str]] | None = None
    notes: tuple[str, ...] = ()
    skipped: tuple[SkippedFile, ...] = ()  # skipped by the gate itself (e.g. over 10 MB)
    links: tuple[str, ...] = ()  # symlinks not followed
    coverage: Coverage | None = None  # what the scan looked at, passed on to the Decision
    changed: frozenset[str] | None = None  # files the change under review touched, if known
    # Files of a relaxed path class judged as code, with why (imported by code, included
    # by a production manifest): no path class adjusts their findings.
    as_code: Mapping[str, str] = field(default_factory=dict)


def today_utc() -> dt.date:
    """The current date in UTC (waivers are active through their whole expiry date, UTC)."""
    return dt.datetime.now(dt.UTC).date()


def _paths_match(patterns: Sequence[str], path: str) -> bool:
    if not patterns:
        return True
    return path_matches(patterns, path)


def rule_matches(rule: RuleOverride, finding: Finding) -> bool:
    """True when a ``[[rules]]`` entry applies to ``finding``."""
    if rule.scanner and rule.scanner != finding.scanner:
        return False
    if not any(fnmatch.fnmatchcase(rid, rule.id) for rid in finding.rule_ids):
        return False
    return _paths_match(rule.paths, finding.location.path)


def waiver_matches(waiver: Waiver, finding: Finding) -> bool:
    """True when a waiver names this finding (by any rule alias or fingerprint) and path."""
    if waiver.fingerprint and waiver.fingerprint != finding.fingerprint:
        return False
    if waiver.rule and not any(fnmatch.fnmatchcase(r, waiver.rule) for r in finding.rule_ids):
        return False
    return _paths_match(waiver.paths, finding.location.path)


def evaluate(policy: Policy, findings: Sequence[Finding], runs: Sequence[ScannerRun],
             ctx: Context) -> Decision:
    """Decide every finding and the verdict. Pure: no I/O."""
    items: list[Decided] = []
    used: dict[int, int] = {}
    expired_hits: dict[int, Waiver] = {}
    ended: dict[int, str] = {}  # until_fixed waivers that a fixed version ended: its text
    states: list[BaselineState | None] = [None] * len(findings)
    absent: list[dict[str, object]] = []
    if ctx.baseline is not None:
        found, absent = baseline_match(ctx.baseline, findings, _ok_scope(ctx, runs))
        states = list(found)
    new_only = ctx.new_only or policy.new_only
    for finding, state in zip(findings, states, strict=True):
        decided = _decide(policy, finding, ctx, used, expired_hits, ended,
                          state is BaselineState.UNCHANGED and new_only)
        items.append(replace(decided, baseline_state=state) if state else decided)
    items = issues.merge(items)

    reasons: list[str] = []
    warnings: list[str] = list(ctx.notes)
    warnings += [f"{r.scanner}: {w}" for r in runs for w in r.warnings]
    failed_runs = [r for r in runs if not r.ok]
    scanner_trouble = False
    for run in failed_runs:
        text = f"scanner {run.scanner} failed: {run.error}"
        if policy.on_scanner_error is OnProblem.FAIL:
            reasons.append(text)
            scanner_trouble = True
        else:
            warnings.append(text + " (on_scanner_error = \"warn\": not failing the gate)")
    skipped = [("gate", s) for s in ctx.skipped] + [(r.scanner, s) for r in runs
                                                     for s in r.skipped]
    mode = policy.on_skipped_files
    if mode is OnSkipped.CHANGED:
        changed = ctx.changed or frozenset()
        touched = [(n, s) for n, s in skipped if s.path in changed]
        untouched = [(n, s) for n, s in skipped if s.path not in changed]
        if touched:
            reasons.append(_skips(touched) + " (changed by this change; on_skipped_files = "
                           "\"changed\")")
        if untouched:
            warnings.append(_skips(untouched))
    elif skipped:
        (reasons if mode is OnSkipped.FAIL else warnings).append(_skips(skipped))
    if ctx.files_scanned == 0 and not runs and not findings:
        warnings.append("no files to scan: the repository is empty, or every file is ignored "
                        "by git or excluded by the policy")
    if ctx.links:
        listed = ", ".join(ctx.links[:5]) + (f" and {len(ctx.links) - 5} more"
                                             if len(ctx.links) > 5 else "")
        warnings.append(f"{len(ctx.links)} symlink(s) not followed (target outside the "
                        f"repository, missing or a loop): {listed}")

    warnings.extend(loud_policy(policy, items))
    failing = [d for d in items if d.disposition is Disposition.FAIL and d.duplicate_of is None]
    if failing:
        worst = max(d.severity for d in failing)
        reasons.append(f"{len(failing)} finding(s) at or above the fail level; the most severe "
                       f"is {worst.word}")
    states_of_waivers = _waiver_states(policy, runs, ctx, used, expired_hits, ended)
    waiver_warnings: list[str] = []
    for waiver_state in states_of_waivers:
        waiver = waiver_state.waiver
        if waiver_state.fixed_by:
            fails = [d for d in failing if d.waiver_ended == waiver.index]
            hit = (f"and no longer waives {len(fails)} failing finding(s)" if fails
                   else "and no longer applies")
            (reasons if fails else waiver_warnings).append(
                f"{waiver.label} ended (until_fixed): {waiver_state.fixed_by} {hit}: "
                f"{waiver.reason}")
        if waiver_state.status is WaiverStatus.EXPIRED:
            fails = [d for d in failing
                     if any(waiver_matches(waiver, f) for f in (d.finding, *d.twins))]
            hit = (f"and no longer waives {len(fails)} failing finding(s)" if fails
                   else "and no longer applies" if waiver_state.matched
                   else "(it matched nothing)")
            (reasons if fails else waiver_warnings).append(
                f"{waiver.label} expired on {waiver.expires.isoformat()} {hit}: {waiver.reason}")
        elif waiver_state.status is WaiverStatus.UNUSED:
            text = f"{waiver.label} matched no finding"
            if policy.unused_waivers is OnProblem.FAIL:
                reasons.append(text + " (unused_waivers = \"fail\")")
            else:
                waiver_warnings.append(text)
        if waiver_state.expiring:
            days_left = waiver_state.days_left
            when = "today" if days_left == 0 else f"in {days_left} day(s)"
            waiver_warnings.append(f"{waiver.label} expires {when}, on "
                                   f"{waiver.expires.isoformat()} "
                                   f"(warn_before_days = {policy.warn_before_days})")
    warnings.extend(waiver_warnings)

    if scanner_trouble:
        verdict, code = Verdict.ERROR, EXIT_SCANNER
    elif reasons:
        verdict, code = Verdict.FAIL, EXIT_FAIL
    else:
        verdict, code = Verdict.PASS, EXIT_PASS
    return Decision(policy=policy, verdict=verdict, exit_code=code, items=tuple(items),
                    runs=tuple(runs), reasons=tuple(reasons), warnings=tuple(warnings),
                    category=ctx.category, partial=ctx.partial,
                    files_scanned=ctx.files_scanned, absent=tuple(absent),
                    waivers=tuple(states_of_waivers), skipped=ctx.skipped,
                    waiver_warnings=tuple(waiver_warnings), coverage=ctx.coverage,
                    links=ctx.links, today=ctx.today)


def _skips(skipped: Sequence[tuple[str, SkippedFile]]) -> str:
    listed = ", ".join(f"{s.path} ({name}: {s.reason})" for name, s in skipped[:5])
    more = f" and {len(skipped) - 5} more" if len(skipped) > 5 else ""
    return f"{len(skipped)} file(s) skipped by a scanner: {listed}{more}"


def loud_policy(policy: Policy, items: Sequence[Decided]) -> list[str]:
    """A warning for each ``[[rules]]`` ignore or waiver that hides all findings of a scanner,
    or more than half of all findings: a policy that silences the gate says so."""
    out: list[str] = []
    total = len(items)
    per_scanner: dict[str, int] = {}
    for item in items:
        per_scanner[item.finding.scanner] = per_scanner.get(item.finding.scanner, 0) + 1
    hiders: dict[str, list[Decided]] = {}
    for item in items:
        if item.disposition is Disposition.HIDDEN and item.reason.startswith("ignored by"):
            hiders.setdefault(item.reason.split(":")[0], []).append(item)
        elif item.disposition is Disposition.WAIVED and item.waiver is not None:
            hiders.setdefault(item.waiver.label, []).append(item)
    for label, hidden in hiders.items():
        scanners = sorted(name for name in {h.finding.scanner for h in hidden}
                          if sum(1 for h in hidden if h.finding.scanner == name)
                          == per_scanner[name])
        if scanners or 2 * len(hidden) > total:
            whole = f" (every finding of {', '.join(scanners)})" if scanners else ""
            out.append(f"{label.removeprefix('ignored by ')} hides {len(hidden)} of {total} "
                       f"finding(s){whole}")
    return out


def blanket_rules(policy: Policy) -> list[str]:
    """Warnings for ``[[rules]]`` ignores that hide every finding (of a scanner), found
    without scanning (``gate policy check``)."""
    out: list[str] = []
    for rule in policy.rules:
        if rule.ignore and not rule.paths and rule.id.strip("*?") == "":
            what = f"every finding of {rule.scanner}" if rule.scanner else "every finding"
            out.append(f"[[rules]] #{rule.index + 1} (id = {rule.id!r}) hides {what}")
    return out


def idle_path_classes(policy: Policy) -> list[str]:
    """Warnings for ``[paths.NAME] fail_on`` settings that cannot act, found without scanning
    (``gate policy check``): a class only relaxes, so one stricter than the top level does
    nothing."""
    out: list[str] = []
    for klass in policy.paths:
        if klass.fail_on_set and looser(policy.fail_on, klass.fail_on) != klass.fail_on:
            out.append(f"[paths.{klass.name}] fail_on = {level_word(klass.fail_on)} is "
                       f"stricter than fail_on = {level_word(policy.fail_on)}: a path class "
                       "only relaxes, so it changes nothing")
    return out


def _ok_scope(ctx: Context, runs: Sequence[ScannerRun]) -> dict[str, frozenset[str]] | None:
    """Files scanned per scanner that succeeded (None: every succeeded scanner, any file)."""
    ok = {r.scanner for r in runs if r.ok}
    if ctx.scope is None:
        return None
    return {name: files for name, files in ctx.scope.items() if name in ok}


def _waiver_states(policy: Policy, runs: Sequence[ScannerRun], ctx: Context,
                   used: Mapping[int, int], expired_hits: Mapping[int, Waiver],
                   ended: Mapping[int, str]) -> list[WaiverState]:
    scope = _ok_scope(ctx, runs)
    ran = {r.scanner for r in runs}
    ok = {r.scanner for r in runs if r.ok}
    out: list[WaiverState] = []
    for waiver in policy.waivers:
        days = (waiver.expires - ctx.today).days
        if days < 0:
            status = WaiverStatus.EXPIRED
        elif waiver.index in used:
            status = WaiverStatus.USED
        elif waiver.index in ended:
            status = WaiverStatus.FIXED
        elif judged(waiver, ran, ok, scope, ctx.partial):
            status = WaiverStatus.UNUSED
        else:
            status = WaiverStatus.NOT_JUDGED
        matched = used.get(waiver.index, 0) + (1 if waiver.index in expired_hits else 0)
        out.append(WaiverState(waiver, status, days, matched,
                               0 <= days <= policy.warn_before_days,
                               status is WaiverStatus.UNUSED
                               and policy.unused_waivers is OnProblem.WARN,
                               fixed_by=ended.get(waiver.index, "")))
    return out


def relaxable(finding: Finding) -> bool:
    """False for the findings no path class may change (credentials: ``Scanner.
    relaxable_by_path``); findings of tools the gate does not run (imported SARIF) may be."""
    scanner = REGISTRY.get(finding.scanner)
    return scanner is None or scanner.relaxable_by_path


def _decide(policy: Policy, finding: Finding, ctx: Context, used: dict[int, int],
            expired_hits: dict[int, Waiver], ended: dict[int, str],
            in_baseline: bool = False) -> Decided:
    """The disposition, with the rules that set its severity, every waiver naming it, and its
    path class with what the class changed."""
    klass = policy.path_class(finding.location.path)
    effects: list[str] = []
    applied = None
    by_manifest = ""
    if klass is None:
        extra = dict(finding.extra)
        klass = policy.manifest_path_class(extra.get(MANIFEST_CLASS, ""))
        if klass is not None:
            by_manifest = (f"judged in [paths.{klass.name}] as a {extra[MANIFEST_CLASS]} "
                           f"manifest entry ({extra.get(MANIFEST_CLASS_WHY, '')})")
    why_code = ctx.as_code.get(finding.location.path)
    if klass is not None and klass.adjusts and why_code is not None:
        effects.append(f"not relaxed by {klass.describe()}: judged as code ({why_code})")
    elif klass is not None and klass.adjusts:
        if relaxable(finding):
            applied = klass
        else:
            scanner = REGISTRY.get(finding.scanner)
            what = ("credentials" if scanner is not None and scanner.credential_formats
                    else "hidden text that runs like any code")
            effects.append(f"not relaxed by {klass.describe()}: {finding.scanner} findings "
                           f"({what}) are never relaxed by path")
    decided = _disposition(policy, finding, ctx, used, expired_hits, ended, in_baseline,
                           applied, effects)
    if by_manifest and effects:  # why a class applies to a file of none
        effects.insert(0, by_manifest)
    setting = tuple(r for r in policy.rules if r.severity is not None and not r.ignore
                    and rule_matches(r, finding))
    naming = tuple(w for w in policy.waivers if waiver_matches(w, finding))
    return replace(decided, severity_rules=setting, matching_waivers=naming,
                   path_class=klass.name if klass else None, path_effects=tuple(effects))


def inline_accepts(policy: Policy, finding: Finding) -> bool:
    """False when an inline comment may not accept ``finding``: a credential-format secret
    (its scanner's ``credential_formats``) while ``secret_suppressions = "waivers"``."""
    scanner = REGISTRY.get(finding.scanner)
    credential = scanner is not None and scanner.credential_formats
    return not credential or policy.secret_suppressions is SecretMode.INLINE


def _disposition(policy: Policy, finding: Finding, ctx: Context, used: dict[int, int],
                 expired_hits: dict[int, Waiver], ended: dict[int, str], in_baseline: bool,
                 klass: PathClass | None, effects: list[str]) -> Decided:
    severity = finding.severity
    if klass is not None and klass.adjust(severity) != severity:
        effects.append(f"severity {severity.word} -> {klass.adjust(severity).word} by "
                       f"{klass.describe()}")
        severity = klass.adjust(severity)
    for rule in policy.rules:
        if rule_matches(rule, finding):
            if rule.ignore:
                return Decided(finding, Disposition.HIDDEN, severity,
                               f"ignored by [[rules]] #{rule.index + 1}: {rule.reason}")
            if rule.severity is not None:
                severity = rule.severity
    fixed_end: tuple[Waiver, str] | None = None
    for waiver in policy.waivers:
        if waiver_matches(waiver, finding):
            fix = fixing_version(finding) if waiver.until_fixed else None
            if fix is not None and waiver.expires >= ctx.today:
                ended[waiver.index] = (f"{dict(finding.extra)['package']} {fix} fixes "
                                       f"{finding.rule_id}")
                fixed_end = fixed_end or (waiver, fix)
                continue
            if waiver.expires >= ctx.today:
                used[waiver.index] = used.get(waiver.index, 0) + 1
                return Decided(finding, Disposition.WAIVED, severity,
                               f"{waiver.label}: {waiver.reason} (until "
                               f"{waiver.expires.isoformat()})", waiver=waiver)
            expired_hits[waiver.index] = waiver
    refused = ""
    if finding.suppression is not None and policy.inline_suppressions is InlineMode.ALLOW:
        if not inline_accepts(policy, finding):
            refused = (f"inline suppression {suppressions.describe(finding.suppression)!r} "
                       "not accepted for a credential: only a [[waivers]] entry of the policy "
                       "can accept it (secret_suppressions)")
        else:
            return Decided(finding, Disposition.WAIVED, severity,
                           f"inline suppression {suppressions.describe(finding.suppression)!r}"
                           + ("" if finding.suppression.reason else " (no reason given)"))
    if in_baseline:
        return Decided(finding, Disposition.BASELINE, severity,
                       "in the baseline (new_only): not a new finding")
    decided = _threshold(policy, finding, severity, klass, effects)
    if refused and decided.disposition is not Disposition.HIDDEN:
        decided = replace(decided, reason=f"{decided.reason}; {refused}")
    expired = [w for w in policy.waivers
               if w.index in expired_hits and waiver_matches(w, finding)]
    if expired and decided.disposition is not Disposition.HIDDEN:
        names = ", ".join(f"{w.label} expired on {w.expires.isoformat()}" for w in expired)
        decided = replace(decided, reason=f"{decided.reason}; {names}")
    if fixed_end is not None and decided.disposition is not Disposition.HIDDEN:
        waiver, fix = fixed_end
        decided = replace(decided, reason=f"{decided.reason}; {waiver.label} ended: version "
                          f"{fix} fixes it (until_fixed)", waiver_ended=waiver.index)
    return decided


def _levels(policy: Policy, scanner: str, severity: Severity, klass: PathClass | None,
            effects: list[str]) -> tuple[Level, str, Level, str]:
    """The fail and report levels for a finding of ``scanner`` in ``klass``, each with where
    it comes from (``""``: the scanner's or top-level setting); ``effects`` gains a line for
    each class setting that changes the outcome for ``severity``."""
    fail_level, fail_by = policy.fail_level(scanner), ""
    report_level, report_by = policy.report_level(scanner), ""
    if klass is None:
        return fail_level, fail_by, report_level, report_by
    where = f" ([paths.{klass.name}])"
    if klass.fail_on_set and looser(fail_level, klass.fail_on) != fail_level:
        relaxed = looser(fail_level, klass.fail_on)
        if reaches(severity, fail_level) and not reaches(severity, relaxed):
            effects.append(f"fail_on = {level_word(relaxed)} by [paths.{klass.name}] "
                           f"(instead of {level_word(fail_level)}): kept from failing")
        fail_level, fail_by = relaxed, where
    if klass.report_set and klass.report != report_level:
        if not reaches(severity, fail_level) and \
                reaches(severity, report_level) != reaches(severity, klass.report):
            shown = "reported" if reaches(severity, klass.report) else "not reported"
            effects.append(f"report = {level_word(klass.report)} by [paths.{klass.name}] "
                           f"(instead of {level_word(report_level)}): {shown}")
        report_level, report_by = klass.report, where
    return fail_level, fail_by, report_level, report_by


def _threshold(policy: Policy, finding: Finding, severity: Severity,
               klass: PathClass | None = None, effects: list[str] | None = None) -> Decided:
    settings = policy.scanner(finding.scanner)
    if finding.confidence < settings.confidence:
        return Decided(finding, Disposition.HIDDEN, severity,
                       f"confidence {finding.confidence.word} below the scanner's "
                       f"{settings.confidence.word}")
    fail_level, fail_by, report_level, report_by = _levels(
        policy, finding.scanner, severity, klass, effects if effects is not None else [])
    if reaches(severity, fail_level):
        reason = (f"severity {severity.word} reaches fail_on = "
                  f"{level_word(fail_level)}{fail_by}")
        if dict(finding.extra).get("reachability") == NOT_IMPORTED and \
                settings.options.get("not_imported", "warn") != "fail":
            return Decided(finding, Disposition.WARN, severity,
                           f"{reason}, but not-imported: capped at warn by "
                           f'[scanners.{finding.scanner}] not_imported = "warn"')
        return Decided(finding, Disposition.FAIL, severity, reason)
    below = f"below fail_on = {level_word(fail_level)}{fail_by}; " if fail_by else ""
    if reaches(severity, report_level):
        return Decided(finding, Disposition.WARN, severity,
                       f"severity {severity.word} {below}reaches report = "
                       f"{level_word(report_level)}{report_by}")
    return Decided(finding, Disposition.HIDDEN, severity,
                   f"severity {severity.word} {below}below report = "
                   f"{level_word(report_level)}{report_by}")
