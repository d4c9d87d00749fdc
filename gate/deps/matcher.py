"""The gate's own matcher over local OSV data: which advisories affect a pin (aliases merged
into one vulnerability, as pip-audit merges them), and the one upgrade that fixes them all.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from packaging.version import Version

from gate.deps.osv import Advisory, AdvisoryDatabase

T = TypeVar("T")


@dataclass(frozen=True)
class Vulnerability:
    """One vulnerability of a pin: the matching records whose ids alias each other."""

    records: tuple[Advisory, ...]

    @property
    def ids(self) -> tuple[str, ...]:
        """Every id and alias of the merged records, first seen first."""
        seen: dict[str, None] = {}
        for advisory in self.records:
            seen.setdefault(advisory.id)
            for alias in advisory.aliases:
                seen.setdefault(alias)
        return tuple(seen)

    def as_report(self, name: str) -> dict[str, Any]:
        """The vulnerability in pip-audit's JSON shape (id, aliases, fix_versions, description)."""
        first = self.records[0]
        fixed = sorted({v for a in self.records for v in a.fixed_versions(name)})
        description = first.record.get("summary") or first.record.get("details") or "N/A"
        return {"id": first.id, "aliases": [i for i in self.ids if i != first.id],
                "fix_versions": [str(v) for v in fixed],
                "description": str(description).replace("\n", " ")}


def group_by_alias(items: Sequence[T], ids: Callable[[T], set[str]]) -> list[list[T]]:
    """Group items whose id sets meet (transitively), in input order."""
    groups: list[tuple[set[str], list[T]]] = []
    for item in items:
        own = ids(item)
        hits = [i for i, group in enumerate(groups) if group[0] & own]
        if not hits:
            groups.append((set(own), [item]))
            continue
        first_ids, first_items = groups[hits[0]]
        for i in reversed(hits[1:]):
            other_ids, other_items = groups.pop(i)
            first_ids |= other_ids
            first_items += other_items
        first_ids |= own
        first_items.append(item)
    return [members for _, members in groups]


def merge_aliases(advisories: Sequence[Advisory]) -> list[Vulnerability]:
    """Group records whose ``{id, *aliases}`` sets meet (transitively), in input order."""
    return [Vulnerability(tuple(g))
            for g in group_by_alias(advisories, lambda a: {a.id, *a.aliases})]


def match(database: AdvisoryDatabase, name: str, version: str) -> list[Vulnerability]:
    """The vulnerabilities affecting ``name`` at ``version``, aliases merged."""
    return merge_aliases(database.query(name, version))


def related(database: AdvisoryDatabase, name: str, ids: Sequence[str]) -> list[Advisory]:
    """Records for ``name`` that carry one of ``ids`` as id or alias (matching the pin or not)."""
    wanted = set(ids)
    return [a for a in database.advisories_for(name)
            if not a.withdrawn and ({a.id, *a.aliases} & wanted)]


def merge_reported(vulns: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """An audit report's vulnerabilities of one pin with those that alias each other merged
    (pip-audit can list one twice)."""
    def ids(vuln: dict[str, Any]) -> set[str]:
        return {str(i) for i in [vuln.get("id"), *(vuln.get("aliases") or [])] if i}

    out = []
    for group in group_by_alias(vulns, ids):
        first = group[0]
        all_ids = [i for v in group for i in [v.get("id"), *(v.get("aliases") or [])] if i]
        fixes = {str(f) for v in group for f in v.get("fix_versions") or []}
        out.append({**first, "aliases": sorted(set(map(str, all_ids)) - {first.get("id")}),
                    "fix_versions": sorted(fixes)})
    return out


def fixes_all(database: AdvisoryDatabase, name: str, version: str) -> Version | None:
    """The smallest version above ``version`` that no record for ``name`` affects, tried among
    every fixed version the package's records name; None when there is none."""
    records = [a for a in database.advisories_for(name) if not a.withdrawn]
    try:
        pinned = Version(version)
    except ValueError:
        return None
    candidates = sorted({v for a in records for v in a.fixed_versions(name) if v > pinned})
    for candidate in candidates:
        if not any(a.affects(name, str(candidate)) for a in records):
            return candidate
    return None


def fixes_all_reported(version: str, fix_lists: Sequence[Sequence[Version]]) -> Version | None:
    """Without the package's records (a live service): the smallest version at or above the
    first fix above the pin of every vulnerability; None when one has no such fix."""
    try:
        pinned = Version(version)
    except ValueError:
        return None
    needed: list[Version] = []
    for fixes in fix_lists:
        later = [v for v in fixes if v > pinned]
        if not later:
            return None
        needed.append(min(later))
    return max(needed) if needed else None
