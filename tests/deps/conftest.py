"""Shared fixtures: a small OSV database written by the tests, a copy of the fixture repo."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from tests.helpers import ADVISORY_DB, require_shared

FIXTURES = Path(__file__).parents[1] / "fixtures" / "deps"

RECORDS: dict[str, dict[str, object]] = {
    # JSON, range with a fixed event, CVSS v3 vector 9.8 -> critical
    "requests/PYSEC-9999-1.json": {
        "id": "PYSEC-9999-1",
        "aliases": ["CVE-9999-0001", "GHSA-aaaa-bbbb-cccc"],
        "summary": "requests leaks credentials on redirect",
        "affected": [
            {
                "package": {"name": "requests", "ecosystem": "PyPI"},
                "ranges": [
                    {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.20.0"}]}
                ],
            }
        ],
        "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
        "database_specific": {"cwe_ids": ["CWE-522"]},
    },
    # JSON, does not apply to 2.19.0
    "requests/PYSEC-9999-2.json": {
        "id": "PYSEC-9999-2",
        "affected": [
            {
                "package": {"name": "requests", "ecosystem": "PyPI"},
                "ranges": [
                    {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.3.0"}]}
                ],
            }
        ],
    },
    # withdrawn: must never be reported
    "requests/PYSEC-9999-3.json": {
        "id": "PYSEC-9999-3",
        "withdrawn": "2024-01-01T00:00:00Z",
        "affected": [
            {
                "package": {"name": "requests", "ecosystem": "PyPI"},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}],
            }
        ],
    },
    # YAML, GHSA id only (with a CVE alias), last_affected, non-normalised name, MODERATE
    "pyyaml/GHSA-yyyy-yyyy-yyyy.yaml": {
        "id": "GHSA-yyyy-yyyy-yyyy",
        "aliases": ["CVE-9999-0002"],
        "summary": "PyYAML full_load runs code",
        "affected": [
            {
                "package": {"name": "PyYAML", "ecosystem": "PyPI"},
                "ranges": [
                    {
                        "type": "ECOSYSTEM",
                        "events": [{"introduced": "5.1"}, {"last_affected": "5.3"}],
                    }
                ],
            }
        ],
        "database_specific": {"severity": "MODERATE"},
    },
    # YAML, explicit versions list, no range, no fix, no severity
    "flask/PYSEC-9999-4.yaml": {
        "id": "PYSEC-9999-4",
        "aliases": ["CVE-9999-0004"],
        "details": "Flask sessions can be forged",
        "affected": [
            {"package": {"name": "Flask", "ecosystem": "PyPI"}, "versions": ["0.12.1", "0.12.2"]}
        ],
    },
    # YAML, jinja2: two ranges, fixed in 2.10.1 (CVE only as alias of an OSV id)
    "jinja2/OSV-9999-5.yaml": {
        "id": "OSV-9999-5",
        "aliases": ["CVE-9999-0005"],
        "affected": [
            {
                "package": {"name": "Jinja2", "ecosystem": "PyPI"},
                "ranges": [
                    {
                        "type": "ECOSYSTEM",
                        "events": [
                            {"introduced": "0"},
                            {"fixed": "2.10.1"},
                            {"introduced": "3.0.0"},
                            {"fixed": "3.0.1"},
                        ],
                    }
                ],
            }
        ],
    },
}


def write_database(folder: Path, records: dict[str, dict[str, object]] = RECORDS) -> Path:
    """Write OSV records laid out ``vulns/<package>/<ID>.<json|yaml>``; return the db folder."""
    for relative, record in records.items():
        path = folder / "vulns" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if relative.endswith(".json"):
            path.write_text(json.dumps(record, indent=2), encoding="utf-8")
        else:
            path.write_text(yaml.safe_dump(record, sort_keys=False), encoding="utf-8")
    return folder


@pytest.fixture
def osv_db(tmp_path: Path) -> Path:
    """A small OSV database written for the test."""
    return write_database(tmp_path / "osv-db")


@pytest.fixture
def app(tmp_path: Path) -> Path:
    """A fresh copy of the fixture application repository."""
    target = tmp_path / "app"
    shutil.copytree(FIXTURES / "app", target)
    return target


@pytest.fixture
def index_url() -> str:
    """A ``file://`` simple index that knows requests, pyyaml, flask, jinja2 and shared-name."""
    return (FIXTURES / "index").resolve().as_uri() + "/"


@pytest.fixture
def write_db():  # type: ignore[no-untyped-def]
    """The database writer, for tests that need their own records."""
    return write_database


@pytest.fixture
def shared_db() -> Path:
    """The PyPA advisory database in the shared folder (a failure under CI when absent)."""
    require_shared(ADVISORY_DB / "vulns", "the PyPA advisory database")
    return ADVISORY_DB
