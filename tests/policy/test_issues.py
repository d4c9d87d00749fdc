"""One bug, one issue, on constructed findings: CWE families, which findings are twins, and
how waivers, inline suppressions and baselines decide the issue. The same with the real
scanners: tests/e2e/test_one_issue.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from gate import baseline
from gate.baseline import BaselineState
from gate.findings import Confidence, Finding, InlineSuppression, Location, Severity, fingerprint
from gate.ingest import sarif_import
from gate.policy import issues
from gate.policy.decision import Disposition
from gate.policy.family import related, same_family
from gate.report import json_report, sarif
from tests.helpers import TODAY, finding
from tests.policy.test_evaluate import decide, run, waiver


@pytest.mark.parametrize(("a", "b"), [
    (328, 916), (327, 328), (95, 94), (502, 502), (78, 78), (89, 89), (295, 295), (1336, 94)])
def test_same_family_pairs(a: int, b: int) -> None:
    assert same_family(a, b) and same_family(b, a)


@pytest.mark.parametrize(("a", "b"), [(78, 95), (20, 502), (89, 78), (295, 327), (79, 89),
                                      (502, 94), (22, 78), (327, 916), (489, 94), (79, 94)])
def test_different_families(a: int, b: int) -> None:
    assert not same_family(a, b)


def test_findings_are_related_by_any_cwe_of_one_family() -> None:
    """bandit's adapter gives B307/B102 CWE-95 and B506 CWE-502 (its own ids say 78 and 20)."""
    eval_rule = finding("python-eval-request-data", scanner="semgrep", cwe=(95,))
    assert related(finding("B307", cwe=(95, 94)), eval_rule)
    assert related(finding("B102", cwe=(95, 94)), eval_rule)
    assert related(finding("B506", cwe=(502,)), finding("python-yaml-unsafe-load",
                                                        scanner="semgrep", cwe=(502,)))
    assert not related(finding("B602", cwe=(78,)), eval_rule)
    assert not related(finding("B307", cwe=(78,)), eval_rule)


def spanning(rule: str, start: int, end: int, scanner: str = "semgrep",
             cwe: tuple[int, ...] = (78,), severity: Severity = Severity.HIGH,
             suppression: InlineSuppression | None = None) -> Finding:
    """A finding over lines ``start..end`` (a multi-line call)."""
    return Finding(scanner=scanner, rule_id=rule, rule_name=rule, message=f"{rule} here",
                   severity=severity, confidence=Confidence.HIGH,
                   location=Location("app.py", start, 5, end),
                   fingerprint=fingerprint(rule, "app.py", f"{rule}{start}"), cwe=cwe,
                   suppression=suppression)


def test_twins_on_lines_of_one_multi_line_call() -> None:
    """Bandit names the keyword's line (its range runs to the call's end), semgrep the call."""
    call = spanning("python-subprocess-shell-non-literal", 45, 48)
    assert issues.twins(spanning("B602", 47, 48, "bandit"), call)
    assert issues.twins(call, spanning("B602", 48, 48, "bandit"))
    assert not issues.twins(spanning("B602", 49, 49, "bandit"), call)  # after the call
    assert not issues.twins(spanning("B602", 44, 44, "bandit"), call)  # before it
    assert not issues.twins(spanning("python-subprocess-shell-non-literal", 46, 46), call)
    assert issues.twins(spanning("web-command-injection", 46, 46), call)  # a taint twin
    assert not issues.twins(spanning("B608", 47, 47, "bandit", cwe=(89,)), call)


def test_each_issue_takes_one_finding_per_scanner_the_closest() -> None:
    """Two bandit findings inside one semgrep span: the one on the same lines joins it."""
    call = spanning("python-subprocess-shell-non-literal", 10, 14)
    far, near = spanning("B602", 11, 11, "bandit"), spanning("B602", 10, 14, "bandit")
    assert issues.groups([far, call, near]) == [[1, 2]]


def test_one_issue_at_the_higher_severity_naming_both_scanners() -> None:
    b = finding("B506", line=17, severity=Severity.MEDIUM, cwe=(502,), content="yaml.load(t)")
    s = finding("python-yaml-unsafe-load", scanner="semgrep", line=17, cwe=(502,))
    d = decide("", [b, s], [run(), run("semgrep")])
    assert d.counts()["fail"] == 1 and d.counts()["warn"] == 0
    lead = next(i for i in d.items if i.duplicate_of is None)
    assert (lead.finding.rule_id, lead.severity, lead.also_found_by) == \
        ("python-yaml-unsafe-load", Severity.HIGH, ("bandit",))
    assert [t.rule_id for t in lead.twins] == ["B506"]
    other = next(i for i in d.items if i.duplicate_of is not None)
    assert other.duplicate_of == s.fingerprint and other.finding.rule_id == "B506"
    data = sarif.to_dict(d)
    results = [(r["tool"]["driver"]["name"], x) for r in data["runs"] for x in r["results"]]
    assert len(results) == 1 and results[0][0] == "semgrep"
    assert results[0][1]["properties"]["gate/also-found-by"][0]["tool"] == "bandit"
    assert results[0][1]["properties"]["gate/also-found-by"][0]["ruleId"] == "B506"
    report = json_report.to_dict(d)
    assert {f["rule_id"] for f in report["findings"]} == {"B506", "python-yaml-unsafe-load"}
    head = next(f for f in report["findings"] if f["duplicate_of"] is None)
    assert [(t["scanner"], t["rule_id"], t["start_line"]) for t in head["twins"]] == \
        [("bandit", "B506", 17)]


@pytest.mark.parametrize("rule", ["B324", "python-weak-hash-for-password"])
def test_one_waiver_for_either_rule_waives_the_issue(rule: str) -> None:
    b = finding("B324", line=13, cwe=(328,), content="md5(p)")
    s = finding("python-weak-hash-for-password", scanner="semgrep", line=13, cwe=(916,))
    d = decide(waiver(rule), [b, s], [run(), run("semgrep")])
    assert d.exit_code == 0, d.reasons
    assert d.counts()["waived"] == 1 and d.counts()["fail"] == 0
    assert {i.disposition for i in d.items} == {Disposition.WAIVED}
    assert d.waivers[0].status == "used"
    assert sarif.to_dict(d)["runs"][0]["results"] == []
    kept = sarif.to_dict(d, include_waived=True)
    assert sum(len(r["results"]) for r in kept["runs"]) == 1


def test_expired_waiver_of_the_twin_is_a_failure_reason() -> None:
    b = finding("B324", line=13, cwe=(328,), content="md5(p)")
    s = finding("python-weak-hash-for-password", scanner="semgrep", line=13, cwe=(916,))
    d = decide(waiver("python-weak-hash-for-password", "2026-11-01"), [b, s],
               [run(), run("semgrep")])
    assert d.exit_code == 1
    assert any("no longer waives 1 failing finding(s)" in r for r in d.reasons), d.reasons


def test_a_rule_specific_inline_suppression_must_name_each_rule() -> None:
    nosec = InlineSuppression("nosec", ("B324",), "")
    nosemgrep = InlineSuppression("nosemgrep", ("python-weak-hash-for-password",), "")

    def pair(on_b: InlineSuppression | None, on_s: InlineSuppression | None) -> list[Finding]:
        return [finding("B324", line=13, cwe=(328,), content="md5(p)", suppression=on_b),
                finding("python-weak-hash-for-password", scanner="semgrep", line=13,
                        cwe=(916,), suppression=on_s)]

    d = decide("", pair(nosec, None), [run(), run("semgrep")])
    assert d.exit_code == 1 and d.counts() == {**d.counts(), "fail": 1, "waived": 0}
    lead = next(i for i in d.items if i.duplicate_of is None)
    assert lead.finding.rule_id == "python-weak-hash-for-password"
    assert "names bandit/B324 but not semgrep/python-weak-hash-for-password" in lead.reason
    d = decide("", pair(nosec, nosemgrep), [run(), run("semgrep")])
    assert d.exit_code == 0 and d.counts()["waived"] == 1
    everything = InlineSuppression("gate", ("*",), "checksum")
    d = decide("", pair(everything, everything), [run(), run("semgrep")])
    assert d.exit_code == 0 and d.counts()["waived"] == 1
    d = decide('inline_suppressions = "deny"\n', pair(nosec, nosemgrep),
               [run(), run("semgrep")])
    assert d.exit_code == 1 and d.counts()["fail"] == 1


def test_one_baseline_entry_covers_the_issue() -> None:
    b = finding("B602", line=47)
    s = finding("python-subprocess-shell-non-literal", scanner="semgrep", line=45)
    s = Finding(**{**s.__dict__, "location": Location("app.py", 45, 5, 48)})
    recorded = baseline.create([b], TODAY)  # recorded before semgrep's rule existed
    d = decide("", [b, s], [run(), run("semgrep")], baseline=recorded, new_only=True)
    assert d.exit_code == 0 and d.counts()["baseline"] == 1
    assert {i.baseline_state for i in d.items} == {BaselineState.UNCHANGED}
    d = decide("", [b, s], [run(), run("semgrep")], baseline=recorded)
    lead = next(i for i in d.items if i.duplicate_of is None)
    assert d.exit_code == 1 and lead.baseline_state is BaselineState.UNCHANGED


def test_a_rule_ignored_by_the_policy_leaves_the_other_to_decide() -> None:
    b = finding("B307", line=22, severity=Severity.MEDIUM, cwe=(95, 94), content="eval(x)")
    s = finding("python-eval-request-data", scanner="semgrep", line=22, cwe=(95,),
                severity=Severity.CRITICAL)
    d = decide('[[rules]]\nid = "python-eval-request-data"\nignore = true\nreason = "r"\n',
               [b, s], [run(), run("semgrep")])
    assert d.counts()["warn"] == 1 and d.counts()["hidden"] == 0 and d.exit_code == 0
    lead = next(i for i in d.items if i.duplicate_of is None)
    assert (lead.finding.rule_id, lead.severity) == ("B307", Severity.MEDIUM)


def test_a_gate_sarif_read_back_restores_the_twin_and_ignores_junk() -> None:
    b = finding("B506", line=17, severity=Severity.MEDIUM, cwe=(502,), content="yaml.load(t)")
    s = finding("python-yaml-unsafe-load", scanner="semgrep", line=17, cwe=(502,))
    data = sarif.to_dict(decide("", [b, s], [run(), run("semgrep")]))
    result = next(x for r in data["runs"] for x in r["results"])
    result["properties"]["gate/also-found-by"] += [
        "junk", {"tool": "x"}, {"tool": "x", "ruleId": "R", "startLine": 0},
        {"tool": ["x"], "ruleId": "R", "startLine": 3}]
    imported = sarif_import.parse_many([("o.sarif", sarif.dumps(data))], Path("/nowhere"),
                                       line_reader=lambda path: None)
    assert sorted((f.scanner, f.rule_id, f.location.start_line, f.cwe, f.fingerprint)
                  for f in imported.findings) == [
        ("bandit", "B506", 17, (502,), b.fingerprint),
        ("semgrep", "python-yaml-unsafe-load", 17, (502,), s.fingerprint)]
    again = decide(waiver("B506"), list(imported.findings), [run(), run("semgrep")])
    assert again.counts()["waived"] == 1 and again.exit_code == 0


def test_findings_waived_by_their_own_waivers_keep_them() -> None:
    b = finding("B324", line=13, cwe=(328,), content="md5(p)")
    s = finding("python-weak-hash-for-password", scanner="semgrep", line=13, cwe=(916,))
    d = decide(waiver("B324") + waiver("python-weak-hash-for-password"), [b, s],
               [run(), run("semgrep")])
    assert d.counts()["waived"] == 1
    assert sorted((i.finding.rule_id, i.waiver.label if i.waiver else "") for i in d.items) == [
        ("B324", "waiver #1 (B324)"),
        ("python-weak-hash-for-password", "waiver #2 (python-weak-hash-for-password)")]
    assert [w.status for w in d.waivers] == ["used", "used"]
