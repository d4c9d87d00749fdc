"""Severity from advisory data: CVSS v2/v3/v4 (the cvss package), database words, malicious
records, aliases' records; and the adapter using it on local data."""

from __future__ import annotations

from pathlib import Path

import pytest

from gate.deps.severity import Scored, base_score, own_severity, resolve
from gate.findings import Finding, Severity
from gate.scanners.interface import ScanContext
from gate.scanners.pip_audit import PipAuditScanner

V3 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
V4 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
V4_LOW = "CVSS:4.0/AV:L/AC:H/AT:P/PR:H/UI:A/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N"
V2 = "AV:N/AC:L/Au:N/C:P/I:P/A:P"


@pytest.mark.parametrize(
    ("vector", "score"),
    [
        (V3, 9.8),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1),
        ("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N", 5.5),
        ("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0.0),
        (V4, 9.3),
        (V2, 7.5),
    ],
)
def test_base_score(vector: str, score: float) -> None:
    assert base_score(vector) == score


@pytest.mark.parametrize("vector", ["", "CVSS:3.1/AV:X", "CVSS:4.0/AV:N", "nonsense"])
def test_not_a_vector(vector: str) -> None:
    assert base_score(vector) is None


def test_prefers_v4_then_v3_then_v2() -> None:
    record = {"id": "GHSA-1", "severity": [{"type": "CVSS_V2", "score": V2},
                                            {"type": "CVSS_V3", "score": V3},
                                            {"type": "CVSS_V4", "score": V4_LOW}]}
    scored = own_severity(record)
    assert scored is not None
    assert scored.source.startswith("CVSS_V4 ")
    assert scored.severity is Severity.LOW
    only_v2 = own_severity({"id": "X", "severity": [{"type": "CVSS_V2", "score": V2}]})
    assert only_v2 == Scored(Severity.HIGH, "CVSS_V2 7.5")
    assert only_v2.label == "CVSS 7.5"


def test_database_word_malicious_and_none() -> None:
    assert own_severity({"id": "G", "database_specific": {"severity": "MODERATE"}}) == Scored(
        Severity.MEDIUM, "database MODERATE")
    assert own_severity({"id": "MAL-2024-9"}) == Scored(Severity.CRITICAL, "malicious package")
    assert own_severity({"id": "PYSEC-1"}) is None


def test_resolve_through_aliases() -> None:
    pysec = {"id": "PYSEC-1", "aliases": ["GHSA-1", "GHSA-2"]}
    others = [{"id": "GHSA-2", "database_specific": {"severity": "LOW"}},
              {"id": "GHSA-1", "severity": [{"type": "CVSS_V3", "score": V3}]}]
    scored = resolve(pysec, others)
    assert scored == Scored(Severity.CRITICAL, "CVSS_V3 9.8", "GHSA-1")
    assert scored.label == "CVSS 9.8 via GHSA-1"
    assert resolve({"id": "PYSEC-2"}, [{"id": "GHSA-3"}]) is None


def _record(vid: str, package: str, fixed: str, **more: object) -> dict[str, object]:
    return {"id": vid, "affected": [{"package": {"name": package, "ecosystem": "PyPI"},
            "ranges": [{"type": "ECOSYSTEM",
                        "events": [{"introduced": "0"}, {"fixed": fixed}]}]}], **more}


RECORDS: dict[str, dict[str, object]] = {
    "requests/PYSEC-2020-1.yaml": _record("PYSEC-2020-1", "requests", "2.2.1",
                                        aliases=["GHSA-dddd-1111-aaaa", "CVE-2020-1"]),
    "requests/GHSA-dddd-1111-aaaa.json": _record(
        "GHSA-dddd-1111-aaaa", "requests", "2.2.1", aliases=["CVE-2020-1"],
        severity=[{"type": "CVSS_V3", "score": V3}]),
    "requests/GHSA-eeee-2222-bbbb.json": _record(
        "GHSA-eeee-2222-bbbb", "requests", "2.2.3", severity=[{"type": "CVSS_V4", "score": V4}]),
    "requests/PYSEC-2020-3.yaml": _record("PYSEC-2020-3", "requests", "2.2.2"),
    "flask/MAL-2024-7.json": {"id": "MAL-2024-7", "affected": [
        {"package": {"name": "flask", "ecosystem": "PyPI"}, "versions": ["1.0"]}]},
}


def _scan(root: Path, db: Path, index_url: str) -> dict[str, Finding]:
    scanner = PipAuditScanner()
    options = {"advisory_db": str(db), "index_url": index_url}
    result = scanner.scan(ScanContext(root, ("requirements.txt",), 60.0, options))
    assert result.run.ok, result.run.error
    return {f.rule_id: f for f in result.findings if not f.rule_id.startswith("gate/")}


def test_adapter_severity_from_data(tmp_path: Path, write_db, index_url: str) -> None:  # type: ignore[no-untyped-def]
    db = write_db(tmp_path / "db", RECORDS)
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "requirements.txt").write_text("requests==2.2.0\nflask==1.0\n", encoding="utf-8")
    found = _scan(repo, db, index_url)
    assert set(found) == {"PYSEC-2020-1", "GHSA-eeee-2222-bbbb", "PYSEC-2020-3", "MAL-2024-7"}
    merged = found["PYSEC-2020-1"]  # the GHSA twin is merged into the PYSEC finding
    assert merged.aliases == ("CVE-2020-1", "GHSA-dddd-1111-aaaa")
    assert merged.severity is Severity.CRITICAL
    assert dict(merged.extra)["severity_source"] == "CVSS_V3 9.8 via GHSA-dddd-1111-aaaa"
    assert merged.message.endswith("(CVSS 9.8 via GHSA-dddd-1111-aaaa); reachability: unknown")
    v4 = found["GHSA-eeee-2222-bbbb"]
    assert v4.severity is Severity.CRITICAL
    assert dict(v4.extra)["severity_source"] == "CVSS_V4 9.3"
    unknown = found["PYSEC-2020-3"]
    assert unknown.severity is Severity.HIGH  # default_severity
    assert dict(unknown.extra)["severity_source"] == "default"
    malware = found["MAL-2024-7"]
    assert malware.severity is Severity.CRITICAL
    assert dict(malware.extra)["fixes_all"] == ""  # no unaffected version known
    extra = dict(merged.extra)
    assert (extra["package"], extra["version"]) == ("requests", "2.2.0")
    assert extra["fixes_all"] == "2.2.3"
    assert extra["fixed_versions"] == "2.2.1"
