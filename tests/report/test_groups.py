"""Dependency findings grouped by package in the console, Markdown and annotations; the JSON
keeps package, version, fixed versions and aliases per finding."""

from __future__ import annotations

from pathlib import Path

from tests.deps.conftest import FIXTURES, write_database
from tests.deps.test_severity import RECORDS
from tests.helpers import load_json, make_repo, run_gate, validate_sarif, waive_blocks

POLICY = """\
version = 1
[scanners.pip-audit]
index_url = "{index}"
"""


def _repo(tmp_path: Path) -> Path:
    index = (FIXTURES / "index").resolve().as_uri() + "/"
    return make_repo(tmp_path / "repo", {
        "requirements.txt": "requests==2.2.0\nflask==1.0\n",
        "gate.toml": POLICY.format(index=index)})


def test_grouped_in_every_report(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    db = write_database(tmp_path / "db", RECORDS)
    common = ("scan", ".", "--scanners", "pip-audit", "--advisory-db", str(db), "--no-cache")
    text = run_gate(*common, "--json", str(tmp_path / "r.json"),
                    "--sarif", str(tmp_path / "r.sarif"), cwd=repo)
    assert text.code == 1, text.stderr
    assert ("critical pip-audit: requests 2.2.0 [unknown] (requirements.txt:1): 3 advisories "
            "(2 critical, 1 high); upgrade to 2.2.3 fixes all "
            "[GHSA-eeee-2222-bbbb, PYSEC-2020-1, PYSEC-2020-3]") in text.stdout
    assert ("critical pip-audit: flask 1.0 [unknown] (requirements.txt:2): 1 advisory "
            "(1 critical); no unaffected version [MAL-2024-7]") in text.stdout
    assert "1 advisory without a severity counted as high" in text.stdout
    listed = "\n".join(line for line in text.stdout.splitlines()
                       if not line.startswith("        "))  # the findings, not the hints
    assert "PYSEC-2020-3" not in listed.replace("[GHSA-eeee-2222-bbbb, PYSEC-2020-1, "
                                                "PYSEC-2020-3]", "")
    # each failing advisory of a pin has its waiver under the pin's one line
    rules = [line.strip() for block in waive_blocks(text.stdout) for line in block.splitlines()
             if line.strip().startswith("rule = ")]
    assert rules == ['rule = "GHSA-eeee-2222-bbbb"', 'rule = "PYSEC-2020-1"',
                     'rule = "PYSEC-2020-3"', 'rule = "MAL-2024-7"'], text.stdout
    report = load_json(tmp_path / "r.json")
    pysec = next(f for f in report["findings"] if f["rule_id"] == "PYSEC-2020-1")
    assert (pysec["package"], pysec["version"], pysec["fixed_versions"]) == (
        "requests", "2.2.0", ["2.2.1"])
    assert pysec["aliases"] == ["CVE-2020-1", "GHSA-dddd-1111-aaaa"]
    assert pysec["fixes_all"] == "2.2.3"
    assert pysec["severity_source"] == "CVSS_V3 9.8 via GHSA-dddd-1111-aaaa"
    assert validate_sarif(tmp_path / "r.sarif")[0] == 0
    results = load_json(tmp_path / "r.sarif")["runs"][0]["results"]
    assert {r["ruleId"] for r in results} >= {"PYSEC-2020-1", "PYSEC-2020-3",
                                             "GHSA-eeee-2222-bbbb", "MAL-2024-7"}
    pysec_result = next(r for r in results if r["ruleId"] == "PYSEC-2020-1")
    assert pysec_result["properties"]["gate/package"] == "requests"
    assert pysec_result["properties"]["gate/fixed-versions"] == ["2.2.1"]
    markdown = run_gate(*common, "--format", "markdown", cwd=repo)
    assert "requests 2\\.2\\.0 \\[unknown\\] \\(requirements\\.txt&#58;1\\)&#58; 3 advisories" in (
        markdown.stdout)
    assert "upgrade to 2\\.2\\.3 fixes all" in markdown.stdout
    github = run_gate(*common, "--format", "github", cwd=repo)
    annotations = [line for line in github.stdout.splitlines() if line.startswith("::error")]
    assert len(annotations) == 2  # one per vulnerable pin
    assert any("upgrade to 2.2.3 fixes all" in a for a in annotations)


def _classed_decision():  # type: ignore[no-untyped-def]
    import datetime as dt

    from gate.policy.evaluate import Context, evaluate
    from gate.policy.load import load_preset
    from gate.policy.what_if import class_effects, what_if
    from gate.runs import ScannerRun
    from tests.policy.test_path_classes import finding

    policy = load_preset("default")
    items = [finding(path="tests/test_<b>.py", line=4), finding(path="app.py", line=4),
             finding("PYSEC-1", "examples/requirements.txt", scanner="pip-audit", cwe=())]
    runs = [ScannerRun(scanner=s, tool=s, version="1", arguments=(), exit_code=0, error=None,
                       files=1) for s in ("bandit", "pip-audit")]
    ctx = Context(today=dt.date(2026, 6, 1), files_scanned=3)
    decision = evaluate(policy, items, runs, ctx)
    from dataclasses import replace
    return replace(decision, what_if=what_if(policy, items, runs, ctx, decision),
                   class_effects=class_effects(policy, items, runs, ctx, decision))


def test_every_report_shows_the_path_class() -> None:
    import json

    from gate.report import explain, html, json_report, markdown, sarif, text
    from gate.report.groups import by_class

    decision = _classed_decision()
    assert by_class(decision) == ["tests: 1 (1 warn)", "docs: 0", "examples: 1 (1 warn)",
                                  "no class: 1 (1 fail)"]
    console = text.render(decision)
    assert ("  by path class: tests: 1 (1 warn); docs: 0; examples: 1 (1 warn); "
            "no class: 1 (1 fail)") in console
    assert "tests/test_<b>.py:4 bandit/B501: B501 here [tests]" in console
    assert "By path class: tests&#58; 1 \\(1 warn\\)" in markdown.render(decision)
    report = json.loads(json_report.render(decision))
    assert [(f["path"], f["path_class"]) for f in report["findings"]] == [
        ("tests/test_<b>.py", "tests"), ("app.py", None),
        ("examples/requirements.txt", "examples")]
    assert report["path_classes"][0]["counts"]["warn"] == 1
    assert report["no_path_class"]["fail"] == 1
    assert [(e["name"], e["failing"], e["failing_without"]) for e in report["class_effects"]
            ] == [("tests", 0, 1), ("docs", 0, 0), ("examples", 0, 1)]
    results = [r for run in json.loads(sarif.render(decision))["runs"] for r in run["results"]]
    assert sorted((r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
                   r["properties"].get("gate/path-class", "")) for r in results) == [
        ("app.py", ""), ("examples/requirements.txt", "examples"),
        ("tests/test_%3Cb%3E.py", "tests")]
    page = html.render(decision)
    assert '<tr data-path-class="tests">' in page and 'id="path-classes-table"' in page
    assert "tests/test_&lt;b&gt;.py" in page and "test_<b>" not in page
    assert 'data-path-class="examples" data-failing="0" data-failing-without="1"' in page
    assert "failing per path class" in page
    what_if = explain.render_what_if(decision)
    assert ('  examples  1 issue(s), 0 failing; without [paths.examples] fail_on = '
            '"critical": 1 failing (pip-audit/PYSEC-1)') in what_if
