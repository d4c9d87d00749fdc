"""The ``.gitlab-ci.yml`` job in docs/integrations.md, its ``script:`` run for real on a merge
request that adds a command injection and loosens the policy: the target branch's policy
applies (fetched as the job fetches it), the job fails, and the two files its
``artifacts: reports:`` upload are the gate's Code Quality and SAST reports."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from tests.helpers import REPO_ROOT, git, make_repo, validate_sarif
from tests.report.test_gitlab import SCHEMA, check_code_quality

pytestmark = pytest.mark.slow  # runs every scanner on a merge-request checkout

DOC = REPO_ROOT / "docs" / "integrations.md"
SHELL = ('"""Runs a report."""\nimport subprocess\n\n\ndef run_report(name):\n'
         '    subprocess.call("report " + name, shell=True)\n')


def _job() -> dict[str, Any]:
    text = DOC.read_text(encoding="utf-8")
    block = re.search(r"```yaml\n(# \.gitlab-ci\.yml\n.*?)```", text, re.S)
    assert block is not None
    job: dict[str, Any] = yaml.safe_load(block[1])["secops-gate"]
    return job


def test_the_job_reads_the_target_branchs_policy_and_uploads_both_reports(
        tmp_path: Path) -> None:
    job = _job()
    assert job["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "merge_request_event"'}]
    assert job["artifacts"]["when"] == "always"
    reports = job["artifacts"]["reports"]
    origin = make_repo(tmp_path / "origin", {"app.py": '"""Clean."""\n',
                                             "gate.toml": 'version = 1\nfail_on = "medium"\n'})
    checkout = tmp_path / "checkout"
    git(tmp_path, "clone", "-q", str(origin), str(checkout))
    git(checkout, "checkout", "-q", "-b", "feature")
    (checkout / "report.py").write_text(SHELL, encoding="utf-8")
    (checkout / "gate.toml").write_text('version = 1\nfail_on = "none"\n', encoding="utf-8")
    git(checkout, "add", "-A")
    git(checkout, "commit", "-q", "-m", "feature")
    git(checkout, "update-ref", "-d", "refs/remotes/origin/main")  # as a runner's checkout
    gate = str(Path(sys.executable).parent / "gate")
    script = "\n".join(["set -e", *(line.replace("/opt/gate-venv/bin/gate", gate)
                                     for line in job["script"])])
    env = {**os.environ, "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main", "GATE_TODAY":
           "2026-06-01"}
    env.pop("GITHUB_ACTIONS", None)
    proc = subprocess.run(["bash", "--noprofile", "--norc", "-c", script], cwd=checkout,
                          env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "POLICY CHANGED" in proc.stdout + proc.stderr
    entries = json.loads((checkout / reports["codequality"]).read_text(encoding="utf-8"))
    check_code_quality(entries)
    assert [(e["check_name"], e["location"]["path"], e["location"]["lines"]["begin"])
            for e in entries if e["description"].startswith("fail: ")] == [
        ("B602", "report.py", 6)]
    sast = json.loads((checkout / reports["sast"]).read_text(encoding="utf-8"))
    jsonschema.validate(sast, SCHEMA)
    assert [v["location"]["file"] for v in sast["vulnerabilities"]] == ["report.py"]
    assert (checkout / reports["junit"]).is_file()
    code, last = validate_sarif(checkout / "gate.sarif")
    assert code == 0, last
