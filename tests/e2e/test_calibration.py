"""No true positive lost: the default policy fails on every known-bad line of the vulnerable
fixture applications and passes every safe twin (every scanner, real tools)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.calibration import judge, markers, prepare_fixture, run_gate


@pytest.mark.slow
def test_every_known_bad_line_fails_and_every_safe_twin_passes(tmp_path: Path) -> None:
    tree = prepare_fixture("shop", tmp_path)
    marked = markers(tree)
    assert {m.kind for m in marked} == {"fail", "warn", "pass"}
    assert any(m.path == "config/deploy.env" for m in marked)  # the planted secret
    verdict = judge(run_gate(tree, "", tmp_path / "report.json"), marked)
    assert verdict.missed == []
    assert verdict.false_alarms == []
    assert len(verdict.found) == sum(1 for m in marked if m.kind != "pass")
