"""Has an advisory been fixed? The fixed versions the advisory data shows for an advisory id
(or alias), from local OSV records or the live service: what ``gate advisories status``
reports for the ``until_fixed`` waivers.

Read from the advisory alone, without the pinned version: a scan decides whether a fix lies
above the pin (``findings.fixing_version``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from packaging.version import Version

from gate.deps.live_records import LiveRecords
from gate.deps.osv import Advisory, AdvisoryDatabase, normalize


@dataclass(frozen=True)
class FixState:
    """What the data says of one advisory id: whether a record has it (as id or alias), and
    each PyPI package's fixed versions (``("requests", ("2.20.0",))``), sorted."""

    advisory: str
    known: bool
    fixes: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def fixed(self) -> bool:
        """True when the data shows at least one fixed version."""
        return any(versions for _, versions in self.fixes)

    def describe(self) -> str:
        """``requests 2.20.0`` (each package's fixed versions), or why there is none."""
        if not self.known:
            return "not in the advisory data"
        if not self.fixed:
            return "no fixed version yet"
        return "; ".join(f"{name} {', '.join(versions)}" for name, versions in self.fixes
                         if versions)


def state_of(advisory_id: str, records: Iterable[Advisory]) -> FixState:
    """The fixed versions of ``advisory_id`` among ``records`` (those whose id or aliases
    name it; withdrawn ones are left out)."""
    wanted = advisory_id.upper()
    matching = [a for a in records if not a.withdrawn and
                (a.id.upper() == wanted or wanted in (x.upper() for x in a.aliases))]
    fixes: dict[str, set[Version]] = {}
    for advisory in matching:
        for entry in advisory.record.get("affected") or ():
            package = entry.get("package") or {}
            if package.get("ecosystem") != "PyPI":
                continue
            name = normalize(str(package.get("name", "")))
            fixes.setdefault(name, set()).update(advisory.fixed_versions(name))
    return FixState(advisory_id, bool(matching), tuple(
        (name, tuple(str(v) for v in sorted(found))) for name, found in sorted(fixes.items())))


def from_database(ids: Sequence[str], database: AdvisoryDatabase) -> list[FixState]:
    """Each id's state in local OSV records (a folder or zip)."""
    if ids:
        database.by_id(ids[0])  # reads a lazy folder whole
    records = database.all_advisories()
    return [state_of(i, records) for i in ids]


def from_service(ids: Sequence[str], live: LiveRecords) -> list[FixState]:
    """Each id's state in the live OSV service (records read by id; a CVE id is not read)."""
    found = live.records(ids)
    return [state_of(i, found.values()) for i in ids]
