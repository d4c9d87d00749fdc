"""In-process checks of the modules the end-to-end dependency and CLI tests drive through
subprocesses: advisory store, live records, grouping, SBOM, shared scan options."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from gate.cli import advisories, scan_options
from gate.deps import advisory_store, live_records
from gate.errors import UsageError
from gate.findings import Confidence, Finding, Location, Severity
from gate.policy.decision import Decided, Disposition
from gate.report import groups, sbom


def _vuln(rule: str, severity: Severity) -> Decided:
    f = Finding("pip-audit", rule, rule, "m", severity, Confidence.HIGH,
                Location("requirements.txt", 1), rule,
                extra=(("package", "django"), ("version", "1.8.3"), ("fixed_versions", "1.8.4"),
                       ("severity_source", "CVSS_V3 9.8"), ("fixes_all", "1.8.4")))
    return Decided(f, Disposition.FAIL, severity, "r")


def test_vulnerable_pins_group_into_one_entry_per_package() -> None:
    shown = groups.entries([_vuln("PYSEC-1", Severity.CRITICAL), _vuln("PYSEC-2", Severity.HIGH)])
    (group,) = shown
    assert isinstance(group, groups.PackageGroup) and groups.count(shown) == 2
    assert "upgrade to 1.8.4 fixes all" in group.headline()


def test_purls_and_the_default_sources() -> None:
    assert sbom.purl("Django", "1.8.3") == "pkg:pypi/django@1.8.3"
    assert advisory_store.DEFAULT_URL.startswith("https://")
    assert advisory_store.parse_time("2026-11-30T10:00:00Z") == dt.datetime(
        2026, 11, 30, 10, tzinfo=dt.UTC)
    assert live_records.base_url(None) == live_records.DEFAULT_BASE
    assert advisories.status_cmd is not None


def test_scan_options_refuse_a_missing_advisory_db(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="--advisory-db"):
        scan_options.scanner_options(None, tmp_path / "nope")
