"""``action.yml`` run for real by ``run-action``: its bash steps, outputs, uploads, summary,
caches across runs and the pull-request comment, on a fixture repository.

A push run on the default branch comes first (cold: it downloads the pinned wheels and
saves both caches); the pull-request runs after it install from the restored wheels and
reuse cached results.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bench.action_bench import snapshot_action
from tests.helpers import REPO_ROOT, fake_tool, git, make_repo, validate_sarif
from tests.integrations.github_api_standin import serve

pytestmark = pytest.mark.slow  # each case installs and runs the whole action through run-action

SHARED = Path(os.environ.get("GATE_SHARED_DIR", REPO_ROOT.parent / "shared"))
RUN_ACTION = SHARED / "tools" / "run-action"
CLEAN = '"""Greets."""\n\n\ndef greet(name):\n    return "hello " + name\n'
SHELL = ('"""Runs a report."""\nimport subprocess\n\n\ndef run_report(name):\n'
         '    subprocess.call("report " + name, shell=True)\n')
TOKEN = "test-token-77e1"


@dataclass
class Runner:
    """run-action with one action snapshot, one cache store and one RUNNER_TEMP."""

    action: Path
    store: Path
    temp: Path
    base: str = ""  # the default branch's commit in every workspace
    runs: list[dict[str, Any]] = field(default_factory=list)

    def run(self, workspace: Path, event: str, payload: dict[str, Any],
            inputs: dict[str, str] | None = None, github: dict[str, str] | None = None,
            env: dict[str, str] | None = None) -> dict[str, Any]:
        """One job; the report run-action prints."""
        cmd = [sys.executable, str(RUN_ACTION), str(self.action), str(workspace), event,
               json.dumps(payload), "--store", str(self.store)]
        for key, value in (inputs or {}).items():
            cmd += ["--input", f"{key}={value}"]
        for key, value in {"token": TOKEN, **(github or {})}.items():
            cmd += ["--github", f"{key}={value}"]
        full_env = {**os.environ, "RUN_ACTION_RUNNER_TEMP": str(self.temp), **(env or {})}
        proc = subprocess.run(cmd, capture_output=True, text=True, env=full_env, timeout=1200)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        report: dict[str, Any] = json.loads(proc.stdout)
        assert not report["not_emulated"], report["not_emulated"]
        assert TOKEN not in proc.stdout
        self.runs.append(report)
        return report


def _workspace(path: Path, pr_files: dict[str, str] | None = None) -> tuple[Path, str]:
    """A checkout whose default branch is clean; with ``pr_files``, a pull-request commit on
    top. Returns the checkout and the base commit."""
    repo = make_repo(path, {"app.py": CLEAN, "gate.toml": "version = 1\n"})
    base = git(repo, "rev-parse", "HEAD").strip()
    if pr_files:
        git(repo, "checkout", "-q", "-b", "change")
        for name, text in pr_files.items():
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            (repo / name).write_text(text, encoding="utf-8")
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", "change")
    return repo, base


def _pull_request(base: str, head_repo: str = "owner/repo") -> dict[str, Any]:
    return {"repository": {"default_branch": "main", "full_name": "owner/repo"},
            "pull_request": {"number": 7, "base": {"sha": base},
                             "head": {"repo": {"full_name": head_repo}}}}


def _step(report: dict[str, Any], name: str) -> dict[str, Any]:
    return next(s for s in report["steps"] if s["name"].startswith(name))


@pytest.fixture(scope="module")
def runner(tmp_path_factory: pytest.TempPathFactory) -> Runner:
    """The action after one cold push run on the default branch (both caches saved)."""
    if not RUN_ACTION.exists():
        message = f"run-action is not at {RUN_ACTION} (set GATE_SHARED_DIR)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    base = tmp_path_factory.mktemp("action")
    made = Runner(snapshot_action(base / "action"), base / "store", base / "runner-temp")
    repo, made.base = _workspace(base / "push")
    made.run(repo, "push", {"repository": {"default_branch": "main"}},
             github={"ref": "refs/heads/main"})
    return made


def test_a_push_on_the_default_branch_uploads_and_saves_both_caches(runner: Runner) -> None:
    push = runner.runs[0]
    assert push["failed"] is False, push["steps"]
    assert push["outputs"]["verdict"] == "pass"
    # one SARIF run per scanner: bandit, semgrep, secrets and the gate's bidi check
    assert [u["file"].endswith("gate.sarif") and u["runs"] == 4 for u in push["uploads"]] == [
        True]
    assert "PASSED (exit 0)" in push["summary"]
    assert "Scanned 2 file(s); cache: 0 of 6 file(s) reused." in push["summary"]
    assert _step(push, "Save the install cache")["outcome"] == "success"
    saved = sorted(p.name.split("-py")[0] for p in runner.store.iterdir())
    assert saved == ["secops-gate-install-Linux-", "secops-gate-results-Linux-"]


def test_a_failing_pull_request_uploads_its_sarif_reuses_both_caches_and_comments_once(
        runner: Runner, tmp_path: Path) -> None:
    repo, base = _workspace(tmp_path / "ws", {"report.py": SHELL})
    with serve() as api:
        inputs = {"comment": "true"}
        github = {"api_url": api.url, "ref": "refs/pull/7/merge"}
        first = runner.run(repo, "pull_request", _pull_request(base), inputs, github)
        second = runner.run(repo, "pull_request", _pull_request(base), inputs, github)
        writes = api.writes()
        bodies = [c["body"] for c in api.comments.values()]
    for report in (first, second):
        assert report["failed"] is True
        assert report["outputs"]["verdict"] == "fail" and report["outputs"]["failing"] == "1"
        assert _step(report, "Run secops-gate")["outcome"] == "success"
        assert _step(report, "Fail with the gate's exit code")["outcome"] == "failure"
        assert len(report["uploads"]) == 1 and report["uploads"][0]["runs"] == 4
        assert "FAILED (exit 1)" in report["summary"] and "B602" in report["summary"]
        # installed from the push run's wheels; the unchanged files' results reused
        assert "Installed from the restored wheels" in _step(report, "Install")["log_tail"]
        assert _step(report, "Save the install cache")["outcome"] == "skipped"
        assert _step(report, "Save the result cache")["outcome"] == "skipped"
    # 10 scanner-file pairs; the bidi check reads its 2 files again (it is never cached)
    assert "cache: 4 of 10 file(s) reused" in first["summary"], first["summary"]
    assert writes == [("POST", "/repos/owner/repo/issues/7/comments"),
                      ("PATCH", "/repos/owner/repo/issues/comments/1001")]
    assert len(bodies) == 1 and bodies[0].startswith(
        "<!-- secops-gate:comment workflow=ci category=gate -->\n## secops-gate: ❌ FAILED")
    assert sorted(p.name[:20] for p in runner.store.iterdir()) == [
        "secops-gate-install-", "secops-gate-results-"]  # a pull request saves nothing


def test_a_passing_pull_request_without_the_result_cache(runner: Runner,
                                                         tmp_path: Path) -> None:
    repo, base = _workspace(tmp_path / "ws", {"util.py": CLEAN.replace("greet", "wave")})
    report = runner.run(repo, "pull_request", _pull_request(base),
                        {"result-cache": "false"}, {"ref": "refs/pull/7/merge"})
    assert report["failed"] is False
    assert report["outputs"] == {"verdict": "pass", "findings": "0", "failing": "0",
                                 "sarif-file": "gate.sarif", "shard-report": ""}
    assert len(report["uploads"]) == 1
    assert _step(report, "Restore the result cache")["outcome"] == "skipped"
    assert "Scanned 3 file(s)." in report["summary"] and "cache:" not in report["summary"]
    assert _step(report, "Post or update")["outcome"] == "skipped"


def test_a_fork_pull_request_neither_uploads_nor_comments(runner: Runner,
                                                          tmp_path: Path) -> None:
    repo, base = _workspace(tmp_path / "ws", {"report.py": SHELL})
    with serve() as api:
        report = runner.run(repo, "pull_request", _pull_request(base, "someone/fork"),
                            {"comment": "true"}, {"api_url": api.url})
        assert api.requests == []
    assert report["failed"] is True and report["outputs"]["verdict"] == "fail"
    assert report["uploads"] == []
    assert "pull request from a fork" in _step(report, "Decide whether")["log_tail"]
    assert "pull request from a fork" in _step(report, "Post or update")["log_tail"]
    assert "FAILED (exit 1)" in report["summary"]


def test_a_scanner_error_exits_3_and_still_uploads_the_runs_that_worked(
        runner: Runner, tmp_path: Path) -> None:
    # bandit cannot finish in a millisecond (the action passes on no GATE_<NAME>_COMMAND)
    repo, base = _workspace(tmp_path / "ws", {
        "util.py": CLEAN.replace("greet", "wave"),
        "gate.toml": "version = 1\n[scanners.bandit]\ntimeout = 0.001\n"})
    report = runner.run(repo, "pull_request", _pull_request(base),
                        {"policy-ref": "working-tree"}, {"ref": "refs/pull/7/merge"})
    assert report["failed"] is True
    assert report["outputs"]["verdict"] == "error"
    assert "exited with code 3" in _step(report, "Fail with")["log_tail"]
    assert len(report["uploads"]) == 1 and report["uploads"][0]["runs"] == 3  # not bandit
    assert "### Scanner errors" in report["summary"] and "**bandit**" in report["summary"]


def test_no_gate_variable_of_the_workflow_reaches_the_gate(runner: Runner,
                                                          tmp_path: Path) -> None:
    """A workflow's ``env:`` with a pinned date and a replaced bandit: the action drops both
    (either would change the verdict), so bandit runs for real and its finding fails."""
    repo, base = _workspace(tmp_path / "ws", {"report.py": SHELL})
    quiet = fake_tool(tmp_path / "quiet.py", "print('{\"results\": [], \"errors\": []}')")
    report = runner.run(repo, "pull_request", _pull_request(base), github={
        "ref": "refs/pull/7/merge"}, env={"GATE_TODAY": "2000-01-01",
                                          "GATE_BANDIT_COMMAND": quiet})
    assert report["outputs"]["verdict"] == "fail" and report["failed"] is True
    assert "B602" in report["summary"]
    assert "Override" not in report["summary"] and "OVERRIDE" not in json.dumps(report)


@pytest.mark.parametrize("kind", ["sarif", "json"])
def test_the_baseline_input_takes_a_sarif_or_json_report(runner: Runner, tmp_path: Path,
                                                         kind: str) -> None:
    repo, _ = _workspace(tmp_path / "ws", {"report.py": SHELL})
    earlier = tmp_path / f"earlier.{kind}"
    made = subprocess.run(
        [sys.executable, "-P", "-m", "gate", "scan", ".", "--no-cache", f"--{kind}",
         str(earlier)], cwd=repo, capture_output=True, text=True, timeout=600,
        env={k: v for k, v in os.environ.items() if k != "GITHUB_ACTIONS"})
    assert made.returncode == 1, made.stdout + made.stderr
    report = runner.run(repo, "push", {"repository": {"default_branch": "main"}},
                        {"baseline": str(earlier), "new-only": "true"},
                        {"ref": "refs/heads/change"})
    assert report["outputs"]["verdict"] == "pass" and report["failed"] is False, report["steps"]


def test_two_shard_jobs_and_a_merge_job(runner: Runner, tmp_path: Path) -> None:
    repo, base = _workspace(tmp_path / "ws", {"report.py": SHELL, "util.py": CLEAN})
    event = _pull_request(base)
    for index in (1, 2):
        shard = runner.run(repo, "pull_request", event, {"shard": f"{index}/2"})
        assert shard["failed"] is False, shard["steps"]
        assert shard["uploads"] == []
        assert shard["outputs"]["shard-report"] == f"gate-shard-{index}-2.json"
        assert shard["outputs"]["verdict"] in ("pass", "fail")  # of its own part
        assert "Partial scan of" in shard["summary"]
        # each matrix job has a checkout of its own: keep the report out of the next one
        shutil.move(repo / f"gate-shard-{index}-2.json", tmp_path / f"gate-shard-{index}-2.json")
    for index in (1, 2):  # the merge job downloads both reports as artifacts
        shutil.move(tmp_path / f"gate-shard-{index}-2.json", repo / f"gate-shard-{index}-2.json")
    merged = runner.run(repo, "pull_request", event, {"merge": "gate-shard-*.json"})
    assert merged["failed"] is True and merged["outputs"]["verdict"] == "fail"
    assert len(merged["uploads"]) == 1 and merged["uploads"][0]["runs"] == 4
    assert "B602" in merged["summary"]


def test_a_tampered_install_cache_never_changes_what_is_installed(runner: Runner,
                                                                  tmp_path: Path) -> None:
    store = tmp_path / "store"
    shutil.copytree(runner.store, store)
    wheel = next(store.glob("secops-gate-install-*/0/idna-*.whl"))
    with zipfile.ZipFile(wheel, "a") as archive:  # same name, other content
        archive.writestr("idna/planted.py", "raise SystemExit('planted')\n")
    tampered = Runner(runner.action, store, runner.temp)
    repo, base = _workspace(tmp_path / "ws", {"util.py": CLEAN.replace("greet", "wave")})
    report = tampered.run(repo, "pull_request", _pull_request(base))
    assert _step(report, "Install")["outcome"] == "success"
    assert report["outputs"]["verdict"] == "pass" and report["failed"] is False
    assert list((runner.temp / "secops-gate-venv").rglob("planted.py")) == []
    # the tampered wheel failed its hash, so the pinned one was downloaded again
    used = next((runner.temp / "secops-gate-wheels").glob("idna-*.whl")).read_bytes()
    digest = hashlib.sha256(used).hexdigest()
    assert f"--hash=sha256:{digest}" in (REPO_ROOT / "requirements/action.txt").read_text()
    assert digest != hashlib.sha256(wheel.read_bytes()).hexdigest()


ZIZMOR_TOKEN = "zizmor-online-token-5c0ffee"
WORKFLOW_TEXT = ("on: push\npermissions: {}\njobs:\n  build:\n    runs-on: ubuntu-latest\n"
                 "    steps:\n      - run: echo hi\n")


def test_the_github_token_input_leaks_nowhere(runner: Runner, tmp_path: Path) -> None:
    """The input reaches the gate step alone (as INPUT_GITHUB_TOKEN, exported there as
    GATE_GITHUB_TOKEN, which the gate hands to zizmor only: tests/scanners/test_zizmor.py)
    and appears in no log, output, summary, SARIF or cache. The Action passes on no GATE_*
    variable of the job, so a stand-in command cannot be slipped in to watch zizmor here."""
    action = (REPO_ROOT / "action.yml").read_text(encoding="utf-8")
    assert action.count("inputs.github-token") == 1
    assert "INPUT_GITHUB_TOKEN: ${{ inputs.github-token }}" in action
    assert 'export GATE_GITHUB_TOKEN="$INPUT_GITHUB_TOKEN"' in action
    repo, base = _workspace(tmp_path / "ws", {})
    report = runner.run(repo, "pull_request", _pull_request(base),
                        {"github-token": ZIZMOR_TOKEN}, github={"ref": "refs/pull/7/merge"})
    assert report["failed"] is False and report["outputs"]["verdict"] == "pass", report["steps"]
    assert ZIZMOR_TOKEN not in json.dumps(report)
    assert ZIZMOR_TOKEN not in (repo / "gate.sarif").read_text(encoding="utf-8")
    for path in [*runner.store.rglob("*"), *runner.temp.rglob("secops-gate-cache/**/*")]:
        assert ZIZMOR_TOKEN not in path.name
        if path.is_file() and path.stat().st_size < 50_000_000:
            assert ZIZMOR_TOKEN.encode() not in path.read_bytes(), path
    code, last = validate_sarif(repo / "gate.sarif")
    assert code == 0, last


def test_without_the_input_zizmor_runs_offline_whatever_the_job_sets(
        runner: Runner, tmp_path: Path) -> None:
    """A GATE_GITHUB_TOKEN in the job's environment does not reach the gate: the real
    zizmor runs offline (online, with no network here, it would fail the scan)."""
    repo, base = _workspace(tmp_path / "ws", {".github/workflows/ci.yml": WORKFLOW_TEXT})
    report = runner.run(repo, "pull_request", _pull_request(base),
                        github={"ref": "refs/pull/7/merge"},
                        env={"GATE_GITHUB_TOKEN": "outer"})
    assert report["failed"] is False, report["steps"]
    sarif = (repo / "gate.sarif").read_text(encoding="utf-8")
    assert "--offline" in sarif
