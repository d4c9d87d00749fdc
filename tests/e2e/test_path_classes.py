"""Path classes end to end with the real bandit, kingfisher and pip-audit (offline advisory
data written by the test): under the default preset a flaw in tests/, docs/ or examples/ is
reported but does not fail, the same flaw in product code fails, and a real-format token in
tests/ still fails."""

from __future__ import annotations

import zlib
from pathlib import Path
from typing import Any

import pytest

from tests.deps.conftest import FIXTURES as DEPS_FIXTURES
from tests.deps.conftest import write_database
from tests.helpers import load_json, make_repo, run_gate, validate_sarif

pytestmark = pytest.mark.slow

# TLS verification off (B501, high) on line 5: fails the default preset on bandit's word
# alone (a bare shell sink only warns there).
SHELL = "import requests\n\n\ndef run(url):\n    requests.get(url, verify=False, timeout=5)\n"
# medium (B608) and high (B501) in one file
MIXED = ("import requests\n\n\ndef q(cur, name):\n"
         "    cur.execute(\"SELECT * FROM t WHERE n = '%s'\" % name)\n"
         "    requests.get(name, verify=False, timeout=5)\n")
RECORD = {  # requests below 2.20.0: CVSS 7.5, high
    "requests/PYSEC-9999-7.json": {
        "id": "PYSEC-9999-7", "summary": "requests sends the header to the wrong host",
        "affected": [{"package": {"name": "requests", "ecosystem": "PyPI"},
                      "ranges": [{"type": "ECOSYSTEM",
                                  "events": [{"introduced": "0"}, {"fixed": "2.20.0"}]}]}],
        "severity": [{"type": "CVSS_V3",
                      "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"}]}}
_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _github_token() -> str:
    """A GitHub token in the real format (checksummed), assembled so no source holds one."""
    body = "Zq8Lm3Rt6Wy1Vb4Nc7Xd0Hf2Jk5Pa9Se3Tg"[:30]
    number, tail = zlib.crc32(body.encode()), ""
    while number:
        number, rest = divmod(number, 62)
        tail = _B62[rest] + tail
    return "gh" + "p_" + body + tail.rjust(6, "0")


def _repo(tmp_path: Path, policy: str = "", **files: str) -> Path:
    index = (DEPS_FIXTURES / "index").resolve().as_uri() + "/"
    return make_repo(tmp_path / "repo", {
        "gate.toml": (f'version = 1\nextends = "default"\n{policy}\n'
                      f'[scanners.pip-audit]\nindex_url = "{index}"\n'),
        **{name.replace("__", "/").replace("_DOT_", "."): text for name, text in files.items()},
    })


def _scan(repo: Path, tmp_path: Path, *extra: str) -> tuple[Any, dict[str, Any]]:
    db = write_database(tmp_path / "db", RECORD)
    result = run_gate("scan", ".", "--no-cache", "--scanners", "bandit,secrets,pip-audit",
                      "--advisory-db", str(db), "--json", str(tmp_path / "r.json"),
                      "--sarif", str(tmp_path / "r.sarif"), *extra, cwd=repo)
    return result, load_json(tmp_path / "r.json")


def _issues(report: dict[str, Any], disposition: str) -> set[tuple[str, str, str | None]]:
    return {(f["rule_id"], f["path"], f["path_class"]) for f in report["findings"]
            if f["disposition"] == disposition and f["duplicate_of"] is None}


def test_default_preset_relaxes_tests_docs_and_examples_but_never_a_token(
        tmp_path: Path, sarif_validator: None) -> None:
    token = _github_token()
    repo = _repo(tmp_path, app_DOT_py=SHELL, tests__test_app_DOT_py=SHELL,
                 tests__test_login_DOT_py=f'TOKEN = "{token}"\n',
                 docs__build_DOT_py=SHELL,
                 examples__shop__requirements_DOT_txt="requests==2.19.0\n")
    result, report = _scan(repo, tmp_path)
    assert result.code == 1, result.output
    assert _issues(report, "fail") == {
        ("B501", "app.py", None),
        ("betterleaks.github-pat", "tests/test_login.py", "tests")}
    assert _issues(report, "warn") >= {
        ("B501", "tests/test_app.py", "tests"), ("B501", "docs/build.py", "docs"),
        ("PYSEC-9999-7", "examples/shop/requirements.txt", "examples")}
    token_item = next(f for f in report["findings"] if f["rule_id"].endswith("github-pat"))
    assert token_item["path_effects"] == [
        'not relaxed by [paths.tests] fail_on = "critical": secrets findings (credentials) '
        "are never relaxed by path"]
    dep = next(f for f in report["findings"] if f["rule_id"] == "PYSEC-9999-7")
    assert (dep["severity"], dep["reason"]) == (
        "high", "severity high below fail_on = critical ([paths.examples]); reaches report = low")
    classes = {c["name"]: c["counts"] for c in report["path_classes"]}
    assert classes["tests"]["fail"] == 1 and classes["docs"]["warn"] >= 1
    assert "by path class: tests: " in result.stdout
    assert "tests/test_app.py:5 bandit/B501: " in result.stdout
    assert token not in result.output + (tmp_path / "r.json").read_text()
    sarif = load_json(tmp_path / "r.sarif")
    classes_in_sarif = {(r["ruleId"], r["properties"].get("gate/path-class"))
                        for run in sarif["runs"] for r in run["results"]}
    assert ("PYSEC-9999-7", "examples") in classes_in_sarif
    assert ("B501", None) in classes_in_sarif
    assert validate_sarif(tmp_path / "r.sarif")[0] == 0

    explained = run_gate("policy", "explain", str(tmp_path / "r.json"), "--what-if", cwd=repo)
    assert explained.code == 0, explained.output
    assert "ADJUSTED BY A PATH CLASS" in explained.stdout
    assert ("path class tests: fail_on = critical by [paths.tests] (instead of high): kept "
            "from failing (preset:default)") in explained.stdout
    assert "WHAT IF A PATH CLASS ADJUSTED NOTHING" in explained.stdout
    assert "bandit/B501" in explained.stdout.split("WHAT IF A PATH CLASS")[1]

    (repo / "app.py").unlink()
    (repo / "tests" / "test_login.py").unlink()
    result, report = _scan(repo, tmp_path)
    assert result.code == 0, result.output
    assert _issues(report, "fail") == set()


def test_fail_on_flag_with_a_class_adjustment_on_top(tmp_path: Path) -> None:
    repo = _repo(tmp_path, '[paths.tests]\nfail_on = "high"\n',
                 app_DOT_py=MIXED, tests__test_db_DOT_py=MIXED)
    result, report = _scan(repo, tmp_path, "--fail-on", "medium")
    assert result.code == 1, result.output
    assert _issues(report, "fail") == {("B608", "app.py", None), ("B501", "app.py", None),
                                       ("B501", "tests/test_db.py", "tests")}
    assert ("B608", "tests/test_db.py", "tests") in _issues(report, "warn")
    html = tmp_path / "r.html"
    result = run_gate("scan", ".", "--no-cache", "--scanners", "bandit", "--fail-on", "medium",
                      "--html", str(html), cwd=repo)
    assert result.code == 1
    page = html.read_text(encoding="utf-8")
    assert 'id="class-effects-table"' in page
    assert 'data-path-class="tests" data-failing="1" data-failing-without="2"' in page
