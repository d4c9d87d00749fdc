"""--vex FILE on scan, evaluate and merge: an OpenVEX 0.2.0 document of the team's decisions,
validated against OpenVEX's own JSON schema (``openvex_json_schema.json``, copied unchanged
from github.com/openvex/spec; its licence in ``openvex_json_schema.NOTICE``: the repository is
CC0 1.0, its specifications under the Community Specification License 1.0).

The application: flask imported (its advisory fixed in 1.1, its until_fixed waiver ended by
that fix: fails), requests in the lock file but imported by nothing (not-imported), pyyaml
waived as not_affected with a justification, jinja2 (via flask) waived with a ticket. The
advisory records are written here and read offline; the index is a file:// folder.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema

from gate.policy.decision import Decision
from gate.policy.model import Policy
from gate.report import vex
from tests.deps.conftest import FIXTURES, write_database
from tests.helpers import load_json, make_repo, run_gate
from tests.report.decisions import make_decision, make_finding

SCHEMA = load_json(Path(__file__).parent / "openvex_json_schema.json")
TODAY = {"GATE_TODAY": "2026-11-27"}


def _fixed(advisory: str, package: str, fixed: str | None) -> dict[str, object]:
    events: list[dict[str, str]] = [{"introduced": "0"}]
    if fixed:
        events.append({"fixed": fixed})
    return {"id": advisory, "aliases": [f"CVE-2026-{advisory[-2:]}"],
            "summary": f"{package} is vulnerable",
            "affected": [{"package": {"name": package, "ecosystem": "PyPI"},
                          "ranges": [{"type": "ECOSYSTEM", "events": events}]}],
            "database_specific": {"severity": "HIGH"}}


RECORDS = {
    "flask/PYSEC-9999-20.json": _fixed("PYSEC-9999-20", "flask", "1.1"),
    "requests/PYSEC-9999-21.json": _fixed("PYSEC-9999-21", "requests", "2.20.0"),
    "pyyaml/GHSA-yyyy-9999-0022.json": _fixed("GHSA-yyyy-9999-0022", "pyyaml", None),
    "jinja2/PYSEC-9999-23.json": _fixed("PYSEC-9999-23", "jinja2", "2.11.3"),
}

UV_LOCK = """version = 1
[[package]]
name = "app"
version = "0.1.0"
source = { virtual = "." }
dependencies = [{ name = "flask" }, { name = "pyyaml" }, { name = "requests" }]

[[package]]
name = "flask"
version = "1.0"
dependencies = [{ name = "jinja2" }]

[[package]]
name = "jinja2"
version = "2.10"

[[package]]
name = "pyyaml"
version = "5.3"

[[package]]
name = "requests"
version = "2.19.0"
"""

POLICY = """version = 1
[scanners.pip-audit]
index_url = "{index}"

[[waivers]]
rule = "PYSEC-9999-20"
reason = "waiting for the fix"
expires = 2027-06-30
until_fixed = true

[[waivers]]
rule = "GHSA-yyyy-9999-0022"
reason = "only safe_load is called"
expires = 2027-06-30
until_fixed = true
vex = "not_affected"
justification = "inline_mitigations_already_exist"

[[waivers]]
rule = "PYSEC-9999-23"
reason = "templates are our own"
ticket = "SEC-7"
expires = 2027-06-30
"""


def _repo(tmp_path: Path) -> tuple[Path, Path]:
    db = write_database(tmp_path / "osv", RECORDS)
    repo = make_repo(tmp_path / "app", {
        "gate.toml": POLICY.format(index=(FIXTURES / "index").resolve().as_uri() + "/"),
        "requirements.txt": "flask==1.0\npyyaml==5.3\njinja2==2.10\nrequests==2.19.0\n",
        "uv.lock": UV_LOCK,
        "pyproject.toml": '[project]\nname = "app"\nversion = "0.1.0"\n',
        "app/__init__.py": "",
        "app/main.py": "import flask\nimport yaml\n\napp = flask.Flask(__name__)\n",
    })
    return repo, db


def _statements(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """(advisory, purl) -> the statement, for the requirements.txt pins."""
    return {(s["vulnerability"]["name"], s["products"][0]["@id"]): s
            for s in document["statements"]}


def test_scan_writes_valid_openvex_of_the_decisions(tmp_path: Path) -> None:
    repo, db = _repo(tmp_path)
    out = tmp_path / "out"
    args = ("scan", ".", "--scanners", "pip-audit", "--advisory-db", str(db), "--no-cache",
            "--json", str(out / "r.json"), "--sarif", str(out / "r.sarif"),
            "--sarif-include-waived", "--vex", str(out / "vex.json"))
    result = run_gate(*args, cwd=repo, env=TODAY)
    assert result.code == 1, result.stderr + result.stdout
    assert ("waiver #1 (PYSEC-9999-20) ended (until_fixed): flask 1.1 fixes PYSEC-9999-20 and "
            "no longer waives 2 failing finding(s): waiting for the fix") in result.stdout
    document = load_json(out / "vex.json")
    jsonschema.validate(document, SCHEMA)
    assert document["@context"] == "https://openvex.dev/ns/v0.2.0"
    assert document["timestamp"] == "2026-11-27T00:00:00Z"
    assert document["@id"].startswith("urn:uuid:")
    found = _statements(document)
    # the lock file also pins each package: the same release, one statement
    assert set(found) == {("PYSEC-9999-20", "pkg:pypi/flask@1.0"),
                          ("PYSEC-9999-21", "pkg:pypi/requests@2.19.0"),
                          ("GHSA-yyyy-9999-0022", "pkg:pypi/pyyaml@5.3"),
                          ("PYSEC-9999-23", "pkg:pypi/jinja2@2.10")}
    flask = found["PYSEC-9999-20", "pkg:pypi/flask@1.0"]
    assert (flask["status"], flask["action_statement"]) == (
        "affected", "Upgrade flask to 1.1 or later.")
    assert flask["vulnerability"]["aliases"] == ["CVE-2026-20"]
    assert flask["products"] == [{"@id": "pkg:pypi/flask@1.0",
                                  "identifiers": {"purl": "pkg:pypi/flask@1.0"}}]
    assert flask["status_notes"] == "reachability: imported (app/main.py:1)"
    requests = found["PYSEC-9999-21", "pkg:pypi/requests@2.19.0"]
    assert (requests["status"], requests["justification"]) == (
        "not_affected", "vulnerable_code_not_in_execute_path")
    pyyaml = found["GHSA-yyyy-9999-0022", "pkg:pypi/pyyaml@5.3"]
    assert (pyyaml["status"], pyyaml["justification"], pyyaml["impact_statement"]) == (
        "not_affected", "inline_mitigations_already_exist", "only safe_load is called")
    jinja2 = found["PYSEC-9999-23", "pkg:pypi/jinja2@2.10"]
    assert (jinja2["status"], jinja2["action_statement"]) == (
        "affected", "Accepted until 2027-06-30 (ticket SEC-7): templates are our own. "
        "Upgrade jinja2 to 2.11.3 or later.")

    # the same decisions give the same bytes; evaluate of the JSON report too
    again = run_gate(*args[:-1], str(out / "vex2.json"), cwd=repo, env=TODAY)
    assert again.code == 1
    assert (out / "vex2.json").read_bytes() == (out / "vex.json").read_bytes()
    evaluated = run_gate("evaluate", str(out / "r.json"), "--vex", str(out / "vex3.json"),
                         cwd=repo, env=TODAY)
    assert evaluated.code == 1, evaluated.stderr
    assert (out / "vex3.json").read_bytes() == (out / "vex.json").read_bytes()
    explained = run_gate("policy", "explain", str(out / "r.json"), cwd=repo, env=TODAY)
    assert ("  waiver #1 (PYSEC-9999-20) ended (until_fixed): flask 1.1 fixes PYSEC-9999-20"
            ) in explained.stdout
    # from the gate's SARIF: package, version, fixes and reachability are read back
    from_sarif = run_gate("evaluate", str(out / "r.sarif"), "--vex", "-", cwd=repo, env=TODAY)
    assert from_sarif.code == 1, from_sarif.stderr
    sarif_vex = json.loads(from_sarif.stdout)
    jsonschema.validate(sarif_vex, SCHEMA)
    assert {k: (s["status"], s.get("justification"), s.get("action_statement"))
            for k, s in _statements(sarif_vex).items()} == {
        k: (s["status"], s.get("justification"), s.get("action_statement"))
        for k, s in found.items()}


def test_merge_of_shards_writes_the_same_document(tmp_path: Path) -> None:
    repo, db = _repo(tmp_path)
    out = tmp_path / "out"
    shard = run_gate("scan", ".", "--scanners", "pip-audit", "--advisory-db", str(db),
                     "--no-cache", "--shard", "1/1", "--json", str(out / "s.json"), cwd=repo,
                     env=TODAY)
    assert shard.code == 0, shard.stderr + shard.stdout
    refused = run_gate("scan", ".", "--shard", "1/1", "--json", str(out / "x.json"), "--vex",
                       str(out / "x.vex"), cwd=repo, env=TODAY)
    assert refused.code == 2 and "--vex" in refused.stderr
    merged = run_gate("merge", str(out / "s.json"), "--vex", str(out / "vex.json"), cwd=repo,
                      env=TODAY)
    assert merged.code == 1, merged.stderr + merged.stdout
    document = load_json(out / "vex.json")
    jsonschema.validate(document, SCHEMA)
    assert {k: s["status"] for k, s in _statements(document).items()} == {
        ("PYSEC-9999-20", "pkg:pypi/flask@1.0"): "affected",
        ("PYSEC-9999-21", "pkg:pypi/requests@2.19.0"): "not_affected",
        ("GHSA-yyyy-9999-0022", "pkg:pypi/pyyaml@5.3"): "not_affected",
        ("PYSEC-9999-23", "pkg:pypi/jinja2@2.10"): "affected"}


def test_no_advisory_no_document() -> None:
    decision = make_decision([make_finding(1)])
    assert vex.render(decision) == ""
    assert vex.to_dict(Decision(policy=Policy(source="x"), verdict=decision.verdict,
                                exit_code=0, items=(), runs=(), reasons=())) is None


def test_scan_without_advisories_writes_nothing(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "app", {"app.py": "print('hello')\n"})
    result = run_gate("scan", ".", "--scanners", "bandit", "--no-cache", "--vex",
                      str(tmp_path / "vex.json"), cwd=repo)
    assert result.code == 0, result.stderr
    assert not (tmp_path / "vex.json").exists()
    assert "no VEX document written" in result.stderr
