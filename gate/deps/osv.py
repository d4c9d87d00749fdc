"""Offline OSV advisory data: loading (folder of JSON/YAML records or zip export) and matching.

Matching follows OSV semantics for the PyPI ecosystem: ``ECOSYSTEM`` ranges with
``introduced``/``fixed``/``last_affected`` events, explicit ``versions`` lists, PEP 440
ordering and PEP 503 name normalisation; withdrawn records are ignored.
"""

from __future__ import annotations

import re
import threading
import time
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

from gate.errors import AdvisoryDataError
from gate.guards.bounded import TooComplex, loads_json, loads_yaml, walk

_NAME_RE = re.compile(r"[-_.]+")
_RECORD_SUFFIXES = (".json", ".yaml", ".yml")


def normalize(name: str) -> str:
    """PEP 503 normalised project name."""
    return _NAME_RE.sub("-", name).lower()


def _version(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None


@dataclass(frozen=True)
class Advisory:
    """One OSV record, kept whole (it is served as-is to pip-audit)."""

    id: str
    record: dict[str, Any]
    source: str

    @property
    def aliases(self) -> tuple[str, ...]:
        """The record's alias ids."""
        return tuple(str(a) for a in self.record.get("aliases") or ())

    @property
    def withdrawn(self) -> bool:
        """True when the record has been withdrawn."""
        return bool(self.record.get("withdrawn"))

    def affected_entries(self, name: str) -> Iterator[dict[str, Any]]:
        """The ``affected`` entries for PyPI package ``name`` (normalised)."""
        for entry in self.record.get("affected") or ():
            package = entry.get("package") or {}
            same = normalize(str(package.get("name", ""))) == name
            if package.get("ecosystem") == "PyPI" and same:
                yield entry

    def affects(self, name: str, version: str) -> bool:
        """Whether ``name`` at ``version`` is affected (OSV evaluation)."""
        if self.withdrawn:
            return False
        parsed = _version(version)
        for entry in self.affected_entries(normalize(name)):
            if _in_versions(entry, version, parsed) or (
                parsed is not None and _in_ranges(entry, parsed)
            ):
                return True
        return False

    def fixed_versions(self, name: str) -> list[Version]:
        """Every ``fixed`` event version for ``name``, sorted."""
        fixed: set[Version] = set()
        for entry in self.affected_entries(normalize(name)):
            for rng in entry.get("ranges") or ():
                if rng.get("type") != "ECOSYSTEM":
                    continue
                for event in rng.get("events") or ():
                    if "fixed" in event:
                        v = _version(str(event["fixed"]))
                        if v is not None:
                            fixed.add(v)
        return sorted(fixed)

    def cwes(self) -> tuple[int, ...]:
        """CWE numbers from ``database_specific.cwe_ids`` when present."""
        specific = self.record.get("database_specific") or {}
        out: list[int] = []
        for cwe in specific.get("cwe_ids") or () if isinstance(specific, dict) else ():
            match = re.fullmatch(r"CWE-(\d+)", str(cwe))
            if match:
                out.append(int(match.group(1)))
        return tuple(out)


def _in_versions(entry: dict[str, Any], version: str, parsed: Version | None) -> bool:
    for listed in entry.get("versions") or ():
        text = str(listed)
        if text == version:
            return True
        other = _version(text)
        if parsed is not None and other is not None and other == parsed:
            return True
    return False


def _in_ranges(entry: dict[str, Any], version: Version) -> bool:
    zero = Version("0")
    for rng in entry.get("ranges") or ():
        if rng.get("type") != "ECOSYSTEM":
            continue
        events: list[tuple[Version, int, str]] = []
        for event in rng.get("events") or ():
            for kind, order in (("introduced", 0), ("fixed", 1), ("last_affected", 2)):
                if kind in event:
                    text = str(event[kind])
                    parsed = zero if text == "0" else _version(text)
                    if parsed is not None:
                        events.append((parsed, order, kind))
        events.sort(key=lambda item: (item[0], item[1]))
        affected = False
        for at, _order, kind in events:
            if kind == "introduced" and version >= at:
                affected = True
            elif kind == "fixed" and version >= at:
                affected = False
            elif kind == "last_affected" and version > at:
                affected = False
        if affected:
            return True
    return False


def parse_record(data: bytes, source: str) -> dict[str, Any]:
    """Decode one OSV record (JSON or YAML by suffix); AdvisoryDataError names the file."""
    try:
        if source.endswith(".json"):
            record = loads_json(data.decode("utf-8"), max_containers=MAX_RECORD_CONTAINERS)
        else:
            record = loads_yaml(data, max_nodes=MAX_RECORD_NODES)
    except TooComplex as exc:
        raise AdvisoryDataError(f"advisory record {source} refused: {exc}") from None
    except ValueError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise AdvisoryDataError(f"malformed advisory record {source}: {first}") from exc
    if not isinstance(record, dict) or not isinstance(record.get("id"), str):
        raise AdvisoryDataError(f"malformed advisory record {source}: not an OSV record (no id)")
    affected = record.get("affected", [])
    if not isinstance(affected, list) or not all(
        isinstance(e, dict) and isinstance(e.get("package", {}), dict) for e in affected
    ):
        raise AdvisoryDataError(f"malformed advisory record {source}: 'affected' is not a list")
    return record


MAX_RECORD_BYTES = 4 * 1024 * 1024  # one OSV record; real ones are a few KB
MAX_RECORD_CONTAINERS = 50_000  # lists and objects of one JSON record (real ones: < 1,000)
MAX_RECORD_NODES = 200_000  # YAML nodes of one record
MAX_ZIP_TOTAL_BYTES = 1024 * 1024 * 1024  # all records unpacked (the PyPI export: ~0.3 GB)
MAX_ZIP_RATIO = 200  # unpacked size / packed size of one member
MAX_ZIP_TOTAL_RATIO = 50  # unpacked size of every record / the archive's size
MAX_ZIP_RECORDS = 250_000  # records in one archive (the PyPI export: ~30,000)


def _check_zip(path: Path, members: Sequence[zipfile.ZipInfo]) -> None:
    """Refuse an archive that would unpack to more than the limits (a zip bomb): records
    in all, bytes in all, bytes per archive byte, and per member."""
    if len(members) > MAX_ZIP_RECORDS:
        raise AdvisoryDataError(f"advisory zip {path} holds {len(members)} records, more than "
                                f"{MAX_ZIP_RECORDS}; refused")
    total = sum(info.file_size for info in members)
    if total > MAX_ZIP_TOTAL_BYTES:
        raise AdvisoryDataError(f"advisory zip {path} unpacks to more than "
                                f"{MAX_ZIP_TOTAL_BYTES // (1024 ** 3)} GB; refused")
    for info in members:
        if info.file_size > MAX_ZIP_RATIO * max(info.compress_size, 1) + 4096:
            raise AdvisoryDataError(f"advisory zip {path}: {info.filename} unpacks "
                                    f"{info.file_size // max(info.compress_size, 1)} times "
                                    "its packed size; refused")
    packed = max(path.stat().st_size, 1)
    if total > MAX_ZIP_TOTAL_RATIO * packed + (1 << 20):
        raise AdvisoryDataError(f"advisory zip {path} unpacks to {total // packed} times its "
                                f"size (at most {MAX_ZIP_TOTAL_RATIO} accepted); refused")


class AdvisoryDatabase:
    """A per-package index of OSV records.

    A folder laid out ``vulns/<package>/<ID>.yaml`` (or ``<package>/<ID>.*`` directly) is read
    lazily: only the folders of the packages asked about are parsed. Any other folder, and a zip
    export, is read whole at load time.
    """

    def __init__(self, path: Path, deadline: float | None = None) -> None:
        self.path = path
        self.deadline = deadline  # time.monotonic() by which reading must end (a scan's)
        self._lock = threading.Lock()
        self._by_name: dict[str, list[Advisory]] = {}
        self._folders: dict[str, list[Path]] = {}
        self._loaded: set[str] = set()
        self.lazy = False
        self.files_read = 0
        if not path.exists():
            raise AdvisoryDataError(f"advisory database not found: {path}")
        if path.is_file():
            if not zipfile.is_zipfile(path):
                raise AdvisoryDataError(f"advisory database {path} is neither a folder nor a zip")
            self._load_zip(path)
            return
        base = path / "vulns" if (path / "vulns").is_dir() else path
        subdirs = [p for p in base.iterdir() if p.is_dir() and not p.name.startswith(".")]
        loose = [p for p in base.iterdir() if p.is_file() and p.name.endswith(_RECORD_SUFFIXES)]
        if subdirs and not loose:
            self.lazy = True
            for folder in subdirs:
                self._folders.setdefault(normalize(folder.name), []).append(folder)
        else:
            self._add_files(sorted(_record_files(path)))

    def _load_zip(self, path: Path) -> None:
        try:
            with zipfile.ZipFile(path) as archive:
                members = [i for i in archive.infolist()
                           if not i.is_dir() and i.filename.endswith(_RECORD_SUFFIXES)]
                _check_zip(path, members)
                for info in members:
                    self._in_time()
                    source = f"{path}!{info.filename}"
                    with archive.open(info) as handle:
                        data = handle.read(MAX_RECORD_BYTES + 1)
                    if len(data) > MAX_RECORD_BYTES:
                        raise AdvisoryDataError(f"advisory record {source} is larger than "
                                                f"{MAX_RECORD_BYTES // (1024 * 1024)} MB")
                    self._add(parse_record(data, source), source)
        except (zipfile.BadZipFile, OSError) as exc:
            raise AdvisoryDataError(f"cannot read advisory zip {path}: {exc}") from exc

    def _in_time(self) -> None:
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise AdvisoryDataError(f"reading the advisory data {self.path} did not finish "
                                    "within the scanner's timeout")

    def _add_files(self, files: Iterable[Path]) -> None:
        for file in files:
            self._in_time()
            try:
                with file.open("rb") as handle:
                    data = handle.read(MAX_RECORD_BYTES + 1)
            except OSError as exc:
                raise AdvisoryDataError(f"cannot read advisory record {file}: {exc}") from exc
            if len(data) > MAX_RECORD_BYTES:
                raise AdvisoryDataError(f"advisory record {file} is larger than "
                                        f"{MAX_RECORD_BYTES // (1024 * 1024)} MB")
            self._add(parse_record(data, str(file)), str(file))

    def _add(self, record: dict[str, Any], source: str) -> None:
        self.files_read += 1
        advisory = Advisory(record["id"], record, source)
        names = {
            normalize(str((e.get("package") or {}).get("name", "")))
            for e in record.get("affected") or ()
            if (e.get("package") or {}).get("ecosystem") == "PyPI"
        }
        for name in names:
            self._by_name.setdefault(name, []).append(advisory)

    def all_advisories(self) -> list[Advisory]:
        """Every record loaded so far, once each (all of them for a zip or a flat folder)."""
        unique: dict[str, Advisory] = {}
        for advisories in self._by_name.values():
            for advisory in advisories:
                unique.setdefault(advisory.source, advisory)
        return list(unique.values())

    def by_id(self, advisory_id: str) -> Advisory | None:
        """The record with id ``advisory_id`` (a lazy folder is read whole for it)."""
        for name in list(self._folders):
            self.advisories_for(name)
        return next((a for a in self.all_advisories() if a.id == advisory_id), None)

    def advisories_for(self, name: str) -> list[Advisory]:
        """Every record naming PyPI package ``name`` (withdrawn ones included)."""
        key = normalize(name)
        if self.lazy:
            with self._lock:
                if key not in self._loaded:
                    self._loaded.add(key)
                    for folder in self._folders.get(key, []):
                        self._add_files(sorted(_record_files(folder)))
        return list(self._by_name.get(key, []))

    def query(self, name: str, version: str) -> list[Advisory]:
        """The non-withdrawn records affecting ``name`` at ``version``."""
        return [a for a in self.advisories_for(name) if a.affects(name, version)]

    def find(self, advisory_id: str, name: str) -> Advisory | None:
        """The record with id (or alias) ``advisory_id`` among those for ``name``."""
        for advisory in self.advisories_for(name):
            if advisory.id == advisory_id or advisory_id in advisory.aliases:
                return advisory
        return None


def _record_files(folder: Path) -> Iterator[Path]:
    """Record files below ``folder`` (any depth, no recursion, links not followed)."""
    for parent, _, names in walk(str(folder)):
        for name in names:
            file = Path(parent) / name
            if name.endswith(_RECORD_SUFFIXES) and file.is_file():
                yield file
