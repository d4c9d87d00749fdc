"""The short human report printed to the console, in colour when the CLI asks for it."""

from __future__ import annotations

from collections.abc import Callable

from gate.findings import Severity
from gate.policy.decision import Decided, Decision, Disposition, Verdict
from gate.policy.model import level_word
from gate.report import waiver_hint
from gate.report.escape import plain
from gate.report.groups import PackageGroup, by_class, count, defaulted, entries

SHOW_AT_MOST = 50
_SGR = {"red": "1;31", "green": "1;32", "yellow": "33", "cyan": "36", "dim": "2"}
_VERDICT_COLOUR = {Verdict.PASS: "green", Verdict.FAIL: "red", Verdict.ERROR: "red"}
_SEVERITY_COLOUR = {Severity.CRITICAL: "red", Severity.HIGH: "red", Severity.MEDIUM: "yellow",
                    Severity.LOW: "cyan", Severity.INFO: "dim"}


def render(decision: Decision, *, quiet: bool = False, color: bool = False) -> str:
    """The console report: verdict and why first, then scanner runs, then findings; each
    rule's first failing finding carries a "fix:" line and a "to waive:" block (the
    ``[[waivers]]`` TOML, one key a line, to paste into the policy), and ``quiet`` keeps
    only the verdict and failures (with the same hints: the commit hook's message).
    ``color``: ANSI colours (the CLI decides: a terminal, no NO_COLOR).
    """
    def paint(text: str, colour: str) -> str:
        return f"\x1b[{_SGR[colour]}m{text}\x1b[0m" if color else text

    hints = waiver_hint.hinted(decision)

    def shown(entry: Decided | PackageGroup, details: bool) -> list[str]:
        """An entry's line; its fix with details, and wherever it has a waiver to paste."""
        out = [_finding_line(entry, paint) if isinstance(entry, Decided)
               else _group_line(entry, paint)]
        toml = waiver_hint.for_entry(entry, hints)
        fix = waiver_hint.fix(entry)
        if fix and (toml or (details and isinstance(entry, Decided))):
            out.append(paint(f"      fix: {plain(fix, 200)}", "dim"))
        if toml:
            out.append(paint("      to waive:", "dim"))
            out += [paint(f"        {line}", "dim") if line else "" for line in toml]
        return out

    lines: list[str] = []
    verdict = {Verdict.PASS: "PASSED", Verdict.FAIL: "FAILED",
               Verdict.ERROR: "ERROR (a scanner could not do its job)"}[decision.verdict]
    lines.append(f"gate: {paint(verdict, _VERDICT_COLOUR[decision.verdict])} "
                 f"(exit {decision.exit_code})")
    for override in decision.overrides:
        lines.append(f"  {paint('OVERRIDE:', 'yellow')} {plain(override, 300)}")
    for reason in decision.reasons:
        lines.append(f"  - {plain(reason)}")
    for warning in decision.warnings:
        lines.append(f"  {paint('warning:', 'yellow')} {plain(warning)}")
    if quiet:
        failing = [d for d in decision.with_disposition(Disposition.FAIL)
                   if d.duplicate_of is None]
        for entry in entries(failing)[:SHOW_AT_MOST]:
            lines.extend(shown(entry, details=False))
        return "\n".join(lines) + "\n"
    policy = decision.policy
    chain = " <- ".join(policy.chain) if len(policy.chain) > 1 else policy.source
    lines.append(f"policy: {plain(chain)} (fail_on = {level_word(policy.fail_on)}, "
                 f"report = {level_word(policy.report)})")
    if decision.policy_ref:
        lines.append(f"policy read from git ref {plain(decision.policy_ref, 80)}")
    scope = "partial scan" if decision.partial else "scan"
    if decision.coverage is not None:
        lines.append(f"{scope}: {plain(decision.coverage.line(), 600)}")
    else:
        lines.append(f"{scope}: {decision.files_scanned} file(s)")
    if decision.partial:
        listed = ", ".join(plain(f, 200) for f in decision.scanned[:SHOW_AT_MOST]) or "none"
        more = (f" and {len(decision.scanned) - SHOW_AT_MOST} more"
                if len(decision.scanned) > SHOW_AT_MOST else "")
        lines.append(f"  scanned: {listed}{more}")
    for run in decision.runs:
        state = "ok" if run.ok else f"FAILED: {plain(run.error or '')}"
        skipped = f", {len(run.skipped)} skipped" if run.skipped else ""
        skipped += f", {run.reused} from cache" if run.reused else ""
        lines.append(f"  {run.scanner:<10} {run.files:>6} file(s){skipped}  "
                     f"{run.duration:6.1f}s  {state}")
        if run.data:
            lines.append(f"  {'':<10} {plain(run.data, 300)}")
    counts = decision.counts()
    lines.append("findings: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    classes = by_class(decision)
    if classes:
        lines.append("  by path class: " + "; ".join(classes))
    unscored = defaulted(decision.items)
    if unscored:
        lines.append(f"  {unscored}")
    for disposition in (Disposition.FAIL, Disposition.WARN):
        items = [d for d in decision.with_disposition(disposition) if d.duplicate_of is None]
        if not items:
            continue
        lines.append(f"{disposition.value.upper()} ({len(items)}):")
        reported = entries(items)
        for entry in reported[:SHOW_AT_MOST]:
            lines.extend(shown(entry, details=True))
        if len(reported) > SHOW_AT_MOST:
            lines.append(f"  … and {count(reported[SHOW_AT_MOST:])} more (see --json or --sarif)")
    if decision.absent:
        total = sum(int(str(a.get("count", 1))) for a in decision.absent)
        lines.append(f"baseline: {total} recorded finding(s) absent (fixed or removed)")
    waived = [d for d in decision.with_disposition(Disposition.WAIVED) if d.duplicate_of is None]
    if waived:
        lines.append(f"WAIVED ({len(waived)}):")
        lines.extend(f"{_finding_line(d, paint)}\n      {plain(d.reason)}"
                     for d in waived[:SHOW_AT_MOST])
    return "\n".join(lines) + "\n"


def _group_line(entry: PackageGroup, paint: Callable[[str, str], str]) -> str:
    severity = paint(f"{entry.severity.word:<8}", _SEVERITY_COLOUR[entry.severity])
    return (f"  {severity} {entry.first.finding.scanner}: {plain(entry.headline(), 300)} "
            f"[{plain(entry.ids(), 200)}]")


def _finding_line(item: Decided, paint: Callable[[str, str], str]) -> str:
    f = item.finding
    also = f" [also {', '.join(item.also_found_by)}]" if item.also_found_by else ""
    also += f" [{item.path_class}]" if item.path_class else ""
    severity = paint(f"{item.severity.word:<8}", _SEVERITY_COLOUR[item.severity])
    return (f"  {severity} {plain(f.location.path)}:{f.location.start_line} "
            f"{f.scanner}/{plain(f.rule_id, 80)}: {plain(f.message, 200)}{also}")
