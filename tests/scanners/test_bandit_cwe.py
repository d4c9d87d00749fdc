"""The CWE on bandit's findings, with the real bandit: the weakness first, the gate's
remaps where bandit names a neighbouring weakness, none on an import, and the same list in
the SARIF tags (rule and result) and the JSON report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gate.findings import Finding
from gate.ingest import sarif_import
from gate.policy.decision import Decided, Decision, Disposition, Verdict
from gate.policy.load import load_preset
from gate.report import json_report, sarif
from gate.scanners.bandit.adapter import BanditScanner
from gate.scanners.bandit.cwe import DIGEST, cwe_for, external_entities_on
from gate.scanners.interface import ScanContext, ScanResult

APP = """\
import hashlib
import pickle
import xml.etree.ElementTree as ET
import xml.sax

import yaml
from flask import Flask

app = Flask(__name__)


def digest(data):
    return hashlib.md5(data).hexdigest()


def run(expr, code):
    value = eval(expr)
    exec(code)
    return value


def load(text):
    return yaml.load(text)


def parse(data, handler):
    xml.sax.parseString(data, handler)
    return ET.fromstring(data)


HOST = "0.0.0.0"
app.run(debug=True)
"""

# A SAX parser with external general entities switched on: it fetches them (XXE).
XXE = """\
import xml.sax
from xml.sax.handler import feature_external_ges


def parse(path, handler):
    parser = xml.sax.make_parser()
    parser.setFeature(feature_external_ges, True)
    parser.setContentHandler(handler)
    parser.parse(path)
"""

# (rule, path, line) -> the CWEs the finding carries, weakness first.
EXPECTED = {
    ("B403", "app.py", 2): (),  # import pickle: an import, no weakness
    ("B405", "app.py", 3): (),
    ("B406", "app.py", 4): (),
    ("B324", "app.py", 13): (328,),
    ("B307", "app.py", 17): (95, 94),
    ("B102", "app.py", 18): (95, 94),
    ("B506", "app.py", 23): (502,),
    ("B317", "app.py", 27): (776,),  # entity expansion: stdlib SAX fetches no entities
    ("B314", "app.py", 28): (776,),
    ("B104", "app.py", 31): (1327,),
    ("B201", "app.py", 32): (489,),
    ("B406", "xxe.py", 1): (),
    ("B406", "xxe.py", 2): (),
    ("B317", "xxe.py", 6): (611,),  # external general entities switched on
}


@pytest.fixture(scope="module")
def findings(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str, int], Finding]:
    root = tmp_path_factory.mktemp("bandit-cwe")
    (root / "app.py").write_text(APP, encoding="utf-8")
    (root / "xxe.py").write_text(XXE, encoding="utf-8")
    result: ScanResult = BanditScanner().scan(
        ScanContext(root=root, files=("app.py", "xxe.py"), timeout=120))
    assert result.run.ok, result.run.error
    return {(f.rule_id, f.location.path, f.location.start_line): f for f in result.findings}


def test_each_finding_carries_the_cwe_of_its_weakness(
        findings: dict[tuple[str, str, int], Finding]) -> None:
    assert {key: f.cwe for key, f in findings.items()} == EXPECTED


def _decision(items: list[Finding]) -> Decision:
    return Decision(policy=load_preset("default"), verdict=Verdict.FAIL, exit_code=1,
                    items=tuple(Decided(f, Disposition.FAIL, f.severity, "test")
                                for f in items),
                    runs=(BanditScanner().record(ScanContext(Path("."), (), 1), version="1.9.4",
                                                 arguments=(), exit_code=1),),
                    reasons=("test",))


def test_sarif_tags_name_the_weakness_first(
        findings: dict[tuple[str, str, int], Finding], tmp_path: Path) -> None:
    data = sarif.to_dict(_decision(list(findings.values())))
    (run,) = data["runs"]
    tags = {rule["id"]: rule["properties"]["tags"] for rule in run["tool"]["driver"]["rules"]}
    assert tags["B324"][:3] == ["security", "external/cwe/cwe-328", "CWE-328"]
    assert tags["B307"][:5] == ["security", "external/cwe/cwe-95", "external/cwe/cwe-94",
                                "CWE-95", "CWE-94"]
    assert tags["B102"][1:3] == ["external/cwe/cwe-95", "external/cwe/cwe-94"]
    assert tags["B506"][1] == "external/cwe/cwe-502"
    assert tags["B201"][1] == "external/cwe/cwe-489"
    assert tags["B104"][1] == "external/cwe/cwe-1327"
    assert tags["B314"][1] == "external/cwe/cwe-776"
    assert not [t for t in tags["B403"] if "cwe" in t.lower()]
    # B317 is one rule with two weaknesses: the rule says the first result's (app.py, 776),
    # the xxe.py result says its own.
    assert tags["B317"][1] == "external/cwe/cwe-776"
    own = {(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], r["ruleId"]):
           r["properties"].get("tags") for r in run["results"]}
    assert own[("xxe.py", "B317")] == ["security", "external/cwe/cwe-611", "CWE-611"]
    assert own[("app.py", "B317")] is None and own[("app.py", "B307")] is None
    # Read back (gate evaluate): the order and the result's own weakness survive.
    back = sarif_import.parse_many([("gate.sarif", sarif.dumps(data))], tmp_path,
                                   line_reader=lambda path: "")
    assert {(f.rule_id, f.location.path, f.location.start_line): f.cwe
            for f in back.findings} == EXPECTED


def test_the_json_report_lists_the_cwes_in_order(
        findings: dict[tuple[str, str, int], Finding]) -> None:
    data = json.loads(json_report.render(_decision(list(findings.values()))))
    listed = {(f["rule_id"], f["path"], f["start_line"]): tuple(f["cwe"])
              for f in data["findings"]}
    assert listed == EXPECTED


def test_an_unknown_test_keeps_bandit_s_cwe_and_an_import_none() -> None:
    assert cwe_for("B999", 78, "") == (78,)
    assert cwe_for("B999", 0, "") == ()
    assert cwe_for("b403", 502, "") == ()
    assert cwe_for("B314", 20, XXE) == (776,)  # ElementTree takes no SAX parser
    assert cwe_for("B318", 20, XXE) == (611,)  # minidom.parse(f, parser) uses a SAX parser


@pytest.mark.parametrize(("source", "on"), [
    ("p.setFeature(feature_external_ges, True)", True),
    ("p.setFeature(xml.sax.handler.feature_external_ges, 1)", True),
    ('p.setFeature("http://xml.org/sax/features/external-general-entities", True)', True),
    ("p.setFeature(feature_external_ges, False)", False),
    ("p.setFeature(feature_namespaces, True)", False),
])
def test_external_entities_switched_on(source: str, on: bool) -> None:
    assert external_entities_on(source) is on


def test_the_cache_key_follows_the_table() -> None:
    """A cached finding keeps the CWEs it was stored with: a new table is a new key."""
    config = BanditScanner().cache_config(ScanContext(Path("."), (), 1))
    assert config == {"arguments": ["-f", "json", "-q", "--ignore-nosec", "--exclude="],
                      "cwe": DIGEST}
