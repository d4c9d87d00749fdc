"""Baselines: a record of known findings, so that a gate can fail on new ones only.

A baseline is JSON: ``{"version": 1, "created": "YYYY-MM-DD", "entries": [...]}``, each entry
``{scanner, rule_id, path, fingerprint, line, count}``. Matching uses the content-based
fingerprint (not the line), so it survives lines inserted above a finding, and it counts:
two identical findings where the baseline recorded one leaves one of them ``new``.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gate.errors import BaselineError
from gate.findings import Finding
from gate.guards.bounded import load_input

VERSION = 1
Reader = Callable[[Path], str]
Key = tuple[str, str, str, str]


class BaselineState(enum.StrEnum):
    """A finding's SARIF ``baselineState``: new, unchanged, or recorded but absent."""

    NEW = "new"
    UNCHANGED = "unchanged"
    ABSENT = "absent"


@dataclass(frozen=True)
class Entry:
    """Findings recorded under one (scanner, rule, path, fingerprint), ``count`` of them."""

    scanner: str
    rule_id: str
    path: str
    fingerprint: str
    line: int = 0
    count: int = 1

    @property
    def key(self) -> Key:
        """What a finding must share with the entry to match it."""
        return (self.scanner, self.rule_id, self.path, self.fingerprint)


@dataclass(frozen=True)
class Baseline:
    """A loaded baseline."""

    created: str
    entries: tuple[Entry, ...]
    source: str = ""


def _key(finding: Finding) -> Key:
    return (finding.scanner, finding.rule_id, finding.location.path, finding.fingerprint)


def create(findings: Sequence[Finding], today: dt.date) -> Baseline:
    """A baseline recording ``findings`` (identical ones counted)."""
    counts: Counter[Key] = Counter()
    lines: dict[Key, int] = {}
    for finding in sorted(findings, key=lambda f: (f.location, f.scanner, f.rule_id)):
        counts[_key(finding)] += 1
        lines.setdefault(_key(finding), finding.location.start_line)
    entries = tuple(Entry(*key, line=lines[key], count=n) for key, n in sorted(counts.items()))
    return Baseline(created=today.isoformat(), entries=entries)


def dumps(baseline: Baseline) -> str:
    """The JSON text of a baseline (deterministic)."""
    data = {
        "version": VERSION,
        "created": baseline.created,
        "entries": [
            {"scanner": e.scanner, "rule_id": e.rule_id, "path": e.path,
             "fingerprint": e.fingerprint, "line": e.line, "count": e.count}
            for e in baseline.entries
        ],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def loads(text: str, origin: str) -> Baseline:
    """Parse baseline JSON; BaselineError says what is wrong and where."""
    data = load_input(text, origin, BaselineError)
    if not isinstance(data, dict) or data.get("version") != VERSION:
        raise BaselineError(f"{origin}: not a gate baseline (expected \"version\": {VERSION}; "
                            f"create one with 'gate baseline create -o FILE')")
    raw = data.get("entries")
    if not isinstance(raw, list):
        raise BaselineError(f"{origin}: 'entries' must be a list")
    entries: list[Entry] = []
    for index, item in enumerate(raw):
        entries.append(_entry(item, f"{origin}: entries[{index}]"))
    return Baseline(created=str(data.get("created", "")), entries=tuple(entries), source=origin)


def _entry(item: Any, where: str) -> Entry:
    if not isinstance(item, dict):
        raise BaselineError(f"{where}: expected an object")
    values: dict[str, str] = {}
    for name in ("scanner", "rule_id", "path", "fingerprint"):
        value = item.get(name)
        if not isinstance(value, str) or not value:
            raise BaselineError(f"{where}: '{name}' must be a non-empty string")
        values[name] = value
    line, count = item.get("line", 0), item.get("count", 1)
    if not isinstance(line, int) or not isinstance(count, int) or count < 1:
        raise BaselineError(f"{where}: 'line' and 'count' must be whole numbers (count >= 1)")
    return Entry(values["scanner"], values["rule_id"], values["path"], values["fingerprint"],
                 line, count)


def load(path: Path, reader: Reader | None = None) -> Baseline:
    """Read a baseline with ``reader`` (the work tree by default; a git ref for --policy-ref)."""
    read = reader or (lambda p: p.read_text(encoding="utf-8"))
    try:
        text = read(path)
    except (OSError, UnicodeDecodeError, KeyError) as exc:
        raise BaselineError(f"cannot read baseline {path}: {exc}") from None
    return loads(text, str(path))


def match(baseline: Baseline, findings: Sequence[Finding],
          scope: Mapping[str, frozenset[str]] | None = None
          ) -> tuple[list[BaselineState], list[dict[str, Any]]]:
    """The ``baselineState`` of each finding (same order), and the baseline's absent entries.

    An entry is ``absent`` only when its scanner succeeded and was given the entry's file
    (``scope``: scanner -> files it scanned; None judges every entry).
    """
    remaining: Counter[Key] = Counter()
    for entry in baseline.entries:
        remaining[entry.key] += entry.count
    states = [BaselineState.NEW] * len(findings)
    order = sorted(range(len(findings)),
                   key=lambda i: (findings[i].location, findings[i].scanner, findings[i].rule_id))
    for index in order:
        key = _key(findings[index])
        if remaining[key] > 0:
            remaining[key] -= 1
            states[index] = BaselineState.UNCHANGED
    absent: list[dict[str, Any]] = []
    for entry in baseline.entries:
        left = remaining[entry.key]
        if left <= 0:
            continue
        remaining[entry.key] = 0
        if scope is not None and entry.path not in scope.get(entry.scanner, frozenset()):
            continue
        absent.append({"scanner": entry.scanner, "rule_id": entry.rule_id, "path": entry.path,
                       "line": entry.line, "fingerprint": entry.fingerprint, "count": left,
                       "baseline_state": BaselineState.ABSENT.value})
    return states, absent
