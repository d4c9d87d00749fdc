"""gate/ingest/baseline_import.py: a baseline from a baseline file, a JSON report or SARIF."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gate.errors import BaselineError
from gate.ingest.baseline_import import load

SARIF = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "bandit"}}, "results": [
    {"ruleId": "B602", "level": "error", "message": {"text": "shell"},
     "partialFingerprints": {"primaryLocationLineHash": "abc123"},
     "locations": [{"physicalLocation": {"artifactLocation": {"uri": "app.py"},
                                         "region": {"startLine": 6}}}]}]}]}


def test_sarif_results_become_entries(tmp_path: Path) -> None:
    path = tmp_path / "earlier.sarif"
    path.write_text(json.dumps(SARIF), encoding="utf-8")
    baseline = load(path, tmp_path)
    assert [(e.scanner, e.rule_id, e.path, e.fingerprint, e.line, e.count)
            for e in baseline.entries] == [("bandit", "B602", "app.py", "abc123", 6, 1)]
    assert baseline.source == str(path)


def test_a_gate_baseline_is_read_as_before_and_junk_is_refused(tmp_path: Path) -> None:
    good = tmp_path / "b.json"
    good.write_text(json.dumps({"version": 1, "created": "2026-01-01", "entries": [
        {"scanner": "bandit", "rule_id": "B602", "path": "app.py", "fingerprint": "f"}]}),
        encoding="utf-8")
    assert [e.fingerprint for e in load(good, tmp_path).entries] == ["f"]
    junk = tmp_path / "j.json"
    junk.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(BaselineError, match="neither a baseline"):
        load(junk, tmp_path)
