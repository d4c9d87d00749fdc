"""An independent reference matcher of OSV records, for checking the gate's audit.

Written separately from ``gate.deps``: it reads every record in the database (no per-package
index, no laziness) and evaluates ``ECOSYSTEM`` ranges as explicit intervals instead of the
event walk the gate uses. Only PyYAML/json and ``packaging`` are used.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml
from packaging.version import InvalidVersion, Version


def canonical(name: str) -> str:
    """PEP 503 normalisation."""
    return re.sub(r"[-_.]+", "-", name).lower()


def load_all(database: Path) -> list[dict[str, Any]]:
    """Every OSV record under ``database`` (JSON or YAML)."""
    records = []
    for path in sorted(database.rglob("*")):
        if path.suffix == ".json":
            records.append(json.loads(path.read_text(encoding="utf-8")))
        elif path.suffix in (".yaml", ".yml"):
            text = path.read_text(encoding="utf-8")
            if hasattr(yaml, "CSafeLoader"):
                records.append(yaml.load(text, Loader=yaml.CSafeLoader))
            else:
                records.append(yaml.safe_load(text))
    return records


def _intervals(events: list[dict[str, str]]) -> list[tuple[Version | None, Version | None, bool]]:
    """(start, end, end_inclusive) intervals; start None = from the beginning, end None = open."""
    parsed: list[tuple[Version, str]] = []
    for event in events:
        ((kind, text),) = event.items()
        if kind not in ("introduced", "fixed", "last_affected"):
            continue
        try:
            parsed.append((Version("0") if text == "0" else Version(text), kind))
        except InvalidVersion:
            continue
    parsed.sort(key=lambda item: item[0])
    intervals: list[tuple[Version | None, Version | None, bool]] = []
    start: Version | None = None
    open_ = False
    for version, kind in parsed:
        if kind == "introduced" and not open_:
            start, open_ = version, True
        elif kind in ("fixed", "last_affected") and open_:
            intervals.append((start, version, kind == "last_affected"))
            open_ = False
    if open_:
        intervals.append((start, None, False))
    return intervals


def affects(record: dict[str, Any], name: str, version: str) -> bool:
    """Whether ``record`` says PyPI ``name`` ``version`` is affected."""
    if record.get("withdrawn"):
        return False
    want = canonical(name)
    try:
        v: Version | None = Version(version)
    except InvalidVersion:
        v = None
    for affected in record.get("affected", []):
        package = affected.get("package", {})
        if package.get("ecosystem") != "PyPI" or canonical(package.get("name", "")) != want:
            continue
        if version in [str(x) for x in affected.get("versions", [])]:
            return True
        if v is None:
            continue
        for rng in affected.get("ranges", []):
            if rng.get("type") != "ECOSYSTEM":
                continue
            for start, end, inclusive in _intervals(rng.get("events", [])):
                if start is not None and v < start:
                    continue
                if end is None or v < end or (inclusive and v == end):
                    return True
    return False


def audit(records: list[dict[str, Any]], pins: list[tuple[str, str]]) -> set[tuple[str, str, str]]:
    """(package, version, advisory id) for every pin and every record that affects it."""
    found = set()
    for name, version in pins:
        for record in records:
            if affects(record, name, version):
                found.add((canonical(name), version, record["id"]))
    return found
