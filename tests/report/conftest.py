"""A repository that exercises every part of the report: findings from all five scanners, a
cross-tool duplicate, waivers (active, expiring, expired, unused), a baseline with new,
unchanged and absent findings, a defaulted severity and a hostile file name; scanned once."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.deps.conftest import RECORDS, write_database
from tests.faults.conftest import INDEX, WORKFLOW, github_token
from tests.helpers import FIXTURES, GateRun, load_json, make_repo, run_gate

TODAY = "2026-06-01"
ENV = {"GATE_TODAY": TODAY}
HOSTILE = "</script><img src=x onerror=alert(1)>.py"
LEVELS = ("critical", "high", "medium", "low")

APP = '''"""Runs a report."""
import subprocess


def run_report(name):
    subprocess.call("report " + name, shell=True)
'''
LEGACY = '''import hashlib


def digest(data):
    return hashlib.md5(data).hexdigest()
'''
NEW = '''import subprocess


def deploy(target):
    subprocess.call("deploy " + target, shell=True)
'''
POLICY = '''version = 1
warn_before_days = 14

[scanners.pip-audit]
advisory_db = {db!r}
index_url = {index!r}

[[waivers]]
rule = "template-injection"
reason = "the input is a fixed label"
expires = 2026-12-31
owner = "appsec"
ticket = "SEC-1"

[[waivers]]
rule = "B324"
paths = ["legacy.py"]
reason = "a checksum, not a security hash"
expires = 2026-06-06

[[waivers]]
rule = "betterleaks.github-pat"
reason = "a test token"
expires = 2026-05-20

[[waivers]]
rule = "B301"
reason = "pickle is going away"
expires = 2026-09-01
'''


@dataclass(frozen=True)
class Scanned:
    """The repository, its policy and baseline, and the reports of one full scan."""

    repo: Path
    policy: Path
    baseline: Path
    out: Path
    run: GateRun

    @property
    def report(self) -> dict[str, Any]:
        return load_json(self.out / "report.json")

    def args(self, *extra: str) -> list[str]:
        """``gate scan`` arguments as the fixture's scan used them."""
        return ["scan", ".", "--policy", str(self.policy), "--baseline", str(self.baseline),
                "--new-only", "--cache-dir", str(self.out.parent / "cache"), *extra]

    def gate(self, *args: str) -> GateRun:
        return run_gate(*args, cwd=self.repo, env=ENV)


def build(tmp: Path) -> Scanned:
    """Write the repository, record the baseline, change the tree, scan it with every output."""
    repo = make_repo(tmp / "repo", files={
        "app.py": APP, "legacy.py": LEGACY, "old.py": APP.replace("report", "old"),
        "requirements.txt": "requests==2.19.0\nflask==0.12.2\n",
        "config.env": f"DEBUG=1\nGH_PAT={github_token()}\n",
    })
    (repo / WORKFLOW).parent.mkdir(parents=True)
    shutil.copy(FIXTURES / "config" / "zizmor-repo" / WORKFLOW, repo / WORKFLOW)
    db = write_database(tmp / "osv-db", {k: RECORDS[k] for k in (
        "requests/PYSEC-9999-1.json", "flask/PYSEC-9999-4.yaml")})
    policy = tmp / "policy.toml"
    policy.write_text(POLICY.format(db=str(db), index=INDEX.as_uri() + "/"), encoding="utf-8")
    baseline = tmp / "baseline.json"
    created = run_gate("baseline", "create", ".", "-o", str(baseline), "--policy", str(policy),
                       cwd=repo, env=ENV)
    assert created.code == 0, created.output
    (repo / "old.py").write_text('"""Fixed: nothing runs a shell any more."""\n', encoding="utf-8")
    (repo / "new.py").write_text(NEW, encoding="utf-8")
    hostile = repo / HOSTILE
    hostile.parent.mkdir(parents=True, exist_ok=True)
    hostile.write_text("def pick(text):\n    return eval(text)\n", encoding="utf-8")
    out = tmp / "out"
    out.mkdir()
    scanned = Scanned(repo, policy, baseline, out, GateRun(0, "", ""))
    run = scanned.gate(*scanned.args(
        "--json", str(out / "report.json"), "--html", str(out / "report.html"),
        "--junit", str(out / "report.xml"), "--sarif", str(out / "report.sarif"),
        "--codequality", str(out / "codequality.json"),
        "--gitlab-sast", str(out / "gl-sast-report.json")))
    return Scanned(repo, policy, baseline, out, run)


@pytest.fixture(scope="session")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> Scanned:
    return build(tmp_path_factory.mktemp("report"))
