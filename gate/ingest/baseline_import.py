"""A baseline from any of the files the gate writes: a baseline (``gate baseline create``),
a JSON report (``--json``) or a SARIF file (``--sarif``); each finding of the report or SARIF
is recorded, as ``gate baseline create`` would have recorded it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path

from gate.baseline import Baseline, loads
from gate.baseline import create as create_baseline
from gate.errors import BaselineError, SarifImportError
from gate.findings import Finding
from gate.guards.bounded import load_input
from gate.ingest import report_import, sarif_import


def load(path: Path, root: Path, reader: Callable[[Path], str] | None = None) -> Baseline:
    """The baseline in ``path`` (read with ``reader``: the work tree by default, a git ref
    under ``--policy-ref``); BaselineError (exit 2) says what it is not."""
    read = reader or (lambda p: p.read_text(encoding="utf-8-sig"))
    try:
        text = read(path)
    except (OSError, UnicodeDecodeError, KeyError, ValueError) as exc:
        raise BaselineError(f"cannot read baseline {path}: {exc}") from None
    origin = str(path)
    data = load_input(text, origin, BaselineError)
    if isinstance(data, dict) and "gate_version" in data and "findings" in data:
        try:
            findings = report_import.parse(origin, data).findings
        except (TypeError, ValueError, KeyError, SarifImportError) as exc:
            raise BaselineError(f"{origin}: a JSON report the gate cannot read as a "
                                f"baseline ({exc})") from None
        return _recorded(findings, origin)
    if isinstance(data, dict) and "runs" in data and "entries" not in data:
        try:
            imported = sarif_import.parse_many([(origin, text)], root)
        except SarifImportError as exc:
            raise BaselineError(f"baseline {exc}") from None
        return _recorded(imported.findings, origin)
    if not isinstance(data, dict) or "entries" not in data:
        raise BaselineError(f"{origin}: neither a baseline ('gate baseline create -o FILE'), "
                            "a JSON report (--json) nor a SARIF file (--sarif)")
    return loads(text, origin)


def _recorded(findings: Sequence[Finding], origin: str) -> Baseline:
    baseline = create_baseline(findings, dt.datetime.now(dt.UTC).date())
    return Baseline(baseline.created, baseline.entries, origin)
