"""GitHub mode end to end: GITHUB_ACTIONS=true, the step summary and outputs in temp files,
and a repository whose file names and contents try to act as workflow commands or HTML."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import make_repo

# B404 (low) at line 1 and B501 (high: TLS verification off, failing on bandit's word alone)
# at line 6.
SHELL = ("import subprocess\nimport requests\n\n\ndef run(url):\n"
         "    return requests.get(url, verify=False, timeout=5)\n")
HOSTILE_NAME = "::error title=x::pwned.py"
HTML_NAME = "<img src=x onerror=alert(1)>.py"


@pytest.fixture(scope="module")
def github_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, str, str, str]:
    base = tmp_path_factory.mktemp("gh")
    files = {HOSTILE_NAME: SHELL, HTML_NAME: SHELL,
             "secret.py": 'password = "<img src=x onerror=alert(1)>"\n'}
    files.update({f"m{i}.py": SHELL for i in range(12)})  # 14 x (B501 high, B404 low) + B105
    repo = make_repo(base / "repo", files)
    summary, output = base / "summary.md", base / "output.txt"
    summary.write_text("previous step\n", encoding="utf-8")
    env = {**os.environ, "GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary),
           "GITHUB_OUTPUT": str(output)}
    proc = subprocess.run([sys.executable, "-P", "-m", "gate", "scan", "--scanners", "bandit",
                           "--fail-on", "low", "--sarif", "gate.sarif"],
                          cwd=repo, env=env, capture_output=True, text=True, timeout=300)
    return (proc.returncode, proc.stdout, summary.read_text(encoding="utf-8"),
            output.read_text(encoding="utf-8"))


def _outside_fence(stdout: str) -> tuple[list[str], list[str]]:
    match = re.search(r"^::stop-commands::([0-9a-f]{32})$", stdout, re.M)
    assert match, stdout
    token = match.group(1)
    before = stdout[: match.start()].splitlines()
    rest = stdout[match.end():]
    end = rest.index(f"\n::{token}::\n")
    after = rest[end + len(f"\n::{token}::\n"):].splitlines()
    return before, after


def test_annotations_are_at_most_ten_and_fenced_report_follows(github_run) -> None:
    code, stdout, _, _ = github_run
    assert code == 1, stdout
    before, after = _outside_fence(stdout)
    assert after == []
    commands = [line for line in before if line.startswith("::error ")]
    assert len(commands) == 10, before
    assert before[-1].startswith("::notice ") and "more failing finding(s)" in before[-1]
    assert all(line.startswith(("::error ", "::warning ", "::notice ")) for line in before)


def test_hostile_file_names_stay_inert(github_run) -> None:
    _, stdout, summary, _ = github_run
    before, _ = _outside_fence(stdout)
    assert not any(line.startswith("::error title=x") for line in stdout.splitlines())
    joined = "\n".join(before)
    if "pwned" in joined:
        assert "file=%3A%3Aerror title=x%3A%3Apwned.py," in joined
    assert "<img" not in summary
    assert not any(line.startswith("::") for line in summary.splitlines())
    assert "&lt;img src\\=x onerror\\=alert\\(1\\)&gt;" in summary


def test_summary_is_appended_and_explains_the_verdict(github_run) -> None:
    _, _, summary, _ = github_run
    assert summary.startswith("previous step\n")
    assert "## secops-gate: ❌ FAILED (exit 1)" in summary
    assert "**Why:**" in summary and "at or above the fail level" in summary
    assert "| bandit | ok | 29 |" in summary
    assert "### Failing findings (29)" in summary
    assert "B501" in summary and "B105" in summary


def test_outputs_hold_the_verdict_and_counts(github_run) -> None:
    _, _, _, output = github_run
    values = {m.group(1): m.group(3) for m in
              re.finditer(r"^([a-z-]+)<<(\S+)\n(.*?)\n\2$", output, re.M | re.S)}
    assert values["verdict"] == "fail"
    assert values["exit-code"] == "1"
    assert values["failing"] == "29"
    assert values["findings"] == "29"
    assert values["sarif-file"] == "gate.sarif"


def test_markdown_format_prints_the_summary(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"a.py": SHELL})
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_ACTIONS"}
    proc = subprocess.run([sys.executable, "-P", "-m", "gate", "scan", "--scanners", "bandit",
                           "--format", "markdown"], cwd=repo, env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 1
    assert proc.stdout.startswith("## secops-gate: ❌ FAILED (exit 1)")
    assert "| high | a\\.py&#58;6 | bandit/B501 |" in proc.stdout
