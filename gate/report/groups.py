"""Findings grouped for the human reports: dependency findings by package, one line per
vulnerable pin (``django 1.8.3 (requirements.txt:1): 15 advisories (…); upgrade to X fixes
all``), and issues counted per path class (``tests: 3 (1 fail, 2 warn)``).

Pure: it reads the fields the dependency findings carry (``package``, ``version``,
``fixes_all``, ``severity_source``) and the dispositions already decided.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from gate.deps.findings import DEFAULTED, MANIFEST_CLASS
from gate.deps.manifests import PRODUCTION
from gate.findings import Severity
from gate.policy.decision import Decided, Decision

IDS_LISTED = 5


@dataclass(frozen=True)
class PackageGroup:
    """The advisories of one pinned package at one manifest line (most severe first)."""

    items: tuple[Decided, ...]

    @property
    def first(self) -> Decided:
        """The most severe advisory of the group."""
        return self.items[0]

    @property
    def severity(self) -> Severity:
        """The group's severity: its most severe advisory's."""
        return max(i.severity for i in self.items)

    def headline(self) -> str:
        """``django 1.8.3 [imported] (requirements.txt:1): 2 advisories (1 critical, 1 high);
        upgrade to 1.8.19 fixes all`` (the reachability word when the scanner gave one, and
        ``[dev manifest]`` when only development installs the pin)."""
        extra = dict(self.first.finding.extra)
        loc = self.first.finding.location
        counts = Counter(i.severity for i in self.items)
        words = ", ".join(f"{counts[s]} {s.word}" for s in sorted(counts, reverse=True))
        n = len(self.items)
        fix = extra.get("fixes_all", "")
        action = f"upgrade to {fix} fixes all" if fix else "no unaffected version"
        reach = f" [{extra['reachability']}]" if extra.get("reachability") else ""
        if extra.get(MANIFEST_CLASS, PRODUCTION) != PRODUCTION:
            reach += f" [{extra[MANIFEST_CLASS]} manifest]"
        return (f"{extra.get('package', '')} {extra.get('version', '')}{reach} "
                f"({loc.path}:{loc.start_line}): {n} advisor{'y' if n == 1 else 'ies'} "
                f"({words}); {action}")

    def ids(self) -> str:
        """The first rule ids, ``… and N more`` for the rest."""
        ids = [i.finding.rule_id for i in self.items]
        shown = ", ".join(ids[:IDS_LISTED])
        return shown + (f", … {len(ids) - IDS_LISTED} more" if len(ids) > IDS_LISTED else "")


def _key(item: Decided) -> tuple[str, str, str, int, str] | None:
    extra = dict(item.finding.extra)
    if "package" not in extra or "fixes_all" not in extra:
        return None
    loc = item.finding.location
    return (item.finding.scanner, loc.path, extra["package"], loc.start_line,
            extra.get("version", ""))


def entries(items: Sequence[Decided]) -> list[Decided | PackageGroup]:
    """``items`` in their order, the advisories of one pin folded into one PackageGroup at the
    place of its first (most severe) advisory."""
    groups: dict[tuple[str, str, str, int, str], list[Decided]] = {}
    order: list[Decided | tuple[str, str, str, int, str]] = []
    for item in items:
        key = _key(item)
        if key is None:
            order.append(item)
            continue
        if key not in groups:
            groups[key] = []
            order.append(key)
        groups[key].append(item)
    return [PackageGroup(tuple(groups[e])) if isinstance(e, tuple) else e for e in order]


def count(shown: Sequence[Decided | PackageGroup]) -> int:
    """How many findings ``shown`` entries stand for."""
    return sum(len(e.items) if isinstance(e, PackageGroup) else 1 for e in shown)


def defaulted(items: Sequence[Decided]) -> str:
    """``3 advisories without a severity counted as high`` (per severity), or ``""``."""
    counts = Counter(i.finding.severity for i in items
                     if i.duplicate_of is None
                     and dict(i.finding.extra).get("severity_source") == DEFAULTED)
    parts = [f"{n} advisor{'y' if n == 1 else 'ies'} without a severity counted as {s.word}"
             for s, n in sorted(counts.items(), reverse=True)]
    return "; ".join(parts)


def class_label(name: str | None) -> str:
    """A path class as the reports name it (``no class`` for files of none)."""
    return name or "no class"


def by_class(decision: Decision) -> list[str]:
    """``tests: 3 (1 fail, 2 warn)`` per path class, then ``no class: …``; empty when no
    issue is in any class (nothing to tell apart)."""
    counts = decision.class_counts()
    if not any(sum(c.values()) for name, c in counts.items() if name is not None):
        return []
    out = []
    for name, per in counts.items():
        parts = ", ".join(f"{n} {d}" for d, n in per.items() if n)
        out.append(f"{class_label(name)}: {sum(per.values())}" + (f" ({parts})" if parts else ""))
    return out
