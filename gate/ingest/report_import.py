"""A JSON report written by ``--json``, read back for ``gate evaluate``, ``gate report`` and
``gate policy explain``: its findings (through ``finding_codec``), run records, coverage and
baseline states, so that the policy can judge them again without scanning.

The baseline is rebuilt from the report itself (its ``unchanged`` findings and ``absent``
entries), so the same policy on the same date gives the same dispositions.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gate import finding_codec
from gate.baseline import Baseline, BaselineState, Entry
from gate.errors import SarifImportError
from gate.finding_codec import as_int as _int
from gate.finding_codec import as_list as _list
from gate.finding_codec import as_str as _str
from gate.findings import Finding
from gate.guards.bounded import TooComplex, loads_json, unprintable_field
from gate.policy.decision import Disposition
from gate.runs import ScannerRun, SkippedFile
from gate.scanners import REGISTRY


@dataclass(frozen=True)
class ImportedReport:
    """What a JSON report recorded."""

    source: str
    findings: tuple[Finding, ...]
    runs: tuple[ScannerRun, ...]
    verdict: str
    exit_code: int
    files_scanned: int = 0
    partial: bool = False
    scanned: tuple[str, ...] = ()
    skipped: tuple[SkippedFile, ...] = ()
    links: tuple[str, ...] = ()
    baseline: Baseline | None = None
    new_only: bool = False
    policy_ref: str = ""
    policy_changed: str = ""
    overrides: tuple[str, ...] = ()


def is_report(path: Path) -> bool:
    """True when ``path`` holds a gate JSON report (not SARIF); False when unreadable."""
    try:
        data = loads_json(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, ValueError):  # TooComplex is a ValueError
        return False
    return isinstance(data, dict) and "gate_version" in data and "findings" in data


def read(path: Path) -> ImportedReport:
    """Read a JSON report; SarifImportError (exit 2) names the file and what is wrong."""
    try:
        data = loads_json(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError) as exc:
        raise SarifImportError(f"{path}: cannot read: {exc}") from None
    except TooComplex as exc:
        raise SarifImportError(f"{path}: cannot be read: {exc}") from None
    except ValueError as exc:
        raise SarifImportError(f"{path}: not JSON ({exc})") from None
    bad = unprintable_field(data)
    if bad is not None:
        raise SarifImportError(f"{path}: {bad[0] or 'the document'} holds {bad[1]}; refused")
    try:
        return _parse(str(path), data)
    except (TypeError, ValueError, KeyError) as exc:
        raise SarifImportError(f"{path}: not a gate JSON report written by --json "
                               f"({type(exc).__name__}: {exc})") from None


def parse(source: str, data: Any) -> ImportedReport:
    """A JSON report already parsed; TypeError, ValueError or KeyError when it is not one."""
    return _parse(source, data)


def _parse(source: str, data: Any) -> ImportedReport:
    if not isinstance(data, dict):
        raise TypeError("expected an object")
    items = _list(data["findings"])
    findings = tuple(_finding(item) for item in items)
    unchanged = [f for f, item in zip(findings, items, strict=True)
                 if item.get("baseline_state") == BaselineState.UNCHANGED.value]
    absent = _list(data.get("absent", []))
    baseline = None
    if unchanged or absent or any(item.get("baseline_state") for item in items):
        baseline = _baseline(unchanged, absent)
    return ImportedReport(
        source=source, findings=findings,
        runs=tuple(_run(r) for r in _list(data["runs"])),
        verdict=_str(data["verdict"]), exit_code=_int(data["exit_code"]),
        files_scanned=_int(data.get("files_scanned", 0)),
        partial=data.get("partial") is True,
        scanned=tuple(_str(s) for s in _list(data.get("scanned", []))),
        skipped=tuple(_skipped(s) for s in _list(data.get("skipped_by_gate", []))),
        links=tuple(_str(s) for s in _list(data.get("links_not_followed", []))),
        baseline=baseline,
        new_only=any(item.get("disposition") == Disposition.BASELINE.value for item in items),
        policy_ref=str(data.get("policy_ref") or ""),
        policy_changed=str(data.get("policy_changed") or ""),
        overrides=tuple(_str(o) for o in _list(data.get("overrides", []))))


def _finding(item: Any) -> Finding:
    """A report item is ``finding_codec`` data whose ``severity`` is the policy's; the
    tool's own is ``tool_severity``."""
    if not isinstance(item, dict):
        raise TypeError("a finding is not an object")
    return finding_codec.from_dict({**item, "severity": item["tool_severity"]})


def _run(item: Any) -> ScannerRun:
    if not isinstance(item, dict):
        raise TypeError("a run is not an object")
    skipped = [[s["path"], s["reason"]] for s in _list(item["skipped"])
               if isinstance(s, dict)]
    run = finding_codec.run_from_dict({**item, "skipped": skipped})
    error = item.get("error")
    duration = item.get("duration_seconds", 0.0)
    scanner = REGISTRY.get(run.scanner)
    return ScannerRun(run.scanner, run.tool, run.version, run.arguments, run.exit_code,
                      None if error is None else _str(error), run.files, run.skipped,
                      run.notes, float(duration) if isinstance(duration, (int, float)) else 0.0,
                      scanner.information_uri if scanner is not None else "")


def _baseline(unchanged: list[Finding], absent: list[Any]) -> Baseline:
    entries = [Entry(f.scanner, f.rule_id, f.location.path, f.fingerprint,
                     f.location.start_line) for f in unchanged]
    for item in absent:
        if not isinstance(item, dict):
            raise TypeError("an absent entry is not an object")
        entries.append(Entry(_str(item["scanner"]), _str(item["rule_id"]), _str(item["path"]),
                             _str(item["fingerprint"]), _int(item.get("line", 0)),
                             _int(item.get("count", 1))))
    return Baseline(created="", entries=tuple(entries), source="the JSON report")


def _skipped(item: Any) -> SkippedFile:
    if not isinstance(item, dict):
        raise TypeError("a skipped file is not an object")
    return SkippedFile(_str(item["path"]), _str(item["reason"]))
