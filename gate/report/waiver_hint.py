"""The ``[[waivers]]`` entry that would waive a failing finding, for the "to waive:" hints.

The entry names the rule id and the file exactly (glob characters escaped, values as TOML
strings), a placeholder reason and an expiry date a month after the day of the decision.
"""

from __future__ import annotations

import datetime as dt

from gate.policy.decision import Decided, Decision, Disposition

WAIVER_DAYS = 30
REASON = "why this finding is acceptable"


def toml_string(text: str) -> str:
    """``text`` as a TOML basic string: quotes, backslashes and unprintable characters escaped."""
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif not ch.isprintable():  # control, format (bidi) and lone surrogate characters
            code = 0xFFFD if 0xD800 <= ord(ch) <= 0xDFFF else ord(ch)
            out.append(f"\\u{code:04X}" if code <= 0xFFFF else f"\\U{code:08X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def rule_glob(rule_id: str) -> str:
    """A waiver ``rule`` glob that matches exactly ``rule_id`` (fnmatch syntax)."""
    return "".join(f"[{ch}]" if ch in "*?[" else ch for ch in rule_id)


def path_glob(path: str) -> str:
    """A waiver ``paths`` pattern that matches exactly ``path`` (gitignore syntax)."""
    escaped = "".join("\\" + ch if ch in "\\*?[" else ch for ch in path)
    if escaped[:1] in ("!", "#"):
        escaped = "\\" + escaped
    if escaped.endswith(" "):
        escaped = escaped[:-1] + "\\ "
    return "/" + escaped if "/" not in escaped.rstrip("/") else escaped


def entry(item: Decided, today: dt.date | None, warn_before_days: int = 14) -> list[str]:
    """The ``[[waivers]]`` table for ``item``, one TOML line per key."""
    f = item.finding
    days = max(WAIVER_DAYS, warn_before_days + 1)
    expires = (today + dt.timedelta(days=days)).isoformat() if today else "YYYY-MM-DD"
    return ["[[waivers]]", f"rule = {toml_string(rule_glob(f.rule_id))}",
            f"paths = [{toml_string(path_glob(f.location.path))}]",
            f"reason = {toml_string(REASON)}", f"expires = {expires}"]


def hinted(decision: Decision) -> dict[int, list[str]]:
    """The entry for the first failing issue of each rule (most severe first), keyed by the
    ``id()`` of its ``Decided``."""
    seen: set[tuple[str, str]] = set()
    out: dict[int, list[str]] = {}
    for item in decision.with_disposition(Disposition.FAIL):
        key = (item.finding.scanner, item.finding.rule_id)
        if item.duplicate_of is not None or key in seen:
            continue
        seen.add(key)
        out[id(item)] = entry(item, decision.today, decision.policy.warn_before_days)
    return out
