"""Development-only manifests end to end: the same vulnerable pin fails in the production
requirements and warns, under the default preset, where only development installs it (OSV
records written by the test, matched offline; no registry is asked)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.deps.conftest import write_database
from tests.helpers import load_json, make_repo, run_gate

RECORD = {"id": "PYSEC-9999-60", "summary": "requests leaks headers",
          "affected": [{"package": {"name": "requests", "ecosystem": "PyPI"},
                        "ranges": [{"type": "ECOSYSTEM",
                                    "events": [{"introduced": "0"}, {"fixed": "2.20.0"}]}]}],
          "database_specific": {"severity": "HIGH"}}

FILES = {
    "app.py": "import requests\n",
    "requirements.txt": "requests==2.19.0\n-r requirements-lint.txt\n",
    "requirements-lint.txt": "requests==2.19.0\n",  # dev by name, but production includes it
    "requirements-dev.txt": "requests==2.19.0\n",
    "docs/requirements.txt": "requests==2.19.0\n",
    "pyproject.toml": '[project]\nname = "app"\nversion = "1"\ndependencies = []\n\n'
                      '[project.optional-dependencies]\ndev = [\n    "requests==2.19.0",\n]\n',
}


def _scan(repo: Path, db: Path, out: Path) -> tuple[int, dict[str, Any], dict[str, Any]]:
    result = run_gate("scan", ".", "--scanners", "pip-audit", "--advisory-db", str(db),
                      "--no-cache", "--json", str(out / "r.json"), "--sarif",
                      str(out / "r.sarif"), cwd=repo)
    assert result.code in (0, 1), result.stderr + result.stdout
    assert "requests 2.19.0 [imported] [dev manifest] (requirements-dev.txt:1)" in (
        result.stdout)
    return result.code, load_json(out / "r.json"), load_json(out / "r.sarif")


def test_the_same_pin_fails_in_production_and_warns_in_development(tmp_path: Path) -> None:
    db = write_database(tmp_path / "osv-db", {"requests/PYSEC-9999-60.json": RECORD})
    repo = make_repo(tmp_path / "app", FILES)
    code, report, sarif = _scan(repo, db, tmp_path / "out")
    assert code == 1
    judged = {(f["path"], f["start_line"]): (f["manifest_class"], f["path_class"],
                                             f["disposition"])
              for f in report["findings"] if f["rule_id"] == "PYSEC-9999-60"}
    assert judged == {
        ("requirements.txt", 1): ("production", None, "fail"),
        ("requirements-lint.txt", 1): ("production", None, "fail"),  # -r from production
        ("requirements-dev.txt", 1): ("dev", "tests", "warn"),
        ("docs/requirements.txt", 1): ("docs", "docs", "warn"),
        ("pyproject.toml", 8): ("dev", "tests", "warn"),
    }
    messages = {f["path"]: f["message"] for f in report["findings"]}
    assert "; manifest class: dev (requirements-dev.txt, by its name)" in messages[
        "requirements-dev.txt"]
    assert "; manifest class: dev (optional-dependencies group 'dev')" in messages[
        "pyproject.toml"]
    assert "; manifest class: production (included by requirements.txt)" in messages[
        "requirements-lint.txt"]
    assert "manifest class" not in messages["requirements.txt"]
    props = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]:
             r["properties"] for r in sarif["runs"][0]["results"]}
    assert props["pyproject.toml"]["gate/manifest-class"] == "dev"
    assert props["pyproject.toml"]["gate/path-class"] == "tests"
    assert props["requirements.txt"]["gate/manifest-class"] == "production"
    assert "gate/path-class" not in props["requirements.txt"]

    # without the production pins, only development installs the package: the gate passes
    dev_only = make_repo(tmp_path / "dev-only", {
        **{k: v for k, v in FILES.items() if k != "requirements.txt"},
        "requirements.txt": "flask==1.0\n"})
    code, report, _ = _scan(dev_only, db, tmp_path / "out2")
    assert code == 0, report["reasons"]
    assert {f["disposition"] for f in report["findings"]
            if f["rule_id"] == "PYSEC-9999-60"} == {"warn"}
