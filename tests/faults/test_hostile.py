"""Hostile input, as a pull request's author or a foreign tool would send it: no credential
in any output, no repository code run, no traceback, no fail-open.

Every credential here is assembled at test time; the real tools run on each fixture.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.helpers import git, load_json, make_repo, run_gate, sarif_results

pytestmark = pytest.mark.slow  # a real scan per hostile fixture

# TLS verification off (B501, high) on line 2: fails the default preset on bandit's word alone.
HIT = "import requests\nrequests.get(input(), verify=False, timeout=5)\n"
NO_INDEX = "http://127.0.0.1:9/simple/"  # nothing listens on the discard port


def _token(prefix: str, n: int = 36) -> str:
    return prefix + "".join("Ab3dE6gH9k"[i % 10] for i in range(n))


def _outputs(tmp: Path, repo: Path, *args: str, env: dict[str, str] | None = None,
             cache: Path | None = None) -> tuple[int, str]:
    """Run the gate with every output; return its exit code and all it wrote, as one text."""
    out = tmp / "out"
    out.mkdir(exist_ok=True)
    summary, outputs = out / "summary.md", out / "github_output"
    full_env = {"GITHUB_STEP_SUMMARY": str(summary), "GITHUB_OUTPUT": str(outputs),
                **(env or {})}
    cache_args = ["--cache-dir", str(cache)] if cache else ["--no-cache"]
    result = run_gate("scan", ".", "--format", "github", "--sarif", str(out / "o.sarif"),
                      "--json", str(out / "o.json"), *cache_args, *args, cwd=repo,
                      env=full_env)
    texts = [result.stdout, result.stderr]
    for path in [*out.iterdir(), *(cache.rglob("*") if cache else [])]:
        if path.is_file():
            texts.append(path.read_text(encoding="utf-8", errors="replace"))
    return result.code, "\n".join(texts)


def _advisory_db(tmp: Path) -> Path:
    folder = tmp / "osv"
    (folder / "requests").mkdir(parents=True)
    (folder / "requests" / "PYSEC-1-1.json").write_text(json.dumps({
        "id": "PYSEC-1-1", "affected": [{"package": {"name": "requests", "ecosystem": "PyPI"},
                                         "versions": ["0.0.1"]}]}), encoding="utf-8")
    return folder


# -- credentials ---------------------------------------------------------------------------

def test_no_credential_from_requirements_dockerfiles_bandit_or_the_environment(
        tmp_path: Path) -> None:
    ghp, glpat, plain = _token("ghp_"), _token("glpat-", 20), "Pw" + "7fQ2xR9kLm4tZ8vB"
    quote_tail = "x'QuoteTail" + "Zq9Wm2Lp8Rt4"
    index_password = "ci" + "Secret4711Pass"
    repo = make_repo(tmp_path / "r", files={
        "requirements.txt": (f"--index-url https://build:{plain}@pkgs.example.invalid/simple\n"
                             f"https://deploy:{ghp}@files.example.invalid/pkg.tar.gz\n"
                             f"git+https://oauth2:{glpat}@gitlab.example.invalid/g/p.git\n"
                             "requests==2.31.0\n"),
        "pyproject.toml": ('[project]\nname = "app"\nversion = "1"\n'
                           f'dependencies = ["lib @ https://u:{plain}@h.example.invalid/l.whl"]\n'),
        "Dockerfile": f"FROM alpine:3.20\nADD https://user:{plain}@host.example.invalid/x /x\n",
        "auth.py": f'password = "{quote_tail}"\n',
    })
    env = {"PIP_INDEX_URL": f"https://ci:{index_password}@127.0.0.1:9/simple"}
    code, text = _outputs(tmp_path, repo, "--advisory-db", str(_advisory_db(tmp_path)),
                          env=env, cache=tmp_path / "cache")
    assert code == 1, text[:2000]
    for secret in (ghp, glpat, plain, index_password, "QuoteTail", "Zq9Wm2Lp8Rt4"):
        assert secret not in text, secret
    assert "https://[REDACTED]@files.example.invalid/pkg.tar.gz" in text
    assert "127.0.0.1:9/simple" in text  # which host failed stays readable
    assert "Traceback" not in text


def test_stderr_scrubbing_keeps_hosts_and_digests_but_not_keys() -> None:
    from gate.process import scrub_line

    key = "AKIA" + "ABCDEFGHIJKLMNOP"
    line = (f"error: host='api.osv.dev' key={key} url=https://u:pw@idx.example/simple "
            f"token=0123456789abcdef0123456789abcdef0123 sha256:{'a' * 64} "
            f"commit {'b' * 40} password='hunter2'")
    scrubbed = scrub_line(line)
    assert "host='api.osv.dev'" in scrubbed
    assert key not in scrubbed and "u:pw" not in scrubbed and "hunter2" not in scrubbed
    assert "0123456789abcdef0123456789abcdef0123" not in scrubbed
    assert f"sha256:{'a' * 64}" in scrubbed and "b" * 40 in scrubbed


# -- repository code never runs -------------------------------------------------------------

def _marker_script(path: Path, marker: Path) -> None:
    path.write_text(f"#!/bin/sh\ntouch {marker}\ncat >/dev/null 2>&1\nexit 0\n",
                    encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


def test_git_config_fsmonitor_filters_textconv_and_includes_never_run(tmp_path: Path) -> None:
    marker = tmp_path / "RAN"
    repo = make_repo(tmp_path / "r", files={
        "app.py": HIT, ".gitattributes": "*.py filter=evil diff=evil\n",
        "evil.cfg": f"[core]\n\tfsmonitor = {tmp_path / 'r' / 'hook.sh'}\n"
                    f"[diff]\n\texternal = {tmp_path / 'r' / 'hook.sh'}\n"})
    _marker_script(repo / "hook.sh", marker)
    git(repo, "add", "hook.sh")
    git(repo, "commit", "-q", "-m", "hook")
    git(repo, "config", "core.fsmonitor", str(repo / "hook.sh"))
    git(repo, "config", "filter.evil.clean", str(repo / "hook.sh"))
    git(repo, "config", "filter.evil.smudge", str(repo / "hook.sh"))
    git(repo, "config", "diff.evil.textconv", str(repo / "hook.sh"))
    git(repo, "config", "include.path", "../evil.cfg")
    (repo / "app.py").write_text(HIT + "# changed\n", encoding="utf-8")
    for args in ((), ("--changed-since", "HEAD"), ("--policy-ref", "HEAD")):
        result = run_gate("scan", ".", "--no-cache", "--scanners", "bandit,semgrep", *args,
                          cwd=repo)
        assert result.code == 1, result.output
        assert not marker.exists(), f"repository code ran during gate scan {args}"


def test_an_executable_named_git_in_the_tree_never_runs(tmp_path: Path) -> None:
    marker = tmp_path / "GIT_RAN"
    repo = make_repo(tmp_path / "r", files={"app.py": HIT})
    (repo / "git").write_text(f"#!/bin/sh\ntouch {marker}\nexec /usr/bin/git \"$@\"\n",
                              encoding="utf-8")
    (repo / "git").chmod(0o755)
    for semgrep_too in (False, True):
        env = {"PATH": f":{repo}:{os.environ['PATH']}"}
        scanners = "bandit,semgrep" if semgrep_too else "bandit"
        result = run_gate("scan", ".", "--no-cache", "--scanners", scanners, cwd=repo, env=env)
        assert result.code == 1, result.output
        assert not marker.exists()


# -- foreign SARIF is read as GitHub reads it ----------------------------------------------

def _codeql(tmp: Path, score: object = "9.8", level: object = None) -> Path:
    rule: dict[str, object] = {
        "id": "py/command-line-injection", "shortDescription": {"text": "Command injection"},
        "help": {"text": "Do not [click](javascript:alert(1))", "markdown": "<img src=x>"},
        "helpUri": "javascript:alert(1)",
        "properties": {"security-severity": score, "tags": ["security",
                                                             "external/cwe/cwe-078"]}}
    result: dict[str, object] = {
        "ruleId": "py/command-line-injection", "message": {"text": "user input to a shell"},
        "rule": {"id": "py/command-line-injection", "index": 0,
                 "toolComponent": {"index": 0}},
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": "app.py"},
                                            "region": {"startLine": 2}}}]}
    if level is not None:
        result["level"] = level
    log = {"version": "2.1.0", "runs": [{
        "tool": {"driver": {"name": "CodeQL", "rules": []},
                 "extensions": [{"name": "codeql/python-queries", "rules": [rule]}]},
        "results": [result]}]}
    path = tmp / "codeql.sarif"
    path.write_text(json.dumps(log), encoding="utf-8")
    return path


def rule_markdown(sarif_text: str) -> str:
    return "".join(r["help"]["markdown"] for run in json.loads(sarif_text)["runs"]
                   for r in run["tool"]["driver"]["rules"])


def test_codeql_sarif_rules_in_extensions_fail_the_default_policy(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", files={"app.py": HIT})
    out = tmp_path / "o.json"
    result = run_gate("evaluate", str(_codeql(tmp_path)), "--json", str(out), "--sarif",
                      str(tmp_path / "o.sarif"), cwd=repo)
    assert result.code == 1, result.output
    (finding,) = load_json(out)["findings"]
    assert finding["severity"] == "critical" and finding["cwe"] == [78]
    assert finding["help_uri"] == ""
    written = (tmp_path / "o.sarif").read_text()
    assert "<img" not in written and "](javascript" not in rule_markdown(written)
    (rule,) = load_json(tmp_path / "o.sarif")["runs"][0]["tool"]["driver"]["rules"]
    assert "helpUri" not in rule and rule["help"]["markdown"].startswith("Do not \\[click\\]")


@pytest.mark.parametrize(("score", "level", "expected", "defaulted"), [
    ("NaN", None, "high", True), ("NaN", "note", "low", False), ("abc", "bogus", "high", True),
    (None, None, "medium", False), ("2.5", "error", "low", False),
])
def test_unreadable_scores_fall_back_to_the_level_then_default_severity(
        tmp_path: Path, score: object, level: object, expected: str, defaulted: bool) -> None:
    repo = make_repo(tmp_path / "r", files={"app.py": HIT})
    out = tmp_path / "o.json"
    result = run_gate("evaluate", str(_codeql(tmp_path, score, level)), "--json", str(out),
                      cwd=repo)
    assert result.code in (0, 1), result.output
    report = load_json(out)
    assert report["findings"][0]["severity"] == expected
    assert any("without a readable severity" in w for w in report["warnings"]) is defaulted


# -- bounded parsing -----------------------------------------------------------------------

def test_deeply_nested_inputs_exit_2_without_a_traceback(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", files={"app.py": "x = 1\n", "gate.toml": "version = 1\n"})
    deep = "[" * 100_000 + "]" * 100_000
    (tmp_path / "deep.sarif").write_text(deep, encoding="utf-8")
    (tmp_path / "deep.json").write_text(deep, encoding="utf-8")
    cases = [("evaluate", str(tmp_path / "deep.sarif")),
             ("scan", ".", "--no-cache", "--scanners", "bandit", "--baseline",
              str(tmp_path / "deep.json"))]
    for args in cases:
        result = run_gate(*args, cwd=repo)
        assert result.code == 2, result.output
        assert "nested deeper than" in result.stderr and "Traceback" not in result.output
    (repo / "gate.toml").write_text(f"version = 1\nexclude = {'[' * 50_000}\n",
                                    encoding="utf-8")
    result = run_gate("policy", "check", cwd=repo)
    assert result.code == 2 and "nested deeper than" in result.stderr


@pytest.mark.parametrize("value", ["inf", "1e308", "0", "-5", "nan"])
def test_timeouts_must_be_finite_positive_and_bounded(tmp_path: Path, value: str) -> None:
    repo = make_repo(tmp_path / "r", files={
        "gate.toml": f"version = 1\n[scanners.bandit]\ntimeout = {value}\n"})
    result = run_gate("policy", "check", cwd=repo)
    assert result.code == 2, result.output
    assert "gate.toml:3: [scanners.bandit.timeout] expected a number of seconds" in result.stderr


def test_an_advisory_zip_bomb_is_refused(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", files={"requirements.txt": "requests==2.31.0\n"})
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("requests/PYSEC-0-0.json", b" " * (64 * 1024 * 1024))
    result = run_gate("scan", ".", "--no-cache", "--scanners", "pip-audit", "--advisory-db",
                      str(bomb), cwd=repo, env={"PIP_INDEX_URL": NO_INDEX})
    assert result.code == 3, result.output
    assert "times its packed size; refused" in result.stdout


# -- nothing that can become a workflow command --------------------------------------------

def test_a_policy_key_cannot_print_a_workflow_command(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", files={
        "gate.toml": 'version = 1\n"x\\n::error file=a.py::owned" = 1\n'})
    env = {**os.environ, "GITHUB_ACTIONS": "true"}
    result = subprocess.run([sys.executable, "-P", "-m", "gate", "policy", "check"], cwd=repo,
                            env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert not any(line.startswith("::error") for line in lines)
    assert lines[0].startswith("::stop-commands::") and "x\\n::error" in result.stderr


def test_annotations_drop_bidi_characters_and_never_cut_a_path(tmp_path: Path) -> None:
    long_name = "d" * 150 + "/" + "e" * 120 + ".py"
    repo = make_repo(tmp_path / "r", files={"evil\u202egnp.py": HIT, long_name: HIT})
    result = run_gate("scan", ".", "--no-cache", "--scanners", "bandit", "--format", "github",
                      cwd=repo)
    assert result.code == 1
    annotations = [ln for ln in result.stdout.splitlines() if ln.startswith("::error ")]
    assert len(annotations) == 2 and "\u202e" not in result.stdout
    assert any("file=evilgnp.py" in a for a in annotations) is False
    long_one = next(a for a in annotations if "e" * 120 in a)
    assert "file=" not in long_one.split("::")[1]


# -- policy provenance ---------------------------------------------------------------------

def test_a_new_tool_gate_table_is_a_policy_change(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", files={"app.py": HIT,
                                            "pyproject.toml": '[project]\nname = "a"\n'})
    (repo / "pyproject.toml").write_text('[project]\nname = "a"\n[tool.gate]\nversion = 1\n'
                                         'fail_on = "none"\n', encoding="utf-8")
    result = run_gate("scan", ".", "--no-cache", "--scanners", "bandit", "--policy-ref", "HEAD",
                      cwd=repo)
    assert result.code == 1, result.output
    assert "POLICY CHANGED: this change modifies pyproject.toml" in result.stdout


def test_policy_links_out_of_the_tree_and_normalised_cycles(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.toml"
    outside.write_text('version = 1\nfail_on = "none"\n', encoding="utf-8")
    repo = make_repo(tmp_path / "r", files={"app.py": HIT})
    (repo / "gate.toml").symlink_to(outside)
    result = run_gate("policy", "check", cwd=repo)
    assert result.code == 2 and "link to a file outside the repository" in result.stderr
    (repo / "gate.toml").unlink()
    (repo / "sub").mkdir()
    (repo / "gate.toml").write_text('version = 1\nextends = "sub/../gate.toml"\n',
                                    encoding="utf-8")
    result = run_gate("policy", "check", cwd=repo)
    assert result.code == 2 and "extends forms a cycle" in result.stderr


# -- cache trust ---------------------------------------------------------------------------

def test_a_cache_store_linked_into_the_tree_is_refused(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", files={"app.py": HIT})
    (repo / "store").mkdir()
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "v2").symlink_to(repo / "store")
    result = run_gate("scan", ".", "--cache-dir", str(cache), "--scanners", "bandit", cwd=repo)
    assert result.code == 2 and "inside the scanned tree" in result.stderr


def test_linked_cache_entries_are_dropped_and_the_console_counts_reuse(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", files={"app.py": HIT, "b.py": "x = 1\n"})
    cache = tmp_path / "cache"
    args = ("scan", ".", "--cache-dir", str(cache), "--scanners", "bandit", "--sarif", "o.sarif")
    first = run_gate(*args, cwd=repo)
    warm = run_gate(*args, cwd=repo)
    assert "2 from cache" in warm.stdout, warm.stdout
    entries = [p for p in (cache / "v2" / "bandit").rglob("*.json")]
    forged = tmp_path / "forged.json"
    forged.write_text("{}", encoding="utf-8")
    for entry in entries:
        entry.unlink()
        entry.symlink_to(forged)
    relinked = run_gate(*args, cwd=repo)
    assert relinked.code == first.code == 1
    assert "from cache" not in relinked.stdout
    assert ("bandit", "B501", "app.py", 2) in sarif_results(load_json(repo / "o.sarif"))
    assert not any(p.is_symlink() for p in (cache / "v2" / "bandit").rglob("*.json"))


def test_a_repository_owned_by_another_user_exits_2_with_the_command_to_trust_it(
        tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root to hand the repository to another user")
    repo = make_repo(tmp_path / "r", files={"app.py": HIT})
    for path in [repo, *repo.rglob("*")]:
        os.lchown(path, 65534, 65534)
    result = run_gate("scan", ".", "--no-cache", "--scanners", "bandit", cwd=repo,
                      env={"HOME": str(tmp_path)})
    assert result.code == 2, result.output
    assert "owned by another user" in result.stderr
    assert f"git config --global --add safe.directory {repo}" in result.stderr
