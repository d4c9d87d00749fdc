"""--sbom: a CycloneDX 1.6 JSON of every audited dependency (purl, manifest line) with its
vulnerabilities, validated by cyclonedx-python-lib; incomplete unless lock files only."""

from __future__ import annotations

from pathlib import Path

from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from tests.cli.test_advisories import DEAD_OSV, _app, export
from tests.helpers import load_json, run_gate


def _sbom(repo: Path, archive: Path, out: Path) -> dict:  # type: ignore[type-arg]
    result = run_gate("scan", ".", "--scanners", "pip-audit", "--advisory-db", str(archive),
                      "--osv-url", DEAD_OSV, "--no-cache", "--sbom", str(out), cwd=repo)
    assert result.code == 1, result.stderr
    errors = JsonStrictValidator(SchemaVersion.V1_6).validate_str(out.read_text("utf-8"))
    assert errors is None, errors
    data: dict = load_json(out)  # type: ignore[type-arg]
    return data


def test_sbom_of_pins(tmp_path: Path) -> None:
    archive = export(tmp_path / "data", days_old=0)
    repo = _app(tmp_path)
    data = _sbom(repo, archive, tmp_path / "sbom.json")
    assert data["specVersion"] == "1.6"
    components = {c["purl"]: c for c in data["components"]}
    assert set(components) == {"pkg:pypi/requests@2.19.0", "pkg:pypi/jinja2@2.10",
                               "pkg:pypi/flask@1.0"}
    assert components["pkg:pypi/jinja2@2.10"]["evidence"]["occurrences"] == [
        {"location": "requirements.txt", "line": 2}]
    vulns = {v["id"]: v for v in data["vulnerabilities"]}
    assert set(vulns) == {"PYSEC-2021-1", "PYSEC-2021-2", "GHSA-jjjj-2222-bbbb"}
    assert vulns["PYSEC-2021-1"]["affects"] == [{"ref": "pkg:pypi/requests@2.19.0"}]
    assert vulns["PYSEC-2021-1"]["ratings"] == [{"severity": "critical"}]
    assert {r["id"] for r in vulns["PYSEC-2021-1"]["references"]} == {
        "CVE-2021-1", "GHSA-rrrr-1111-aaaa"}
    assert data["compositions"] == [{"aggregate": "incomplete"}]  # --no-deps pins


def test_sbom_of_a_lock_file_is_complete(tmp_path: Path) -> None:
    archive = export(tmp_path / "data", days_old=0)
    repo = _app(tmp_path)
    (repo / "requirements.txt").unlink()
    (repo / "pylock.toml").write_text(
        'lock-version = "1.0"\ncreated-by = "test"\n\n[[packages]]\nname = "requests"\n'
        'version = "2.19.0"\n', encoding="utf-8")
    data = _sbom(repo, archive, tmp_path / "sbom.json")
    assert [c["purl"] for c in data["components"]] == ["pkg:pypi/requests@2.19.0"]
    assert data["compositions"] == [{"aggregate": "complete"}]
