"""The ``[[waivers]]`` entry that would waive a failing finding, for the "to waive:" hints,
and the "fix:" text shown beside it.

The entry names the rule id and the file exactly (glob characters escaped, values as TOML
strings), a placeholder reason and an expiry date a month after the day of the decision; a
dependency finding's entry names its advisory id and, in a comment, its package. Printed one
key per line (``block``), it is TOML that ``gate policy check`` accepts as pasted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from gate.policy.decision import Decided, Decision, Disposition
from gate.report.groups import PackageGroup

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


def comment(text: str) -> str:
    """A TOML comment line: only printable characters (a comment may hold no control
    character, and a newline would end it)."""
    return "# " + "".join(ch for ch in text if ch.isprintable())


def entry(item: Decided, today: dt.date | None, warn_before_days: int = 14) -> list[str]:
    """The ``[[waivers]]`` table for ``item``, one TOML line per key (a dependency finding's
    preceded by a comment naming its package and version)."""
    f = item.finding
    days = max(WAIVER_DAYS, warn_before_days + 1)
    # Every evaluated Decision has its date; only one built by hand lacks it.
    expires = (today + dt.timedelta(days=days)).isoformat() if today else "YYYY-MM-DD"
    extra = dict(f.extra)
    head = []
    if "package" in extra:
        head.append(comment(f"{extra['package']} {extra.get('version', '')}: {f.rule_id}"
                            + (f" (also {', '.join(f.aliases)})" if f.aliases else "")))
    return [*head, "[[waivers]]", f"rule = {toml_string(rule_glob(f.rule_id))}",
            f"paths = [{toml_string(path_glob(f.location.path))}]",
            f"reason = {toml_string(REASON)}", f"expires = {expires}"]


def for_entry(entry_: Decided | PackageGroup, hints: Mapping[int, list[str]]) -> list[str]:
    """The TOML that waives a reported entry: its own hint, or for a vulnerable pin the hint
    of each of its advisories, separated by blank lines; empty when none has one."""
    items = entry_.items if isinstance(entry_, PackageGroup) else (entry_,)
    out: list[str] = []
    for item in items:
        if id(item) in hints:
            out += ([""] if out else []) + hints[id(item)]
    return out


def fix(entry_: Decided | PackageGroup) -> str:
    """What fixes a reported entry: the finding's remediation; for a vulnerable pin the
    version that fixes all its advisories (else the first advisory's remediation)."""
    if isinstance(entry_, PackageGroup):
        fixes_all = dict(entry_.first.finding.extra).get("fixes_all", "")
        package = dict(entry_.first.finding.extra).get("package", "")
        if fixes_all:
            return f"Upgrade {package} to {fixes_all} or later: it fixes all of them."
        return entry_.first.finding.remediation
    return entry_.finding.remediation


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
