"""Dependency findings at manifest lines: which advisory id names them, their message,
severity, remediation and a fingerprint that survives lines moving."""

from __future__ import annotations

from pathlib import Path

import pytest

from gate.deps.findings import (
    CONFUSION,
    UNAUDITED,
    UNSUPPORTED,
    canonical,
    choose_rule_id,
    confusion,
    unaudited,
    unsupported,
    versions,
    vulnerability,
)
from gate.deps.manifests import Declared
from gate.deps.osv import AdvisoryDatabase
from gate.findings import Confidence, Severity

REQUESTS = Declared("requirements.txt", 4, "requests", "2.19.0", "requests==2.19.0")


@pytest.mark.parametrize("ids,chosen", [
    (["OSV-1", "CVE-2018-1", "GHSA-x", "PYSEC-2018-28"], "PYSEC-2018-28"),
    (["OSV-1", "CVE-2018-1", "GHSA-x"], "GHSA-x"),
    (["OSV-1", "CVE-2018-1"], "CVE-2018-1"),
    (["OSV-1"], "OSV-1"),
])
def test_rule_id_preference(ids: list[str], chosen: str) -> None:
    assert choose_rule_id(ids) == chosen


def test_vulnerability_with_its_offline_record(osv_db: Path) -> None:
    [advisory] = AdvisoryDatabase(osv_db).query("requests", "2.19.0")
    vuln = {"id": "PYSEC-9999-1", "aliases": ["GHSA-aaaa-bbbb-cccc", "CVE-9999-0001"],
            "fix_versions": ["2.20.0", "not a version"], "description": "requests leaks\n"
            "credentials " + "x" * 200}
    f = vulnerability("pip-audit", REQUESTS, "2.19.0", vuln, records=[advisory],
                      default_severity=Severity.HIGH)
    assert (f.rule_id, f.location.path, f.location.start_line) == (
        "PYSEC-9999-1", "requirements.txt", 4)
    assert f.aliases == ("CVE-9999-0001", "GHSA-aaaa-bbbb-cccc")
    assert f.severity is Severity.CRITICAL and f.confidence is Confidence.HIGH
    assert f.message == ("requests 2.19.0 is affected by PYSEC-9999-1; upgrade to 2.20.0 or "
                         "later (CVSS 9.8)")
    assert f.remediation == "Upgrade requests to 2.20.0 or later (fixed in: 2.20.0)."
    assert f.cwe == (522,) and "external/cwe/cwe-522" in f.tags
    assert f.rule_name.startswith("requests leaks credentials x") and f.rule_name.endswith("…")
    assert len(f.rule_name) == 118
    assert f.help_uri == "https://osv.dev/vulnerability/PYSEC-9999-1"
    assert dict(f.extra) == {"package": "requests", "version": "2.19.0",
                             "fixed_versions": "2.20.0", "severity_source": "CVSS_V3 9.8",
                             "fixes_all": "", "manifest_class": "production"}


def test_vulnerability_without_severity_data_or_fix() -> None:
    f = vulnerability("pip-audit", REQUESTS, "2.19.0", {"id": "GHSA-zzzz", "aliases": None},
                      records=[], default_severity=Severity.MEDIUM, transitive=True)
    assert f.severity is Severity.MEDIUM
    assert f.message == ("requests 2.19.0 is affected by GHSA-zzzz; no fixed version is known "
                         "(requests is a transitive dependency resolved by pip) "
                         "(severity unknown)")
    assert f.remediation.startswith("No fixed version of requests is known")
    assert f.rule_name == "Vulnerable dependency (GHSA-zzzz)"


def test_fixes_older_than_the_pin_are_not_offered() -> None:
    f = vulnerability("pip-audit", REQUESTS, "2.19.0",
                      {"id": "PYSEC-1", "fix_versions": ["2.3.0"]}, records=[],
                      default_severity=Severity.HIGH)
    assert "no fixed version is known" in f.message


def test_fingerprint_is_the_declaration_not_the_line() -> None:
    moved = Declared("requirements.txt", 40, "requests", "2.19.0", "requests==2.19.0")
    vuln = {"id": "PYSEC-1"}
    a, b = (vulnerability("pip-audit", d, "2.19.0", vuln, records=[],
                          default_severity=Severity.HIGH) for d in (REQUESTS, moved))
    assert a.fingerprint == b.fingerprint and a.location != b.location


def test_unaudited_unsupported_and_confusion() -> None:
    line = unaudited("pip-audit", "requirements.txt", 5, "-e ./lib",
                     "editable installs are not audited", Severity.LOW)
    assert (line.rule_id, line.severity, line.location.start_line) == (UNAUDITED, Severity.LOW, 5)
    assert line.message == "'-e ./lib' is not audited: editable installs are not audited"
    assert unaudited("pip-audit", "r.txt", 1, "", "why", Severity.HIGH).message == (
        "is not audited: why")
    setup = unsupported("pip-audit", "setup.py", "setup.py is not read")
    assert (setup.rule_id, setup.severity, setup.location.start_line) == (
        UNSUPPORTED, Severity.LOW, 1)
    confused = confusion("pip-audit", REQUESTS, "https://pypi.org/simple/")
    assert (confused.rule_id, confused.severity) == (CONFUSION, Severity.HIGH)
    assert "dependency-confusion" in confused.tags and "dependency" in confused.tags


def test_versions() -> None:
    assert canonical("1.0") == "1.0" and canonical("01.0.0") == "1.0.0"
    assert canonical("not-a-version") == "not-a-version"
    assert [str(v) for v in versions(["2.0", "x", "1.10", "1.9"])] == ["1.9", "1.10", "2.0"]
