"""OSV matching semantics and loading of the offline advisory data."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from gate.deps.osv import AdvisoryDatabase, AdvisoryDataError


def ids(db: AdvisoryDatabase, name: str, version: str) -> set[str]:
    return {a.id for a in db.query(name, version)}


def test_ranges_versions_last_affected_withdrawn(osv_db: Path) -> None:
    db = AdvisoryDatabase(osv_db)
    assert db.lazy
    assert ids(db, "requests", "2.19.0") == {"PYSEC-9999-1"}  # withdrawn -3 never matches
    assert ids(db, "requests", "2.20.0") == set()
    assert ids(db, "requests", "2.2.1") == {"PYSEC-9999-1", "PYSEC-9999-2"}
    assert ids(db, "PyYAML", "5.3") == {"GHSA-yyyy-yyyy-yyyy"}  # last_affected is inclusive
    assert ids(db, "py_yaml", "5.3") == set()  # a different project after normalisation
    assert ids(db, "pyyaml", "5.3.1") == set()
    assert ids(db, "pyyaml", "5.0") == set()
    assert ids(db, "flask", "0.12.2") == {"PYSEC-9999-4"}  # explicit versions list
    assert ids(db, "flask", "0.12.3") == set()
    assert ids(db, "jinja2", "3.0.0") == {"OSV-9999-5"}  # second introduced/fixed pair
    assert ids(db, "jinja2", "2.11.0") == set()
    assert ids(db, "Jinja2", "2.10") == {"OSV-9999-5"}


def test_cwes_and_fixed_versions(osv_db: Path) -> None:
    db = AdvisoryDatabase(osv_db)
    (requests,) = db.query("requests", "2.19.0")
    assert requests.cwes() == (522,)
    assert [str(v) for v in requests.fixed_versions("requests")] == ["2.20.0"]
    assert len(db.query("pyyaml", "5.3")) == 1
    (flask,) = db.query("flask", "0.12.2")
    assert flask.fixed_versions("flask") == []


def test_flat_folder_and_zip(osv_db: Path, tmp_path: Path) -> None:
    flat = tmp_path / "flat"
    flat.mkdir()
    for file in (osv_db / "vulns").rglob("*.*"):
        (flat / file.name).write_bytes(file.read_bytes())
    db = AdvisoryDatabase(flat)
    assert not db.lazy
    assert ids(db, "requests", "2.19.0") == {"PYSEC-9999-1"}
    archive = tmp_path / "all.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for file in flat.iterdir():
            out.write(file, file.name)
    zdb = AdvisoryDatabase(archive)
    assert ids(zdb, "pyyaml", "5.3") == {"GHSA-yyyy-yyyy-yyyy"}
    assert zdb.files_read == 6


def test_malformed_record_names_the_file(osv_db: Path) -> None:
    bad = osv_db / "vulns" / "requests" / "PYSEC-BROKEN.yaml"
    bad.write_text("id: [unclosed\naffected: {\n", encoding="utf-8")
    db = AdvisoryDatabase(osv_db)
    with pytest.raises(AdvisoryDataError, match=r"PYSEC-BROKEN\.yaml"):
        db.query("requests", "2.19.0")
    bad.write_text(json.dumps(["not", "a", "record"]), encoding="utf-8")
    bad.rename(bad.with_suffix(".json"))
    with pytest.raises(AdvisoryDataError, match=r"PYSEC-BROKEN\.json.*not an OSV record"):
        AdvisoryDatabase(osv_db).query("requests", "2.19.0")


def test_missing_database(tmp_path: Path) -> None:
    with pytest.raises(AdvisoryDataError, match="not found"):
        AdvisoryDatabase(tmp_path / "nowhere")


def test_shared_database_loads(shared_db: Path) -> None:
    db = AdvisoryDatabase(shared_db)
    assert "PYSEC-2018-28" in ids(db, "requests", "2.19.0")
    assert ids(db, "jw.util", "1.0") == ids(db, "jw-util", "1.0")
