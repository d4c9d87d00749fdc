"""One bug, one issue, with the real bandit and semgrep: every bug both find (on one line, or
on lines of one multi-line call) is one issue naming both scanners, one SARIF result, waived
by one waiver for either rule, and not by a ``# nosec`` that names only bandit's rule."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.helpers import load_json, make_repo, run_gate, sarif_results, validate_sarif

APP = '''import hashlib
import subprocess

import requests
import yaml
from flask import Flask, request
from jinja2 import Environment

app = Flask(__name__)


def store(password):
    return hashlib.md5(password.encode()).hexdigest()


def load(text):
    return yaml.load(text, Loader=yaml.Loader)


@app.route("/calc")
def calc():
    return {"value": eval(request.args["expr"])}


@app.route("/run")
def run():
    exec(request.args["code"])
    return "ok"


def render(source):
    env = Environment(autoescape=False)
    return env.from_string(source)


def fetch(url):
    return requests.get(
        url,
        timeout=5,
        verify=False,
    )


def shell(cmd):
    return subprocess.run(
        cmd,
        shell=True,
    )


def query(cursor, name):
    cursor.execute(
        "SELECT * FROM users WHERE name = '%s'"
        % name
    )


if __name__ == "__main__":
    app.run(debug=True)
'''

# (bandit rule, its line, semgrep rule, the call's first line): one issue each.
PAIRS = [
    ("B324", 13, "python-weak-hash-for-password", 13),
    ("B506", 17, "python-yaml-unsafe-load", 17),
    ("B307", 22, "python-eval-request-data", 22),
    ("B102", 27, "python-eval-request-data", 27),
    ("B701", 32, "python-jinja2-autoescape-disabled", 32),
    ("B501", 40, "python-http-tls-verify-disabled", 37),
    ("B602", 47, "python-subprocess-shell-non-literal", 45),
    ("B608", 53, "python-sql-query-built-from-strings", 53),
    ("B201", 59, "python-flask-debug-enabled", 59),
]

WAIVED = '''import hashlib
import subprocess


def store(password):
    return hashlib.md5(password.encode()).hexdigest()


def shell(cmd):
    return subprocess.run(
        cmd,
        shell=True,
    )
'''

SUPPRESSED = '''import hashlib


def only_bandit_named(password):
    return hashlib.md5(password.encode()).hexdigest()  # nosec B324


def both_named(password):
    return hashlib.md5(password.encode()).hexdigest()  # nosec B324  # nosemgrep: python-weak-hash-for-password


def every_rule(password):
    return hashlib.md5(password.encode()).hexdigest()  # gate: ignore[*] legacy store
'''  # noqa: E501 - the comments must be on the flagged line

POLICY = '''version = 1

[[waivers]]
rule = "python-weak-hash-for-password"
paths = ["/waived.py"]
reason = "legacy store, migrating"
expires = 2026-12-31

[[waivers]]
rule = "B602"
paths = ["/waived.py"]
reason = "the command is a constant of the deployment"
expires = 2026-12-31
'''


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_repo(tmp_path_factory.mktemp("one-issue") / "repo", {
        "app.py": APP, "waived.py": WAIVED, "suppressed.py": SUPPRESSED, "gate.toml": POLICY})


@pytest.fixture(scope="module")
def scanned(repo: Path, tmp_path_factory: pytest.TempPathFactory
            ) -> tuple[int, str, Any, Any, Path]:
    out = tmp_path_factory.mktemp("out")
    result = run_gate("scan", ".", "--no-cache", "--scanners", "bandit,semgrep", "--sarif",
                      str(out / "o.sarif"), "--json", str(out / "o.json"), cwd=repo,
                      env={"GATE_TODAY": "2026-11-27"})
    return (result.code, result.output, load_json(out / "o.json"), load_json(out / "o.sarif"),
            out / "o.sarif")


def _issues(report: Any, path: str) -> list[dict[str, Any]]:
    return [f for f in report["findings"] if f["path"] == path and f["duplicate_of"] is None]


@pytest.mark.parametrize(("bandit", "line", "semgrep", "first"), PAIRS)
def test_each_bug_both_scanners_find_is_one_issue(scanned: Any, bandit: str, line: int,
                                                  semgrep: str, first: int) -> None:
    code, output, report, sarif, _ = scanned
    assert code == 1, output
    mine = [f for f in report["findings"] if f["path"] == "app.py"
            and (f["scanner"], f["rule_id"], f["start_line"]) in
            {("bandit", bandit, line), ("semgrep", semgrep, first)}]
    assert len(mine) == 2, mine  # both findings kept, with their rule, path and line
    lead = [f for f in mine if f["duplicate_of"] is None]
    assert len(lead) == 1
    other = next(f for f in mine if f["duplicate_of"] is not None)
    assert other["duplicate_of"] == lead[0]["fingerprint"]
    assert lead[0]["also_found_by"] == [other["scanner"]]
    assert [(t["scanner"], t["rule_id"], t["start_line"]) for t in lead[0]["twins"]] == \
        [(other["scanner"], other["rule_id"], other["start_line"])]
    assert lead[0]["severity"] == max((f["severity"] for f in mine), key=_rank)
    results = [r for r in sarif_results(sarif) if r[2] == "app.py"
               and (r[1], r[3]) in {(bandit, line), (semgrep, first)}]
    assert results == [(lead[0]["scanner"], lead[0]["rule_id"], "app.py",
                        lead[0]["start_line"])]


def _rank(word: str) -> int:
    return ["info", "low", "medium", "high", "critical"].index(word)


def test_the_counts_and_the_sarif(scanned: Any) -> None:
    _, _, report, sarif, path = scanned
    app = _issues(report, "app.py")
    assert sorted((f["rule_id"], f["disposition"]) for f in app if f["disposition"] != "hidden"
                  ) == sorted([
                      ("B324", "fail"), ("B501", "fail"), ("B602", "fail"), ("B701", "fail"),
                      ("python-yaml-unsafe-load", "fail"), ("python-eval-request-data", "fail"),
                      ("python-eval-request-data", "fail"),
                      ("B608", "warn"),  # no outside data named: both rules warn
                      ("python-flask-debug-enabled", "fail")])
    in_sarif = [r for r in sarif_results(sarif) if r[2] == "app.py"]
    assert len(in_sarif) == len(PAIRS)
    results = [x for run in sarif["runs"] for x in run["results"] if
               x["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "app.py"]
    assert all(len(x["properties"]["gate/also-found-by"]) == 1 for x in results)
    assert all("(also found by " in x["message"]["text"] for x in results)
    status, tail = validate_sarif(path)
    assert status == 0, tail


def test_one_waiver_for_either_rule_waives_the_issue(scanned: Any) -> None:
    _, _, report, sarif, _ = scanned
    waived = [f for f in report["findings"] if f["path"] == "waived.py"
              and f["disposition"] != "hidden"]
    assert sorted((f["scanner"], f["rule_id"], f["start_line"], f["disposition"])
                  for f in waived) == [
        ("bandit", "B324", 6, "waived"), ("bandit", "B602", 12, "waived"),
        ("semgrep", "python-subprocess-shell-non-literal", 10, "waived"),
        ("semgrep", "python-weak-hash-for-password", 6, "waived")]
    assert len(_issues(report, "waived.py")) - sum(
        1 for f in _issues(report, "waived.py") if f["disposition"] == "hidden") == 2
    assert [w["matched"] for w in report["waivers"]] == [1, 1]
    assert [w["status"] for w in report["waivers"]] == ["used", "used"]
    assert not [r for r in sarif_results(sarif) if r[2] == "waived.py"]


def test_nosec_alone_does_not_waive_an_issue_semgrep_also_found(scanned: Any) -> None:
    _, output, report, sarif, _ = scanned
    issues = {f["start_line"]: f for f in _issues(report, "suppressed.py")
              if f["disposition"] != "hidden"}
    assert sorted(issues) == [5, 9, 13]
    assert issues[5]["disposition"] == "fail"  # '# nosec B324' names only bandit's rule
    assert issues[5]["rule_id"] == "python-weak-hash-for-password"
    assert "not semgrep/python-weak-hash-for-password" in issues[5]["reason"]
    assert issues[9]["disposition"] == "waived"  # both rules named
    assert issues[13]["disposition"] == "waived"  # '# gate: ignore[*]'
    assert [r[1:] for r in sarif_results(sarif) if r[2] == "suppressed.py"] == [
        ("python-weak-hash-for-password", "suppressed.py", 5)]
    assert "suppressed.py:5 semgrep/python-weak-hash-for-password" in output


def test_evaluating_the_sarif_again_keeps_one_issue_and_its_waiver(
        scanned: Any, repo: Path, tmp_path: Path) -> None:
    """The one result names its twin, so a waiver for the twin's rule still covers it."""
    _, _, report, _, path = scanned
    again = run_gate("evaluate", str(path), "--json", str(tmp_path / "a.json"), cwd=repo,
                     env={"GATE_TODAY": "2026-11-27"})
    assert again.code == 1, again.output
    assert load_json(tmp_path / "a.json")["counts"]["fail"] == report["counts"]["fail"]
    (tmp_path / "p.toml").write_text(
        'version = 1\n\n[[waivers]]\nrule = "B506"\nreason = "trusted config"\n'
        'expires = 2026-12-31\n', encoding="utf-8")
    waived = run_gate("evaluate", str(path), "--policy", str(tmp_path / "p.toml"), "--json",
                      str(tmp_path / "b.json"), cwd=repo, env={"GATE_TODAY": "2026-11-27"})
    data = load_json(tmp_path / "b.json")
    assert data["counts"]["fail"] == report["counts"]["fail"] - 1, waived.output
    issue = [f for f in data["findings"] if f["disposition"] == "waived"
             and f["duplicate_of"] is None]
    assert [(f["rule_id"], f["start_line"], f["severity"], [t["rule_id"] for t in f["twins"]])
            for f in issue] == [("B506", 17, "high", ["python-yaml-unsafe-load"])]
