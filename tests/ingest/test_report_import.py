"""A JSON report read back: the same findings (through the codec), runs, coverage and
baseline states; anything else is a clear exit-2 error."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from pathlib import Path

import pytest

from gate.baseline import create as baseline_create
from gate.errors import SarifImportError
from gate.findings import Confidence, Finding, InlineSuppression, Location, Severity
from gate.ingest import report_import
from gate.policy import evaluate as policy_eval
from gate.policy.model import Policy
from gate.report import json_report
from gate.runs import ScannerRun, SkippedFile

FINDINGS = [
    Finding("bandit", "B602", "shell", "m1", Severity.HIGH, Confidence.HIGH,
            Location("a.py", 3, 5, 3, 9), "f1", cwe=(78,), tags=("t",),
            suppression=InlineSuppression("nosec", ("B602",), "why"),
            extra=(("k", "v"),)),
    Finding("pip-audit", "PYSEC-1", "dep", "m2", Severity.HIGH, Confidence.HIGH,
            Location("requirements.txt", 1), "f2", aliases=("CVE-1",),
            extra=(("severity_source", "default"),)),
    Finding("bandit", "B404", "imp", "m3", Severity.LOW, Confidence.HIGH,
            Location("b.py", 1), "f3"),
]


def _report(tmp_path: Path) -> tuple[Path, object]:
    baseline = baseline_create(FINDINGS[1:2], dt.date(2026, 1, 1))
    runs = [ScannerRun("bandit", "bandit", "1.9.4", ("-q",), 1, None, 2,
                       (SkippedFile("big.py", "too large"),), ("note",), 1.5),
            ScannerRun("pip-audit", "pip-audit", "2", (), None, "crashed", 1)]
    ctx = policy_eval.Context(today=dt.date(2026, 6, 1), files_scanned=3, baseline=baseline,
                              links=("link",), skipped=(SkippedFile("x.bin", "huge"),))
    decision = policy_eval.evaluate(Policy(source="gate.toml"), FINDINGS, runs, ctx)
    path = tmp_path / "report.json"
    path.write_text(json_report.render(decision), encoding="utf-8")
    return path, decision


def test_a_report_reads_back_as_what_was_decided(tmp_path: Path) -> None:
    path, _ = _report(tmp_path)
    assert report_import.is_report(path)
    read = report_import.read(path)
    assert read.findings == tuple(FINDINGS)
    assert read.findings[1].severity_defaulted
    assert [r.scanner for r in read.runs] == ["bandit", "pip-audit"]
    assert read.runs[0].skipped == (SkippedFile("big.py", "too large"),)
    assert read.runs[0].duration == 1.5 and read.runs[1].error == "crashed"
    assert (read.verdict, read.exit_code, read.files_scanned) == ("error", 3, 3)
    assert read.links == ("link",) and read.skipped == (SkippedFile("x.bin", "huge"),)
    assert read.baseline is not None
    assert [e.rule_id for e in read.baseline.entries] == ["PYSEC-1"]
    assert not read.new_only


def test_judged_again_it_gives_the_same_decision(tmp_path: Path) -> None:
    path, decision = _report(tmp_path)
    read = report_import.read(path)
    ctx = policy_eval.Context(today=dt.date(2026, 6, 1), files_scanned=read.files_scanned,
                              baseline=read.baseline, links=read.links, skipped=read.skipped)
    again = policy_eval.evaluate(Policy(source="gate.toml"), read.findings, read.runs, ctx)
    assert json_report.to_dict(replace(again, runs=decision.runs)) == json_report.to_dict(
        decision)


@pytest.mark.parametrize(("text", "words"), [
    ("{", "not JSON"),
    ('{"gate_version": "0", "findings": [{"scanner": 1}]}', "not a gate JSON report"),
    ('{"gate_version": "0", "findings": []}', "KeyError"),
])
def test_a_damaged_report_is_a_clear_exit_2_error(tmp_path: Path, text: str,
                                                  words: str) -> None:
    path = tmp_path / "r.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SarifImportError) as raised:
        report_import.read(path)
    assert words in str(raised.value) and str(path) in str(raised.value)
    assert raised.value.exit_code == 2
    assert not report_import.is_report(tmp_path / "missing.json")
    assert not report_import.is_report(path) or json.loads(text).get("gate_version")
