"""The outputs people expect: '-' for standard output, -h, choices in --help, colour only at
a terminal, the "to waive:" hint, remediation for code findings, 'gate report' and the
what-if of 'gate policy explain'."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.deps.conftest import RECORDS, write_database
from tests.faults.conftest import INDEX
from tests.helpers import load_json, make_repo, run_gate, validate_sarif, waive_blocks

pytestmark = pytest.mark.slow  # a real scan per output flag

ENV = {"GATE_TODAY": "2026-06-01", "COLUMNS": "200"}
# TLS verification off (B501, high) on line 5: fails the default preset on bandit's word
# alone (a bare shell sink only warns there).
SHELL = "import requests\n\n\ndef run(url):\n    requests.get(url, verify=False, timeout=5)\n"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo", files={"app.py": SHELL, "tools/job.py": SHELL,
                                               "other.py": "import pickle\n\n\n"
                                               "def load(b):\n    return pickle.loads(b)\n"})


def _scan(repo: Path, *args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return run_gate("scan", ".", "--scanners", "bandit", "--no-cache", *args, cwd=repo,
                    env={**ENV, **(env or {})})


@pytest.mark.parametrize("flag", ["--sarif", "--json", "--junit"])
def test_a_dash_writes_the_report_to_stdout_and_the_console_report_to_stderr(
        repo: Path, flag: str, tmp_path: Path, sarif_validator: None) -> None:
    result = _scan(repo, flag, "-")
    assert result.code == 1, result.output
    assert not (repo / "-").exists()
    assert result.stderr.startswith("gate: FAILED (exit 1)")
    if flag == "--junit":
        assert ET.fromstring(result.stdout).get("failures") == "2"
        return
    data = json.loads(result.stdout)
    if flag == "--json":
        assert data["counts"]["fail"] == 2
        return
    path = tmp_path / "out.sarif"
    path.write_text(result.stdout, encoding="utf-8")
    code, last = validate_sarif(path)
    assert code == 0, last


def test_only_one_output_can_be_stdout(repo: Path) -> None:
    result = _scan(repo, "--sarif", "-", "--junit", "-")
    assert result.code == 2
    assert "gate: error: --sarif and --junit: only one output can be '-'" in result.stderr


@pytest.mark.parametrize("argv", [["-h"], ["scan", "-h"], ["evaluate", "-h"], ["report", "-h"],
                                  ["policy", "explain", "-h"], ["baseline", "create", "-h"]])
def test_dash_h_is_help(argv: list[str], tmp_path: Path) -> None:
    result = run_gate(*argv, cwd=tmp_path, env=ENV)
    assert result.code == 0, result.output
    assert "Usage: gate" in result.stdout


def test_help_shows_the_choices(tmp_path: Path) -> None:
    out = run_gate("scan", "-h", cwd=tmp_path, env=ENV).stdout
    assert "[critical|high|medium|low|info|none]" in out
    assert "[text|markdown|github]" in out
    assert "[bandit|semgrep|pip-audit|zizmor|secrets|bidi]" in out
    assert "[critical|high|medium|low|info|none]" in run_gate("evaluate", "-h", cwd=tmp_path,
                                                              env=ENV).stdout


def _at_a_terminal(repo: Path, env: dict[str, str]) -> str:
    """The gate's output when its stdout and stderr are a terminal."""
    leader, follower = pty.openpty()
    full = {**os.environ, **ENV, **env}
    full.pop("GITHUB_ACTIONS", None)
    proc = subprocess.Popen([sys.executable, "-P", "-m", "gate", "scan", ".", "--scanners",
                             "bandit", "--no-cache"], cwd=repo, env=full, stdout=follower,
                            stderr=follower, stdin=subprocess.DEVNULL)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    proc.wait(timeout=120)
    os.close(leader)
    return b"".join(chunks).decode("utf-8", "replace")


def test_colour_at_a_terminal_unless_no_color(repo: Path) -> None:
    coloured = _at_a_terminal(repo, {})
    assert "gate: \x1b[1;31mFAILED\x1b[0m (exit 1)" in coloured
    assert "\x1b[1;31mhigh    \x1b[0m" in coloured
    plain = _at_a_terminal(repo, {"NO_COLOR": "1"})
    assert "gate: FAILED (exit 1)" in plain and "\x1b[1;31m" not in plain
    piped = _scan(repo)
    assert "\x1b[" not in piped.output


def test_the_to_waive_block_pastes_into_a_policy_that_works(repo: Path, tmp_path: Path
                                                            ) -> None:
    result = _scan(repo, "--fail-on", "medium")
    blocks = waive_blocks(result.stdout)
    assert len(blocks) == 2  # B501 (first of two findings) and B301: one per failing rule
    assert blocks[0] == ('        [[waivers]]\n        rule = "B501"\n        paths = ["/app.py"]\n'
                         '        reason = "why this finding is acceptable"\n'
                         '        expires = 2026-07-01')
    lines = result.stdout.splitlines()
    at = lines.index("      to waive:")
    assert lines[at - 1].startswith("      fix: See https://bandit.readthedocs.io/")
    policy = tmp_path / "gate.toml"
    policy.write_text("version = 1\n[scanners.bandit]\ntimeout = 300\n" + "\n".join(blocks)
                      + "\n", encoding="utf-8")  # pasted as printed, indentation and all
    checked = run_gate("policy", "check", str(policy), cwd=repo, env=ENV)
    assert checked.code == 0, checked.output
    assert "2 waiver(s)" in checked.stdout
    again = _scan(repo, "--policy", str(policy), "--fail-on", "medium", "--json",
                  str(tmp_path / "r.json"))
    report = load_json(tmp_path / "r.json")
    waived = sorted((f["rule_id"], f["path"]) for f in report["findings"]
                    if f["disposition"] == "waived")
    assert waived == [("B301", "other.py"), ("B501", "app.py")], again.output
    assert again.code == 1  # tools/job.py's B501 is not waived by app.py's entry
    assert "B501" in again.stdout.split("FAIL (1):")[1]


def test_the_commit_hooks_blocking_message_says_how_to_fix_and_to_waive(repo: Path) -> None:
    result = run_gate("scan", "--hook", "--scanners", "bandit", "--no-cache", "--fail-on",
                      "medium", "--", "app.py", cwd=repo, env=ENV)
    assert result.code == 1, result.output
    lines = result.stdout.splitlines()
    at = next(i for i, line in enumerate(lines) if "app.py:5 bandit/B501" in line)
    assert lines[at + 1].startswith("      fix: See https://bandit.readthedocs.io/")
    assert lines[at + 2] == "      to waive:"
    assert waive_blocks(result.stdout)[0].splitlines()[1] == '        rule = "B501"'


def test_a_vulnerable_pin_gets_a_waiver_by_advisory_and_package(tmp_path: Path) -> None:
    db = write_database(tmp_path / "osv-db", {"requests/PYSEC-9999-1.json":
                                              RECORDS["requests/PYSEC-9999-1.json"]})
    repo = make_repo(tmp_path / "repo", files={"requirements.txt": "requests==2.19.0\n"})
    index = f'version = 1\n[scanners.pip-audit]\nindex_url = "{INDEX.as_uri()}/"\n'
    policy = tmp_path / "gate.toml"
    policy.write_text(index, encoding="utf-8")
    args = ["scan", ".", "--scanners", "pip-audit", "--no-cache", "--advisory-db", str(db),
            "--policy", str(policy)]
    result = run_gate(*args, cwd=repo, env=ENV)
    assert result.code == 1, result.output
    [block] = waive_blocks(result.stdout)
    assert [line.strip() for line in block.splitlines()] == [
        "# requests 2.19.0: PYSEC-9999-1 (also CVE-9999-0001, GHSA-aaaa-bbbb-cccc)",
        "[[waivers]]", 'rule = "PYSEC-9999-1"', 'paths = ["/requirements.txt"]',
        'reason = "why this finding is acceptable"', "expires = 2026-07-01"]
    assert "      fix: Upgrade requests to 2.20.0 or later" in result.stdout
    policy.write_text(index + block + "\n", encoding="utf-8")
    checked = run_gate("policy", "check", str(policy), cwd=repo, env=ENV)
    assert checked.code == 0 and "1 waiver(s)" in checked.stdout, checked.output
    again = run_gate(*args, cwd=repo, env=ENV)
    assert again.code == 0, again.output
    assert "WAIVED (1):" in again.stdout


def test_remediation_is_shown_for_code_findings(repo: Path) -> None:
    result = run_gate("scan", ".", "--scanners", "semgrep", "--no-cache", cwd=repo, env=ENV)
    lines = result.stdout.splitlines()
    at = next(i for i, line in enumerate(lines)
              if "semgrep/python-http-tls-verify-disabled" in line)
    assert lines[at + 1].startswith("      fix: ") and len(lines[at + 1]) > 20, result.stdout
    bandit = _scan(repo).stdout.splitlines()
    at = next(i for i, line in enumerate(bandit) if "bandit/B501" in line)
    assert bandit[at + 1].startswith("      fix: See https://bandit.readthedocs.io/")


def test_gate_report_and_evaluate_read_the_json_report(repo: Path, tmp_path: Path) -> None:
    report = tmp_path / "r.json"
    first = _scan(repo, "--json", str(report))
    html = tmp_path / "r.html"
    made = run_gate("report", str(report), "-o", str(html), cwd=repo, env=ENV)
    assert made.code == 0, made.output
    page = html.read_text(encoding="utf-8")
    assert 'data-verdict="fail"' in page and 'data-fail-on="medium" data-failing="3"' in page
    judged = run_gate("evaluate", str(report), "--json", "-", cwd=repo, env=ENV)
    assert judged.code == first.code == 1
    assert json.loads(judged.stdout)["counts"] == load_json(report)["counts"]
    later = run_gate("evaluate", str(report), "-q", cwd=repo,
                     env={**ENV, "GATE_TODAY": "2026-06-02"}, )
    assert later.code == 1


def test_gate_report_refuses_what_is_not_a_json_report(repo: Path, tmp_path: Path) -> None:
    sarif = tmp_path / "x.sarif"
    _scan(repo, "--sarif", str(sarif))
    for bad in (sarif, tmp_path / "missing.json"):
        result = run_gate("report", str(bad), "-o", str(tmp_path / "x.html"), cwd=repo,
                          env=ENV)
        assert result.code == 2, result.output
        assert f"gate: error: {bad}" in result.stderr and "Traceback" not in result.output
    mixed = run_gate("evaluate", str(sarif), str(tmp_path / "r.json"), cwd=repo, env=ENV)
    assert mixed.code == 2


def test_policy_explain_what_if(repo: Path, tmp_path: Path) -> None:
    report, sarif = tmp_path / "r.json", tmp_path / "r.sarif"
    _scan(repo, "--json", str(report), "--sarif", str(sarif))
    out = run_gate("policy", "explain", str(report), "--what-if", cwd=repo, env=ENV).stdout
    table = out.split("WHAT IF")[1].splitlines()
    assert table[2].split()[:3] == ["critical", "0", "pass"]
    assert table[3].split()[:3] == ["high", "2", "fail"]
    assert table[4].split()[:4] == ["medium", "3", "fail", "+bandit/B301"]
    assert table[5].split()[:4] == ["low", "4", "fail", "+bandit/B301"]  # and B403
    from_sarif = run_gate("policy", "explain", str(sarif), "--what-if", cwd=repo,
                          env=ENV).stdout.split("WHAT IF")[1]
    assert ">=3" in from_sarif.splitlines()[5] and "lower levels may fail more" in from_sarif
    alone = run_gate("policy", "explain", "--what-if", cwd=repo, env=ENV)
    assert alone.code == 2 and "--what-if needs a SARIF or JSON report" in alone.stderr
