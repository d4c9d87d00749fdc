"""A repository that triggers every scanner, and the policy that keeps pip-audit offline."""

from __future__ import annotations

import random
import shutil
import string
import zlib
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.deps.conftest import RECORDS, write_database
from tests.helpers import FIXTURES, make_repo

WORKFLOW = ".github/workflows/pr-target.yml"
INDEX = (FIXTURES / "deps" / "index").resolve()
_B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase

# (scanner, ruleId, uri, line) each scanner finds in the repository below.
EXPECTED = {
    "bandit": ("bandit", "B602", "app.py", 6),
    "semgrep": ("semgrep", "python-subprocess-shell-non-literal", "app.py", 6),
    "zizmor": ("zizmor", "dangerous-triggers", WORKFLOW, 3),
    "pip-audit": ("pip-audit", "PYSEC-9999-1", "requirements.txt", 1),
    "secrets": ("secrets", "betterleaks.github-pat", "config.env", 2),
    "bidi": ("bidi", "gate/bidi-control", "notes.txt", 1),
}

# Request data in a shell command on line 6: bandit's B602 and semgrep's pattern rule see the
# sink (each warns alone), web-command-injection the flow (critical): one failing issue.
APP = '''"""Runs a report."""
import subprocess
from flask import request

def run_report():
    subprocess.call("report " + request.args["name"], shell=True)
'''


def github_token(seed: int = 7) -> str:
    """A random token in GitHub's personal access token format (checksum included)."""
    rnd = random.Random(seed)
    body = "".join(rnd.choice(string.ascii_letters + string.digits) for _ in range(30))
    number, text = zlib.crc32(body.encode()), ""
    while number:
        number, rest = divmod(number, 62)
        text = _B62[rest] + text
    return "gh" + "p_" + body + text.rjust(6, "0")


@dataclass(frozen=True)
class AllScanners:
    """The repository, and a policy file (outside it) for offline dependency audits."""

    repo: Path
    policy: Path
    token: str

    def policy_with(self, extra: str) -> Path:
        """A copy of the policy with ``extra`` TOML appended."""
        path = self.policy.with_name(f"policy-{abs(hash(extra))}.toml")
        path.write_text(self.policy.read_text(encoding="utf-8") + extra, encoding="utf-8")
        return path


def build_all_scanners(tmp: Path) -> AllScanners:
    """Write the repository and policy under ``tmp``."""
    token = github_token()
    repo = make_repo(tmp / "repo", files={
        "app.py": APP,
        "requirements.txt": "requests==2.19.0\n",
        "config.env": f"DEBUG=1\nGH_PAT={token}\n",
        "notes.txt": "Nothing to see \u202ehere.\n",  # a RIGHT-TO-LEFT OVERRIDE
    }, commit=False)
    (repo / ".github" / "workflows").mkdir(parents=True)
    shutil.copy(FIXTURES / "config" / "zizmor-repo" / WORKFLOW, repo / WORKFLOW)
    db = write_database(tmp / "osv-db", {
        "requests/PYSEC-9999-1.json": RECORDS["requests/PYSEC-9999-1.json"]})
    policy = tmp / "policy.toml"
    policy.write_text(
        "version = 1\n"
        "[scanners.pip-audit]\n"
        f"advisory_db = {str(db)!r}\n"
        'offline_engine = "pip-audit"\n'  # the faults are pip-audit's: let it run
        f"index_url = {INDEX.as_uri() + '/'!r}\n",
        encoding="utf-8",
    )
    return AllScanners(repo, policy, token)


@pytest.fixture
def all_scanners(tmp_path: Path) -> AllScanners:
    return build_all_scanners(tmp_path)
