"""Has an advisory been fixed: fixed versions by advisory id or alias, from local records
(folder) and from the live service (the loopback OSV stand-in serving GET /v1/vulns/ID)."""

from __future__ import annotations

from pathlib import Path

from gate.deps import fixes
from gate.deps.live_records import LiveRecords
from gate.deps.osv import AdvisoryDatabase
from gate.deps.server import LoopbackOsv
from tests.deps.conftest import write_database

IDS = ["PYSEC-9999-1", "CVE-9999-0005", "PYSEC-9999-4", "PYSEC-9999-3", "GHSA-none-none-none"]


def _described(states: list[fixes.FixState]) -> dict[str, tuple[bool, str]]:
    return {s.advisory: (s.fixed, s.describe()) for s in states}


EXPECTED = {
    "PYSEC-9999-1": (True, "requests 2.20.0"),
    "CVE-9999-0005": (True, "jinja2 2.10.1, 3.0.1"),  # an alias; two fixed versions
    "PYSEC-9999-4": (False, "no fixed version yet"),  # a versions list, no fix
    "PYSEC-9999-3": (False, "not in the advisory data"),  # withdrawn
    "GHSA-none-none-none": (False, "not in the advisory data"),
}


def test_fixed_versions_from_local_records(tmp_path: Path) -> None:
    database = AdvisoryDatabase(write_database(tmp_path / "db"))
    assert _described(fixes.from_database(IDS, database)) == EXPECTED


def test_fixed_versions_from_the_service(tmp_path: Path) -> None:
    database = AdvisoryDatabase(write_database(tmp_path / "db"))
    with LoopbackOsv(database) as live:
        found = fixes.from_service(IDS, LiveRecords(live.url, tmp_path / "cache", 5.0))
    # CVE ids are not read from the service (OSV's PyPI records are PYSEC, GHSA and MAL)
    assert _described(found) == {**EXPECTED, "CVE-9999-0005": (False,
                                                                "not in the advisory data")}
