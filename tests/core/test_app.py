"""The scan use case in process: policy, discovery, scanners, evaluation; no output I/O."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from gate import app
from gate.baseline import dumps
from gate.errors import UsageError
from gate.findings import Severity
from gate.policy.decision import Disposition, Verdict
from gate.report import sarif
from tests.helpers import FIXTURES, git, make_repo

TODAY = dt.date(2026, 11, 27)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo", source=FIXTURES / "core" / "vulnerable",
                     files={"lib/clean.py": "def add(a, b):\n    return a + b\n"})


def request(root: Path, **kw: object) -> app.ScanRequest:
    return app.ScanRequest(paths=(root,), scanners=("bandit",), today=TODAY, use_cache=False,
                           **kw)  # type: ignore[arg-type]


def test_scan_decides_with_the_default_preset(repo: Path) -> None:
    done: list[str] = []
    decision = app.scan(request(repo), on_done=lambda run: done.append(run.scanner))
    assert done == ["bandit"]
    assert (decision.verdict, decision.exit_code) == (Verdict.FAIL, 1)
    assert decision.policy.source == "preset:default"
    waived = [d for d in decision.items if d.disposition is Disposition.WAIVED]
    assert [(d.finding.rule_id, d.finding.location.start_line) for d in waived] == [("B602", 10)]
    assert "nosec" in waived[0].reason


def test_fail_on_override_and_policy_thresholds(repo: Path) -> None:
    relaxed = app.scan(request(repo, fail_on=None, fail_on_set=True))
    assert relaxed.exit_code == 0
    strict = app.resolve_policy(repo, request(repo, fail_on=Severity.LOW, fail_on_set=True))
    assert strict.fail_on is Severity.LOW and strict.fail_level("bandit") is Severity.LOW


def test_parse_scanner_list() -> None:
    known = ["bandit", "semgrep"]
    assert app.parse_scanner_list(" bandit, ,semgrep ", known) == ("bandit", "semgrep")
    with pytest.raises(UsageError, match="unknown scanner"):
        app.parse_scanner_list("bandit,nope", known)


def test_hook_mode_scans_only_the_given_files(repo: Path) -> None:
    decision = app.scan(request(repo, only_files=(repo / "lib" / "clean.py",)))
    assert decision.scanned == ("lib/clean.py",)
    assert decision.exit_code == 0 and decision.items == ()


def test_changed_since_is_a_partial_scan(repo: Path) -> None:
    (repo / "lib" / "clean.py").write_text("import os\nos.system(input())\n", encoding="utf-8")
    decision = app.scan(request(repo, changed_since="HEAD"))
    assert decision.scanned == ("lib/clean.py",)
    assert [(d.finding.rule_id, d.finding.location.path) for d in decision.items] == [
        ("B605", "lib/clean.py")]
    runs = sarif.to_dict(decision)["runs"]
    assert runs[0]["automationDetails"]["id"] == "gate-partial/bandit/"


def test_new_only_needs_a_baseline_and_the_policy_key_only_notes_it(repo: Path) -> None:
    with pytest.raises(UsageError, match="--new-only needs --baseline"):
        app.scan(request(repo, new_only=True))
    (repo / "gate.toml").write_text("version = 1\nnew_only = true\n", encoding="utf-8")
    decision = app.scan(request(repo))
    assert any("every finding counts as new" in w for w in decision.warnings)


def test_baseline_recorded_then_known_findings_cannot_fail(repo: Path, tmp_path: Path) -> None:
    recorded, first = app.create_baseline(request(repo))
    assert first.exit_code == 1
    path = tmp_path / "baseline.json"
    path.write_text(dumps(recorded), encoding="utf-8")
    decision = app.scan(request(repo, baseline_file=path, new_only=True))
    assert decision.exit_code == 0
    assert {d.disposition for d in decision.items} <= {Disposition.BASELINE,
                                                      Disposition.WAIVED, Disposition.HIDDEN}


def test_the_baseline_is_read_from_the_ref_under_policy_ref(repo: Path, tmp_path: Path) -> None:
    recorded, _ = app.create_baseline(request(repo))
    (repo / "baseline.json").write_text(dumps(recorded), encoding="utf-8")
    (repo / "gate.toml").write_text('version = 1\nbaseline = "baseline.json"\n'
                                    "new_only = true\n", encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "baseline")
    (repo / "baseline.json").write_text('{"version": 1, "entries": []}', encoding="utf-8")
    read = app.gitref_reader(repo.resolve(), "HEAD")
    assert read(repo / "baseline.json") == dumps(recorded)
    decision = app.scan(request(repo, policy_ref="HEAD"))
    assert decision.policy_ref == "HEAD" and decision.exit_code == 0


def test_evaluate_sarif_from_a_gate_run(repo: Path, tmp_path: Path) -> None:
    decision = app.scan(request(repo))
    out = tmp_path / "gate.sarif"
    out.write_text(sarif.dumps(sarif.to_dict(decision)), encoding="utf-8")
    again = app.evaluate_sarif([out], request(repo))
    assert again.exit_code == 1
    rules = {(d.finding.scanner, d.finding.rule_id) for d in again.items}
    assert ("bandit", "B301") in rules
