"""End to end with the real scanners: waivers with expiry, baselines, evaluate, explain."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.helpers import FIXTURES, load_json, make_repo, run_gate, sarif_results, validate_sarif

TODAY = "2026-11-27"
ENV = {"GATE_TODAY": TODAY}
POLICY_FIXTURES = FIXTURES / "policy"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo", source=POLICY_FIXTURES / "repo")


def _waiver_policy(repo: Path, expires: str) -> None:
    (repo / "gate.toml").write_text(
        'version = 1\n\n[[waivers]]\nrule = "B324"\nreason = "legacy checksum, not security"\n'
        f'expires = {expires}\nowner = "team-a"\n', encoding="utf-8")


def _scan(repo: Path, out: Path, *extra: str):
    result = run_gate("scan", "app.py", "--scanners", "bandit", "--sarif", str(out / "o.sarif"),
                      "--json", str(out / "o.json"), *extra, cwd=repo, env=ENV)
    return result, load_json(out / "o.sarif"), load_json(out / "o.json")


def test_waiver_expiring_tomorrow_passes_and_leaves_the_sarif(repo: Path, tmp_path: Path,
                                                              sarif_validator: None) -> None:
    _waiver_policy(repo, "2026-11-28")
    result, sarif, report = _scan(repo, tmp_path)
    assert result.code == 0, result.output
    assert not any(r[1] == "B324" for r in sarif_results(sarif))
    b324 = [f for f in report["findings"] if f["rule_id"] == "B324"]
    assert [f["disposition"] for f in b324] == ["waived"]
    assert "legacy checksum" in b324[0]["reason"]
    assert "expires in 1 day(s), on 2026-11-28" in result.stdout
    assert report["waivers"][0]["status"] == "used" and report["waivers"][0]["expiring"]

    result, sarif, _ = _scan(repo, tmp_path, "--sarif-include-waived")
    assert result.code == 0
    kept = [res for run in sarif["runs"] for res in run["results"] if res["ruleId"] == "B324"]
    assert len(kept) == 1
    assert kept[0]["suppressions"][0]["kind"] == "external"
    assert "legacy checksum, not security" in kept[0]["suppressions"][0]["justification"]
    code, text = validate_sarif(tmp_path / "o.sarif")
    assert code == 0, text


def test_waiver_dated_yesterday_fails_naming_it(repo: Path, tmp_path: Path) -> None:
    _waiver_policy(repo, "2026-11-26")
    result, sarif, report = _scan(repo, tmp_path)
    assert result.code == 1, result.output
    assert ("bandit", "B324", "app.py", 6) in sarif_results(sarif)
    assert "waiver #1 (B324) expired on 2026-11-26" in result.stdout
    assert report["waivers"][0]["status"] == "expired"


@pytest.mark.parametrize("entry,line,message", [
    ('rule = "B324"\nexpires = 2026-12-01\n', 3, "waivers[0]"),
    ('rule = "B324"\nreason = "x"\nexpires = "next week"\n', 6, "waivers[0].expires"),
])
def test_bad_waivers_exit_2_naming_the_entry(repo: Path, entry: str, line: int,
                                             message: str) -> None:
    (repo / "gate.toml").write_text(f"version = 1\n\n[[waivers]]\n{entry}", encoding="utf-8")
    result = run_gate("scan", ".", "--scanners", "bandit", cwd=repo, env=ENV)
    assert result.code == 2, result.output
    assert f"gate.toml:{line}: [{message}]" in result.stderr


def test_inline_suppression_allowed_then_denied(repo: Path, tmp_path: Path) -> None:
    app = repo / "app.py"
    app.write_text(app.read_text().replace(
        "hexdigest()", "hexdigest()  # gate: ignore[B324] cache key, not security"))
    result, sarif, report = _scan(repo, tmp_path)
    assert result.code == 0, result.output
    b324 = next(f for f in report["findings"] if f["rule_id"] == "B324")
    assert b324["disposition"] == "waived" and "cache key, not security" in b324["reason"]
    (repo / "gate.toml").write_text('version = 1\ninline_suppressions = "deny"\n')
    result, sarif, _ = _scan(repo, tmp_path)
    assert result.code == 1
    assert ("bandit", "B324", "app.py", 6) in sarif_results(sarif)


@pytest.mark.slow  # three scans and the SARIF validator (~4 s); a baseline of shifted lines is
# tested in tests/core/test_baseline.py, create then --new-only in tests/cli/test_commands.py
def test_baseline_shifted_lines_and_a_second_copy(repo: Path, tmp_path: Path,
                                                  sarif_validator: None) -> None:
    # MD5 with no known purpose warns under the default preset: fail at medium here, so that
    # a new copy of it is what fails.
    (repo / "gate.toml").write_text('version = 1\nextends = "default"\nfail_on = "medium"\n')
    base = tmp_path / "baseline.json"
    created = run_gate("baseline", "create", "app.py", "--scanners", "bandit", "-o", str(base),
                       cwd=repo, env=ENV)
    assert created.code == 0, created.output
    data = load_json(base)
    assert data["version"] == 1 and data["created"] == TODAY
    assert [(e["scanner"], e["rule_id"], e["path"], e["count"]) for e in data["entries"]] == [
        ("bandit", "B324", "app.py", 1)]

    app = repo / "app.py"
    original = app.read_text()
    app.write_text("# one\n# two\n# three\n# four\n# five\n" + original)
    result, sarif, _ = _scan(repo, tmp_path, "--baseline", str(base), "--new-only")
    assert result.code == 0, result.output
    states = [(r["ruleId"], r["baselineState"]) for run in sarif["runs"] for r in run["results"]]
    assert states == [("B324", "unchanged")]
    code, text = validate_sarif(tmp_path / "o.sarif")
    assert code == 0, text

    app.write_text(app.read_text() + "\n\ndef again(data):\n    return hashlib.md5(data)."
                   "hexdigest()\n")
    result, sarif, report = _scan(repo, tmp_path, "--baseline", str(base), "--new-only")
    assert result.code == 1, result.output
    states = sorted(r["baselineState"] for run in sarif["runs"] for r in run["results"])
    assert states == ["new", "unchanged"]
    failing = [f for f in report["findings"] if f["disposition"] == "fail"]
    assert len(failing) == 1 and failing[0]["baseline_state"] == "new"


def test_baseline_absent_entries_and_policy_key(repo: Path, tmp_path: Path) -> None:
    base = repo / "baseline.json"
    assert run_gate("baseline", "create", "app.py", "--scanners", "bandit", "-o", str(base),
                    cwd=repo, env=ENV).code == 0
    (repo / "app.py").write_text('"""fixed"""\nimport hashlib\n\n\ndef digest(data):\n'
                                 '    return hashlib.sha256(data).hexdigest()\n')
    (repo / "gate.toml").write_text('version = 1\nbaseline = "baseline.json"\nnew_only = true\n')
    result, sarif, report = _scan(repo, tmp_path)
    assert result.code == 0, result.output
    assert [(a["rule_id"], a["path"]) for a in report["absent"]] == [("B324", "app.py")]
    assert "1 recorded finding(s) absent" in result.stdout
    assert sarif_results(sarif) == []


def test_new_only_without_baseline_is_a_usage_error(repo: Path) -> None:
    result = run_gate("scan", ".", "--scanners", "bandit", "--new-only", cwd=repo, env=ENV)
    assert result.code == 2 and "--baseline" in result.stderr


def test_cross_tool_duplicate_end_to_end(repo: Path, tmp_path: Path) -> None:
    result = run_gate("scan", "shell.py", "--sarif", str(tmp_path / "o.sarif"), "--json",
                      str(tmp_path / "o.json"), cwd=repo, env=ENV)
    report = load_json(tmp_path / "o.json")
    on_line = [f for f in report["findings"] if f["path"] == "shell.py" and f["start_line"] == 6
               and 78 in f["cwe"]]
    if {f["scanner"] for f in on_line} != {"bandit", "semgrep"}:
        pytest.skip("the shipped semgrep packs do not flag this line with CWE-78")
    assert result.code == 1
    assert sum(1 for f in on_line if f["duplicate_of"] is None) == 1
    assert report["counts"]["fail"] == 1
    sarif = load_json(tmp_path / "o.sarif")
    # one issue, one SARIF result, in the lead scanner's run, naming the other tool
    lead = next(f for f in on_line if f["duplicate_of"] is None)
    others = [f for f in on_line if f["duplicate_of"] is not None]
    assert (lead["scanner"], lead["rule_id"], lead["severity"]) == (
        "semgrep", "web-command-injection", "critical")
    assert sorted((f["scanner"], f["rule_id"]) for f in others) == [
        ("bandit", "B602"), ("semgrep", "python-subprocess-shell-non-literal")]
    assert [r for r in sarif_results(sarif) if r[2] == "shell.py"] == [
        (lead["scanner"], lead["rule_id"], "shell.py", 6)]
    result_props = next(r for run in sarif["runs"] for r in run["results"])["properties"]
    assert sorted((t["tool"], t["ruleId"], t["startLine"])
                  for t in result_props["gate/also-found-by"]) == sorted(
        (f["scanner"], f["rule_id"], 6) for f in others)
    assert "also" in result.stdout


def test_evaluate_sarif_from_other_tools(tmp_path: Path, sarif_validator: None) -> None:
    repo = make_repo(tmp_path / "repo", {"app.py": "import subprocess, pickle, yaml, hashlib\n"
                                         "def run(cmd):\n    subprocess.call(cmd, shell=True)\n"})
    for name in ("semgrep-1.185.0.sarif", "bandit-1.9.4.sarif"):
        shutil.copy(POLICY_FIXTURES / name, tmp_path / name)
    out = tmp_path / "merged.sarif"
    result = run_gate("evaluate", str(tmp_path / "semgrep-1.185.0.sarif"),
                      str(tmp_path / "bandit-1.9.4.sarif"), "--sarif", str(out), "--json",
                      str(tmp_path / "r.json"), cwd=repo, env=ENV)
    assert result.code == 1, result.output
    sarif = load_json(out)
    assert sorted(r["tool"]["driver"]["name"] for r in sarif["runs"]) == ["bandit",
                                                                         "semgrep-oss"]
    results = sarif_results(sarif)
    assert ("semgrep-oss", "subprocess-shell-true", "app.py", 3) in results
    assert ("bandit", "B602", "app.py", 3) in results
    report = load_json(tmp_path / "r.json")
    sev = {(f["scanner"], f["rule_id"]): f["severity"] for f in report["findings"]}
    # level error, made medium by the default preset: a shell sink with no known source
    assert sev[("bandit", "B602")] == "medium"
    assert sev[("bandit", "B403")] == "low"            # level note
    assert sev[("semgrep-oss", "subprocess-shell-true")] == "high"  # rule default level error
    code, text = validate_sarif(out)
    assert code == 0, text

    (repo / "gate.toml").write_text('version = 1\nfail_on = "critical"\n')
    result = run_gate("evaluate", str(tmp_path / "bandit-1.9.4.sarif"), cwd=repo, env=ENV)
    assert result.code == 0, result.output


def test_evaluate_rejects_uris_outside_the_root_and_malformed_sarif(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"a.py": "x = 1\n"})
    inside = (repo / "a.py").resolve().as_uri()
    sarif = ('{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "Other"}}, "results": ['
             '{"ruleId": "r1", "level": "error", "message": {"text": "m"}, "locations": [{'
             '"physicalLocation": {"artifactLocation": {"uri": "../etc/passwd"}, '
             '"region": {"startLine": 1}}}]},'
             '{"ruleId": "r2", "level": "error", "message": {"text": "m"}, "locations": [{'
             '"physicalLocation": {"artifactLocation": {"uri": "file:///etc/passwd"}, '
             '"region": {"startLine": 1}}}]},'
             '{"ruleId": "r3", "level": "warning", "message": {"text": "m"}, "locations": [{'
             f'"physicalLocation": {{"artifactLocation": {{"uri": "{inside}"}}, '
             '"region": {"startLine": 1}}}]}]}]}')
    (tmp_path / "in.sarif").write_text(sarif)
    result = run_gate("evaluate", str(tmp_path / "in.sarif"), "--json",
                      str(tmp_path / "r.json"), cwd=repo, env=ENV)
    assert result.code == 0, result.output
    report = load_json(tmp_path / "r.json")
    assert [(f["rule_id"], f["path"]) for f in report["findings"]] == [("r3", "a.py")]
    assert "escapes the repository root" in result.stdout
    assert "outside the repository root" in result.stdout
    assert "made relative" in result.stdout

    for bad in ("not json", '{"version": "2.1.0"}', '{"version": "2.1.0", "runs": [{}]}'):
        (tmp_path / "bad.sarif").write_text(bad)
        result = run_gate("evaluate", str(tmp_path / "bad.sarif"), cwd=repo, env=ENV)
        assert result.code == 2, result.output
        assert "bad.sarif" in result.stderr and "Traceback" not in result.output


def test_policy_explain(repo: Path, tmp_path: Path) -> None:
    (repo / "gate.toml").write_text(
        'version = 1\nextends = "strict"\nreport = "medium"\n\n[scanners.bandit]\ntimeout = 60\n'
        '\n[[rules]]\nid = "B3*"\nseverity = "high"\n\n'
        '[[waivers]]\nrule = "B404"\nreason = "we wrap subprocess"\nexpires = 2026-12-01\n'
        '\n[[waivers]]\nrule = "B324"\nreason = "old"\nexpires = 2026-11-01\n')
    result = run_gate("policy", "explain", cwd=repo, env=ENV)
    assert result.code == 0, result.output
    out = result.stdout
    assert 'fail_on = "medium"' in out and "# preset:strict" in out
    assert 'report = "medium"' in out
    assert "timeout = 60" in out
    assert "expires in 4 day(s) - within warn_before_days = 14" in out

    _scan(repo, tmp_path)
    result = run_gate("policy", "explain", str(tmp_path / "o.sarif"), cwd=repo, env=ENV)
    assert result.code == 0, result.output
    out = result.stdout
    assert "FAILING" in out and "app.py:6 bandit/B324" in out
    assert 'fails by fail_on = "medium" (preset:strict)' in out
    assert "severity set to high by [[rules]] #1" in out
    assert "waiver #2 (B324) matches but expired on 2026-11-01" in out
