"""A file's kind cannot be switched off from inside it.

Each test builds a hostile tree at test time and runs the gate with the real tool: what
used to pass (a scanner never got the file, or its finding was waived by a comment it
never saw) now fails, or the file is named with the scanner's reason.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.faults.conftest import APP, WORKFLOW
from tests.helpers import FIXTURES, fake_tool, git, load_json, make_repo, run_gate

pytestmark = pytest.mark.slow  # a real scanner run (and a gate process) per fixture

POD = """apiVersion: v1
kind: Pod
metadata:
  name: web
# {{ "a comment holding braces is no Helm template" }}
spec:
  containers:
    - name: web
      image: nginx:1.27@sha256:0000000000000000000000000000000000000000000000000000000000000000
      securityContext:
        privileged: true
"""


def scan(repo: Path, tmp: Path, *args: str) -> tuple[int, str, dict[str, Any]]:
    """``gate scan . --no-cache --json``: exit code, console, report."""
    out = tmp / "out.json"
    done = run_gate("scan", ".", "--no-cache", "--json", str(out), *args, cwd=repo)
    assert out.exists(), done.output
    return done.code, done.output, load_json(out)


def failing(report: dict[str, Any]) -> set[tuple[str, str]]:
    return {(f["path"], f["rule_id"]) for f in report["findings"]
            if f["disposition"] == "fail"}


def skips(report: dict[str, Any], scanner: str) -> list[tuple[str, str]]:
    return [(s["path"], s["reason"]) for r in report["runs"] if r["scanner"] == scanner
            for s in r["skipped"]]


def test_braces_in_a_comment_do_not_hide_a_manifest(tmp_path: Path) -> None:
    """``# {{ }}`` made a Kubernetes file a Helm template that semgrep never got; templates
    are now known by their chart (``Chart.yaml`` above ``templates/``)."""
    repo = make_repo(tmp_path / "r", {
        "k8s/pod.yaml": POD,
        "charts/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
        "charts/web/templates/pod.yaml": POD.replace("name: web", "name: {{ .Values.n }}"),
    })
    code, output, report = scan(repo, tmp_path, "--scanners", "semgrep")
    assert code == 1, output
    assert ("k8s/pod.yaml", "k8s-privileged-container") in failing(report)
    assert not any(p.startswith("charts/") for p, _ in failing(report))
    assert skips(report, "semgrep") == []  # the chart's template was not given to semgrep


def test_a_workflow_with_a_bom_is_audited(tmp_path: Path) -> None:
    """GitHub runs a workflow that starts with a UTF-8 BOM; zizmor could not load it, so the
    audit was a warning. zizmor now reads it without the BOM."""
    repo = make_repo(tmp_path / "r", {"README.md": "x\n"})
    text = (FIXTURES / "config" / "zizmor-repo" / WORKFLOW).read_bytes()
    (repo / WORKFLOW).parent.mkdir(parents=True)
    (repo / WORKFLOW).write_bytes(b"\xef\xbb\xbf" + text)
    code, output, report = scan(repo, tmp_path, "--scanners", "zizmor")
    assert code == 1, output
    assert (WORKFLOW, "dangerous-triggers") in failing(report)
    assert skips(report, "zizmor") == []
    notes = [n for r in report["runs"] for n in r["notes"]]
    assert any("byte order mark" in n and WORKFLOW in n for n in notes)


def test_a_dockerfile_with_a_nul_byte_is_named_once(tmp_path: Path) -> None:
    """A NUL byte kept a Dockerfile from semgrep, unnamed; semgrep now gets it and the gate
    names it with semgrep's reason, once, and does not count it as analysed."""
    repo = make_repo(tmp_path / "r", {"README.md": "x\n"}, commit=False)
    (repo / "Dockerfile").write_bytes(b"FROM python:3.12\nRUN echo \x00 hi\nUSER root\n")
    git(repo, "add", "-A")
    code, output, report = scan(repo, tmp_path, "--scanners", "semgrep",
                                "--fail-on", "none")
    assert skips(report, "semgrep") == [("Dockerfile", "PartialParsing")], output
    assert output.count("Dockerfile (semgrep: PartialParsing)") == 1
    assert report["coverage"]["content_scanners"] == 0
    strict = tmp_path / "strict.toml"
    strict.write_text('version = 1\non_skipped_files = "fail"\n', encoding="utf-8")
    code, output, _ = scan(repo, tmp_path, "--scanners", "semgrep", "--policy", str(strict))
    assert code == 1 and "Dockerfile (semgrep: PartialParsing)" in output


def test_a_timeout_reported_per_rule_lists_the_file_once(tmp_path: Path) -> None:
    """A 1.1 MB Dockerfile timed semgrep out on two rules: one error each, and the warning
    named the file twice (semgrep's JSON as it prints it, replayed)."""
    repo = make_repo(tmp_path / "r", {"Dockerfile": "FROM python:3.12\n"})
    errors = [{"code": 2, "level": "warn", "type": "Timeout", "path": "Dockerfile",
               "rule_id": rule, "message": f"Timeout when running {rule}"}
              for rule in ("dockerfile-user-root", "dockerfile-latest")]
    output = json.dumps({"version": "1.185.0", "results": [], "errors": errors})
    command = fake_tool(tmp_path / "semgrep.py", f"print({output!r})")
    done = run_gate("scan", ".", "--no-cache", "--scanners", "semgrep", cwd=repo,
                    env={"GATE_SEMGREP_COMMAND": command})
    assert done.output.count("Dockerfile (semgrep: Timeout)") == 1, done.output
    assert "1 file(s) skipped by a scanner" in done.output


def test_bandit_reads_python_under_dot_github(tmp_path: Path) -> None:
    """bandit's default exclude list matched ``.git`` inside ``.github``: the script was
    listed as "bandit did not read it" and the injection passed."""
    repo = make_repo(tmp_path / "r", {".github/scripts/release.py": APP})
    code, output, report = scan(repo, tmp_path, "--scanners", "bandit", "--fail-on", "medium")
    assert code == 1, output
    assert (".github/scripts/release.py", "B602") in failing(report)
    assert skips(report, "bandit") == []
    assert report["coverage"]["content_scanners"] == 1


def test_coverage_counts_only_files_a_content_scanner_read(tmp_path: Path) -> None:
    """A Python file bandit cannot parse was counted as analysed."""
    repo = make_repo(tmp_path / "r", {"broken.py": "def f(:\n    pass\n"})
    _, output, report = scan(repo, tmp_path, "--scanners", "bandit")
    assert report["coverage"]["content_scanners"] == 0, output
    assert "0 analysed by a content scanner" in output


def test_a_source_encoding_cannot_move_a_call_under_a_nosec(tmp_path: Path) -> None:
    """``# coding: unicode_escape``: Python reads ``#\\n`` as a line break, so the call is on
    line 4 for bandit, while line 4 of the raw text holds ``# nosec``. Lines are now read as
    Python decodes them: the comment is on line 5, and the finding is not waived."""
    repo = make_repo(tmp_path / "r", {"app.py": (
        "# coding: unicode_escape\n"
        "import subprocess\n"
        "x = 1  #\\nsubprocess.call(input(), shell=True)\n"
        "y = 2  # nosec\n")})
    _, output, report = scan(repo, tmp_path, "--scanners", "bandit")
    b602 = [f for f in report["findings"] if f["rule_id"] == "B602"]
    assert [(f["start_line"], f["disposition"]) for f in b602] == [(4, "warn")], output


def test_evaluate_keeps_a_result_at_a_dotted_path(tmp_path: Path) -> None:
    """``src/../app.py`` was dropped as outside the root and the critical result passed."""
    repo = make_repo(tmp_path / "r", {"app.py": APP})
    sarif = tmp_path / "other.sarif"
    sarif.write_text(json.dumps({"version": "2.1.0", "runs": [{
        "tool": {"driver": {"name": "other", "rules": [{
            "id": "X1", "properties": {"security-severity": "9.8"}}]}},
        "results": [
            {"ruleId": "X1", "message": {"text": "critical"}, "locations": [
                {"physicalLocation": {"artifactLocation": {"uri": "src/../app.py"},
                                      "region": {"startLine": 6}}}]},
            {"ruleId": "X1", "message": {"text": "leaves"}, "locations": [
                {"physicalLocation": {"artifactLocation": {"uri": "src/../../x.py"},
                                      "region": {"startLine": 1}}}]}]}]}),
        encoding="utf-8")
    out = tmp_path / "e.json"
    done = run_gate("evaluate", str(sarif), "--json", str(out), cwd=repo)
    assert done.code == 1, done.output
    assert failing(load_json(out)) == {("app.py", "X1")}
    assert "src/../../x.py" in done.output  # really outside: still refused, with a warning


def test_changed_since_follows_requirement_includes(tmp_path: Path) -> None:
    """A pin edited in ``pins.txt``, which an unchanged ``requirements.txt`` includes with
    ``-r``, was outside ``--changed-since``: the including manifest now counts as changed."""
    from tests.deps.conftest import RECORDS, write_database
    from tests.faults.conftest import INDEX

    repo = make_repo(tmp_path / "r", {"requirements.txt": "-r pins.txt\n",
                                      "pins.txt": "requests==2.31.0\n"})
    (repo / "pins.txt").write_text("requests==2.19.0\n", encoding="utf-8")
    git(repo, "commit", "-qam", "pin")
    db = write_database(tmp_path / "osv-db", {
        "requests/PYSEC-9999-1.json": RECORDS["requests/PYSEC-9999-1.json"]})
    policy = tmp_path / "policy.toml"
    policy.write_text(f"version = 1\n[scanners.pip-audit]\nadvisory_db = {str(db)!r}\n"
                      'offline_engine = "pip-audit"\n'
                      f"index_url = {INDEX.as_uri() + '/'!r}\n", encoding="utf-8")
    code, output, report = scan(repo, tmp_path, "--scanners", "pip-audit", "--policy",
                                str(policy), "--changed-since", "HEAD~1")
    assert code == 1, output
    assert any(rule == "PYSEC-9999-1" for _, rule in failing(report)), output
    assert set(report["scanned"]) >= {"pins.txt", "requirements.txt"}

