"""Overrides are visible (issue 24, item 8): a pinned date (``GATE_TODAY``, which revives
expired waivers) or a replaced scanner command (``GATE_<NAME>_COMMAND``) changes the verdict,
so every report names it in its first lines: console, step summary, pull-request comment,
annotations and JSON."""

from __future__ import annotations

import os
from pathlib import Path

from tests.helpers import fake_tool, load_json, make_repo, run_gate

APP = ('"""Runs a report."""\nimport subprocess\n\n\ndef run_report(name):\n'
       '    subprocess.call("report " + name, shell=True)\n')
# a waiver that expired on 2026-01-31: only a date pinned before it revives it
POLICY = ('version = 1\n\n[[waivers]]\nrule = "B602"\npaths = ["app.py"]\n'
          'reason = "accepted until the rewrite"\nexpires = 2026-01-31\n')


def _repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo", {"app.py": APP, "gate.toml": POLICY})


def _github_env(tmp_path: Path) -> dict[str, str]:
    summary, output = tmp_path / "summary.md", tmp_path / "output.txt"
    summary.write_text("", encoding="utf-8")
    output.write_text("", encoding="utf-8")
    return {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary),
            "GITHUB_OUTPUT": str(output)}


def test_a_pinned_date_that_revives_a_waiver_is_named_first_everywhere(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    honest = run_gate("scan", ".", "--scanners", "bandit", "--no-cache", cwd=repo,
                      env={"GATE_TODAY": ""})
    assert honest.code == 1 and "OVERRIDE" not in honest.output  # the waiver has expired
    out = tmp_path / "out"
    out.mkdir()
    env = {"GATE_TODAY": "2026-01-01"}
    pinned = run_gate("scan", ".", "--scanners", "bandit", "--no-cache", "--json",
                      str(out / "r.json"), "--pr-comment", str(out / "c.md"), cwd=repo, env=env)
    assert pinned.code == 0, pinned.output  # the verdict changed: it must be said
    lines = pinned.stdout.splitlines()
    assert lines[0] == "gate: PASSED (exit 0)"
    assert lines[1].startswith("  OVERRIDE: GATE_TODAY=2026-01-01: the policy is applied as "
                               "of that date, not today")
    report = load_json(out / "r.json")
    assert report["overrides"] == [lines[1].removeprefix("  OVERRIDE: ")]
    comment = (out / "c.md").read_text(encoding="utf-8").splitlines()
    assert comment[2] == "> [!CAUTION]"
    assert comment[3].startswith("> **Override:** GATE\\_TODAY\\=2026\\-01\\-01")


def test_github_mode_annotates_and_summarises_the_override(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    env = {**_github_env(tmp_path), "GATE_TODAY": "2026-01-01"}
    run = run_gate("scan", ".", "--scanners", "bandit", "--no-cache", "--format", "github",
                   cwd=repo, env=env)
    assert run.code == 0, run.output
    assert run.stdout.splitlines()[0].startswith(
        "::warning title=secops-gate override::GATE_TODAY=2026-01-01")
    summary = (tmp_path / "summary.md").read_text(encoding="utf-8").splitlines()
    assert summary[0].startswith("## secops-gate:")
    assert summary[2] == "> [!CAUTION]"
    assert summary[3].startswith("> **Override:** GATE\\_TODAY\\=2026\\-01\\-01")


def test_a_replaced_scanner_command_is_named(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    quiet = fake_tool(tmp_path / "quiet.py", "import json; print(json.dumps({'results': [], "
                      "'errors': [], 'metrics': {}}))")
    run = run_gate("scan", ".", "--scanners", "bandit", "--no-cache", "--json",
                   str(tmp_path / "r.json"), cwd=repo,
                   env={"GATE_BANDIT_COMMAND": quiet, "GATE_TODAY": ""})
    overrides = load_json(tmp_path / "r.json")["overrides"]
    assert overrides == [f"GATE_BANDIT_COMMAND: the bandit scanner ran `{quiet}`, not the "
                         "installed tool"]
    assert f"  OVERRIDE: GATE_BANDIT_COMMAND: the bandit scanner ran `{quiet}`" in run.stdout
    assert os.environ.get("GATE_BANDIT_COMMAND") is None
