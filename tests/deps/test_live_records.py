"""Live service: pip-audit's answers carry no severity; the gate reads the records of each id
and alias by id (GET /v1/vulns/ID), a day's cache, from the loopback OSV stand-in."""

from __future__ import annotations

from pathlib import Path

from gate.deps.osv import AdvisoryDatabase
from gate.deps.server import LoopbackOsv
from gate.findings import Severity
from gate.runs import ScanResult
from gate.scanners.interface import ScanContext
from gate.scanners.pip_audit import PipAuditScanner

V3 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
RANGE = [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.20.0"}]}]
AFFECTED = [{"package": {"name": "requests", "ecosystem": "PyPI"}, "ranges": RANGE}]
RECORDS: dict[str, dict[str, object]] = {
    "requests/PYSEC-2021-1.json": {"id": "PYSEC-2021-1", "aliases": ["GHSA-rrrr-1111-aaaa"],
                                   "affected": AFFECTED},
    "requests/GHSA-rrrr-1111-aaaa.json": {
        "id": "GHSA-rrrr-1111-aaaa", "aliases": ["PYSEC-2021-1"], "affected": AFFECTED,
        "severity": [{"type": "CVSS_V3", "score": V3}]},
}


def test_severity_from_records_read_by_id(tmp_path: Path, write_db, index_url: str) -> None:  # type: ignore[no-untyped-def]
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "requirements.txt").write_text("requests==2.19.0\n", encoding="utf-8")
    database = AdvisoryDatabase(write_db(tmp_path / "db", RECORDS))
    with LoopbackOsv(database) as live:  # stands in for the live service: no local data
        options = {"osv_url": live.url, "index_url": index_url,
                   "advisory_store": str(tmp_path / "cache" / "advisories" / "PyPI")}

        def scan() -> ScanResult:
            return PipAuditScanner().scan(
                ScanContext(repo, ("requirements.txt",), 120.0, options))

        result = scan()
        assert result.run.ok, result.run.error
        (finding,) = [f for f in result.findings if f.rule_id == "PYSEC-2021-1"]
        assert finding.severity is Severity.CRITICAL
        assert dict(finding.extra)["severity_source"] in (
            "CVSS_V3 9.8", "CVSS_V3 9.8 via GHSA-rrrr-1111-aaaa")
        assert result.run.data.startswith("advisory data: the live OSV service")
        assert live.gets == 2  # PYSEC-2021-1 and GHSA-rrrr-1111-aaaa
        assert (tmp_path / "cache" / "osv-records" / "GHSA-rrrr-1111-aaaa.json").is_file()
        again = scan()  # a day's cache: no second fetch
        assert [f.severity for f in again.findings if f.rule_id == "PYSEC-2021-1"] == [
            Severity.CRITICAL]
        assert live.gets == 2
