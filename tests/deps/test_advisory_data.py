"""What identifies a copy of offline advisory data in cache keys: it changes with the data."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

from gate.deps.advisory_data import data_version


def test_a_folder_is_identified_by_its_records(osv_db: Path) -> None:
    first = data_version(osv_db)
    kind, count, size, newest = first.split(":")
    assert (kind, count) == ("dir", "6") and int(size) > 0 and int(newest) > 0
    assert data_version(osv_db) == first
    record = osv_db / "vulns" / "flask" / "PYSEC-9999-7.yaml"
    record.write_text("id: PYSEC-9999-7\n", encoding="utf-8")
    assert data_version(osv_db).startswith("dir:7:")


def test_a_zip_is_identified_by_size_and_time(tmp_path: Path) -> None:
    archive = tmp_path / "all.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("PYSEC-1.json", "{}")
    os.utime(archive, ns=(1_700_000_000_000_000_000, 1_700_000_000_000_000_000))
    assert data_version(archive) == f"zip:{archive.stat().st_size}:1700000000000000000"


def test_unreadable_data(tmp_path: Path) -> None:
    (tmp_path / "db").mkdir()
    (tmp_path / "db" / "dangling.json").symlink_to(tmp_path / "nowhere.json")
    assert data_version(tmp_path / "db") == "unreadable"
