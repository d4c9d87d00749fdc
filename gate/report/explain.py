"""``gate policy explain``: the effective policy with where each value came from, and why
the findings of a gate SARIF fail or pass under it."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from gate.policy.decision import Decided, Decision, Disposition, WaiverStatus, sort_key
from gate.policy.model import Policy, level_word
from gate.report.escape import plain
from gate.report.groups import class_label

BUILT_IN = "built-in default"
DEFAULTS: dict[str, Any] = {
    "fail_on": "high", "report": "medium", "exclude": [], "inline_suppressions": "allow",
    "secret_suppressions": "waivers",
    "on_scanner_error": "fail", "on_skipped_files": "warn", "unused_waivers": "warn",
    "warn_before_days": 14, "new_only": False, "default_severity": "high",
    "submodules": "scan",
}


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dt.date, int, float)):
        return value.isoformat() if isinstance(value, dt.date) else str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"
    return json.dumps(str(value), ensure_ascii=False)


def _line(key: str, value: Any, origin: str) -> str:
    text = f"{key} = {_toml(value)}"
    return f"{text:<44} # {origin}"


def render_policy(policy: Policy, origins: Mapping[str, str], today: dt.date) -> str:
    """The effective policy as TOML, each value annotated with the file that set it."""
    raw = policy.raw
    chain = " <- ".join(policy.chain) if policy.chain else policy.source
    out = [f"# effective policy: {plain(chain)}", "version = 1"]
    for key, default in DEFAULTS.items():
        if key in raw:
            out.append(_line(key, raw[key], origins.get(key, policy.source)))
        else:
            out.append(_line(key, default, BUILT_IN))
    if "baseline" in raw:
        out.append(_line("baseline", raw["baseline"], origins.get("baseline", policy.source)))
    for name, settings in sorted(raw.get("scanners", {}).items()):
        out.append(f"\n[scanners.{name}]")
        for key, value in settings.items():
            out.append(_line(key, value, origins.get(f"scanners.{name}.{key}", policy.source)))
    for klass in policy.paths:
        settings = raw.get("paths", {}).get(klass.name, {})
        out.append(f"\n[paths.{klass.name}]")
        if "patterns" not in settings:
            out.append(_line("patterns", list(klass.patterns), BUILT_IN))
        for key, value in settings.items():
            out.append(_line(key, value, origins.get(f"paths.{klass.name}.{key}",
                                                     policy.source)))
    for rule in policy.rules:
        out.append(f"\n[[rules]]  # #{rule.index + 1}, "
                   f"{origins.get(f'rules[{rule.index}]', policy.source)}")
        for key, value in raw.get("rules", [])[rule.index].items():
            out.append(f"{key} = {_toml(value)}")
    for waiver in policy.waivers:
        days = (waiver.expires - today).days
        state = (f"expired {-days} day(s) ago" if days < 0 else
                 "expires today" if days == 0 else f"expires in {days} day(s)")
        if 0 <= days <= policy.warn_before_days:
            state += f" - within warn_before_days = {policy.warn_before_days}"
        out.append(f"\n[[waivers]]  # {waiver.label}, "
                   f"{origins.get(f'waivers[{waiver.index}]', policy.source)}; {state}")
        for key, value in raw.get("waivers", [])[waiver.index].items():
            out.append(f"{key} = {_toml(value)}")
    return "\n".join(out) + "\n"


def _setting(policy: Policy, scanner: str, origins: Mapping[str, str]) -> str:
    if policy.scanner(scanner).fail_on_set:
        key = f"scanners.{scanner}.fail_on"
    else:
        key = "fail_on"
    where = origins.get(key, BUILT_IN if key not in policy.raw else policy.source)
    return f"{key} = {_toml(level_word(policy.fail_level(scanner)))} ({where})"


def _explain_item(item: Decided, decision: Decision, origins: Mapping[str, str],
                  today: dt.date) -> list[str]:
    policy = decision.policy
    f = item.finding
    also = f" [also {', '.join(item.also_found_by)}]" if item.also_found_by else ""
    out = [f"  {item.severity.word:<8} {plain(f.location.path)}:{f.location.start_line} "
           f"{plain(f.scanner)}/{plain(f.rule_id, 80)}: {plain(f.message, 160)}{also}"]
    if item.disposition is Disposition.FAIL:
        out.append(f"      fails by {_setting(policy, f.scanner, origins)}")
    else:
        out.append(f"      {plain(item.reason)}")
    for rule in item.severity_rules:
        if rule.severity is not None:
            out.append(f"      severity set to {rule.severity.word} by [[rules]] "
                       f"#{rule.index + 1} (id = {rule.id!r}, "
                       f"{origins.get(f'rules[{rule.index}]', policy.source)})")
    if item.path_class:
        for effect in item.path_effects or ("nothing adjusted",):
            out.append(f"      path class {item.path_class}: {plain(effect, 200)}"
                       + _class_origin(item.path_class, effect, origins, policy))
    for waiver in item.matching_waivers:
        days = (waiver.expires - today).days
        if days < 0:
            out.append(f"      {waiver.label} matches but expired on "
                       f"{waiver.expires.isoformat()}")
        else:
            soon = (f", within warn_before_days = {policy.warn_before_days}"
                    if days <= policy.warn_before_days else "")
            out.append(f"      {waiver.label} applies until {waiver.expires.isoformat()} "
                       f"({days} day(s) left{soon}): {plain(waiver.reason, 200)}")
    return out


def _class_origin(name: str, effect: str, origins: Mapping[str, str], policy: Policy) -> str:
    """`` (set in FILE)`` for the ``[paths.NAME]`` key an effect names, else ``""``."""
    for key in ("fail_on", "report", "severity"):
        if effect.startswith(f"{key} ") or f"[paths.{name}] {key} =" in effect:
            where = origins.get(f"paths.{name}.{key}", policy.source)
            return f" ({where})"
    return ""


def render_decision(decision: Decision, origins: Mapping[str, str], today: dt.date,
                    source: str) -> str:
    """Why each finding of a gate SARIF fails (or is waived) under the effective policy."""
    counts = decision.counts()
    out = [f"# {plain(source)}: {sum(counts.values())} issue(s): "
           + ", ".join(f"{v} {k}" for k, v in counts.items() if v)]
    out.append(f"verdict under this policy: {decision.verdict.value} "
               f"(exit {decision.exit_code})")
    for reason in decision.reasons:
        out.append(f"  - {plain(reason)}")
    for disposition, title in ((Disposition.FAIL, "FAILING"), (Disposition.WAIVED, "WAIVED")):
        items = [d for d in decision.with_disposition(disposition) if d.duplicate_of is None]
        if items:
            out.append(f"{title} ({len(items)}):")
            for item in items:
                out.extend(_explain_item(item, decision, origins, today))
    relaxed = [d for d in decision.items if d.duplicate_of is None and d.path_effects
               and d.disposition in (Disposition.WARN, Disposition.HIDDEN)]
    if relaxed:
        out.append(f"ADJUSTED BY A PATH CLASS ({len(relaxed)}):")
        for item in sorted(relaxed, key=sort_key):
            out.extend(_explain_item(item, decision, origins, today))
    expiring = [s for s in decision.waivers if s.expiring]
    if expiring:
        out.append(f"WAIVERS EXPIRING WITHIN {decision.policy.warn_before_days} DAY(S):")
        out.extend(f"  {s.waiver.label} on {s.waiver.expires.isoformat()} "
                   f"({s.days_left} day(s) left), {s.matched} finding(s)" for s in expiring)
    for state in decision.waivers:
        if state.status is WaiverStatus.EXPIRED:
            out.append(f"  {state.waiver.label} expired on {state.waiver.expires.isoformat()}")
        elif state.fixed_by:
            out.append(f"  {state.waiver.label} ended (until_fixed): {plain(state.fixed_by)}")
    for warning in decision.warnings:
        out.append(f"  warning: {plain(warning)}")
    return "\n".join(out) + "\n"


def render_what_if(decision: Decision) -> str:
    """The what-if table: per fail_on level, the issues that would fail and the rules that
    would join or leave the failing ones (computed by the policy code, on the Decision)."""
    out = ["WHAT IF fail_on WERE (every fail threshold set to the level):",
           f"  {'fail_on':<9} {'failing':>8}  {'verdict':<8} rules"]
    for row in decision.what_if:
        count = f">={row.failing}" if row.at_least else str(row.failing)
        changes = [f"+{plain(s)}/{plain(r, 80)}" for s, r in row.joining]
        changes += [f"-{plain(s)}/{plain(r, 80)}" for s, r in row.leaving]
        shown = " ".join(changes[:12]) + (f" and {len(changes) - 12} more"
                                          if len(changes) > 12 else "")
        out.append(f"  {row.level.word:<9} {count:>8}  {row.verdict.value:<8} "
                   f"{shown or 'no change'}")
    out.append("  (+ would join the failing rules, - would no longer fail)")
    if any(row.at_least for row in decision.what_if):
        out.append("  >=: a SARIF file lacks the findings hidden below the report level, so "
                   "lower levels may fail more")
    if any(count for row in decision.what_if for name, count in row.by_class if name):
        out.append("  failing per path class:")
        for row in decision.what_if:
            out.append(f"  {row.level.word:<9} " + ", ".join(
                f"{class_label(name)} {count}" for name, count in row.by_class))
    if decision.class_effects:
        out.append("WHAT IF A PATH CLASS ADJUSTED NOTHING (at the current thresholds):")
        for effect in decision.class_effects:
            kept = " ".join(f"{plain(s)}/{plain(r, 80)}" for s, r in
                            effect.kept_from_failing[:12])
            more = (f" and {len(effect.kept_from_failing) - 12} more"
                    if len(effect.kept_from_failing) > 12 else "")
            out.append(f"  {effect.name:<9} {effect.issues} issue(s), {effect.failing} "
                       f"failing; without {plain(effect.adjustments)}: "
                       f"{effect.failing_without} failing"
                       + (f" ({kept}{more})" if kept else ""))
    return "\n".join(out) + "\n"
