"""Everything that decides the verdict comes from the base, and path classes relax only real
test, docs and example code.

Each test builds a hostile change at test time and runs the gate with the real tools: the
pull request replaces the advisory records its base policy names, hides production code in
a test path, pins a vulnerable version in a test requirements file that ``requirements.txt``
includes, puts trojan-source controls in ``tests/conftest.py``, or empties a shard report's
file list. Each used to pass; each now fails (or exits 3 with one line).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.deps.conftest import RECORDS, write_database
from tests.faults.conftest import APP, INDEX
from tests.helpers import git, load_json, make_repo, run_gate

pytestmark = pytest.mark.slow  # real scanners (and a gate process) per fixture

VULNERABLE = "requests==2.19.0\n"  # PYSEC-9999-1 in the test records
# Medium fails; the tests class relaxes everything (so any failure there is a reclass).
MEDIUM = 'version = 1\nfail_on = "medium"\n[paths.tests]\nfail_on = "none"\n'


def scan(repo: Path, tmp: Path, *args: str) -> tuple[int, str, dict[str, Any]]:
    out = tmp / "out.json"
    done = run_gate("scan", ".", "--no-cache", "--json", str(out), *args, cwd=repo)
    assert out.exists(), done.output
    return done.code, done.output, load_json(out)


def dispositions(report: dict[str, Any], rule: str) -> dict[str, str]:
    return {f["path"]: f["disposition"] for f in report["findings"] if f["rule_id"] == rule}


def test_advisory_data_comes_from_the_base(tmp_path: Path) -> None:
    """The base policy names an in-repository ``advisory`` folder; the change empties the
    records so that the vulnerable pin passes. Under ``--policy-ref`` the base's records
    are read."""
    repo = make_repo(tmp_path / "r", {
        "requirements.txt": VULNERABLE,
        "gate.toml": ('version = 1\n[scanners.pip-audit]\nadvisory_db = "advisory"\n'
                      f"index_url = {INDEX.as_uri() + '/'!r}\n")}, commit=False)
    write_database(repo / "advisory", {
        "requests/PYSEC-9999-1.json": RECORDS["requests/PYSEC-9999-1.json"]})
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    (repo / "advisory" / "vulns" / "requests" / "PYSEC-9999-1.json").unlink()
    (repo / "advisory" / "vulns" / "requests" / "OTHER-1.json").write_text(json.dumps({
        "id": "OTHER-1", "modified": "2024-01-01T00:00:00Z", "affected": []}),
        encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "the change under review")
    here, output, _ = scan(repo, tmp_path, "--scanners", "pip-audit")
    assert here == 0, output  # the working tree's records: the pin passes
    code, output, report = scan(repo, tmp_path, "--scanners", "pip-audit",
                                "--policy-ref", "HEAD~1")
    assert code == 1, output
    assert dispositions(report, "PYSEC-9999-1") == {"requirements.txt": "fail"}


def test_test_paths_imported_by_code_are_code(tmp_path: Path) -> None:
    """Production code under ``app/tests/`` and in ``src/test_utils.py``, imported by code
    outside the tests class, was relaxed as tests; a real test stays relaxed."""
    repo = make_repo(tmp_path / "r", {
        "app/__init__.py": "", "app/tests/__init__.py": "",
        "app/tests/helpers.py": APP,
        "app/main.py": "from app.tests.helpers import run_report\n\nrun_report('x')\n",
        "src/test_utils.py": APP,
        "src/app.py": "import test_utils\n\ntest_utils.run_report('x')\n",
        "tests/test_real.py": APP,
        "gate.toml": MEDIUM})
    code, output, report = scan(repo, tmp_path, "--scanners", "bandit")
    assert code == 1, output
    assert dispositions(report, "B602") == {"app/tests/helpers.py": "fail",
                                            "src/test_utils.py": "fail",
                                            "tests/test_real.py": "warn"}
    effects = {f["path"]: f.get("path_effects") for f in report["findings"]
               if f["rule_id"] == "B602"}
    assert "imported by app/main.py" in " ".join(effects["app/tests/helpers.py"] or [])


def test_an_included_test_requirements_file_is_judged_as_its_includer(tmp_path: Path) -> None:
    """``requirements.txt`` includes ``requirements/test.txt`` (the tests class) with ``-r``:
    its vulnerable pin was a warning."""
    db = write_database(tmp_path / "osv-db", {
        "requests/PYSEC-9999-1.json": RECORDS["requests/PYSEC-9999-1.json"]})
    repo = make_repo(tmp_path / "r", {
        "requirements.txt": "-r requirements/test.txt\n",
        "requirements/test.txt": VULNERABLE,
        "requirements/test-only.txt": VULNERABLE.replace("2.19.0", "2.19.1"),
        "gate.toml": (f"{MEDIUM}\n[scanners.pip-audit]\nadvisory_db = {str(db)!r}\n"
                      f"index_url = {INDEX.as_uri() + '/'!r}\n")})
    code, output, report = scan(repo, tmp_path, "--scanners", "pip-audit")
    assert code == 1, output
    assert dispositions(report, "PYSEC-9999-1") == {"requirements/test.txt": "fail",
                                                    "requirements/test-only.txt": "warn"}


def test_trojan_source_in_conftest_is_never_relaxed(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"tests/conftest.py": "ok = True  # \u202e }\n"})
    code, output, report = scan(repo, tmp_path, "--scanners", "bidi")
    assert code == 1, output
    assert dispositions(report, "gate/bidi-control") == {"tests/conftest.py": "fail"}


def test_merge_refuses_a_shard_whose_file_list_was_emptied(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"app.py": APP, "lib/util.py": APP,
                                      "notes.txt": "plain\n"})
    reports = []
    for index in (1, 2):
        report = tmp_path / f"shard-{index}.json"
        done = run_gate("scan", ".", "--no-cache", "--scanners", "bandit,bidi", "--shard",
                        f"{index}/2", "--json", str(report), cwd=repo)
        assert done.code == 0, done.output
        reports.append(report)
    merged = tmp_path / "merged.json"
    honest = run_gate("merge", *map(str, reports), "--json", str(merged), cwd=repo)
    assert honest.code == 0, honest.output
    assert load_json(merged)["coverage"]["files"] == 3  # the merge has coverage again
    data = load_json(reports[1])
    data["shard"]["scope"] = {name: [] for name in data["shard"]["scope"]}
    data["shard"]["findings"] = []
    reports[1].write_text(json.dumps(data), encoding="utf-8")
    emptied = run_gate("merge", *map(str, reports), cwd=repo)
    assert emptied.code == 3, emptied.output
    errors = [line for line in emptied.stderr.splitlines() if "error" in line]
    assert len(errors) == 1 and "do not match the plan of shard 2/2" in errors[0]
