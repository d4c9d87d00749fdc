"""JUnit XML: parsed with the standard library; one testcase per reported issue, failures
equal to the failing issues, grouped by scanner, and safe for any scanned text."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from collections import Counter

from gate.findings import Confidence, Finding, Location, Severity
from gate.policy import evaluate as policy_eval
from gate.policy.model import Policy
from gate.report import junit
from gate.runs import ScannerRun
from tests.report.conftest import HOSTILE, Scanned


def test_junit_from_a_real_scan_counts_issues_as_the_decision_does(scanned: Scanned) -> None:
    report = scanned.report
    root = ET.parse(scanned.out / "report.xml").getroot()
    assert root.tag == "testsuites"
    counts = report["counts"]
    assert int(root.get("failures", "")) == counts["fail"] == 1
    assert int(root.get("skipped", "")) == counts["waived"] + counts["baseline"]
    assert int(root.get("tests", "")) == sum(counts[d] for d in ("fail", "warn", "waived",
                                                                  "baseline"))
    assert int(root.get("errors", "")) == 0
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert set(suites) == {r["scanner"] for r in report["runs"]}
    failures = [c for c in root.iter("testcase") if c.find("failure") is not None]
    assert [(c.get("name"), c.get("file"), c.get("line")) for c in failures] == [
        ("B602 new.py:5", "new.py", "5")]
    props = {p.get("name"): p.get("value") for p in failures[0].iter("property")}
    assert props["scanners"] == "bandit, semgrep"  # one issue found by both, one testcase
    by_suite = Counter(c.get("classname", "").split(".")[1] for c in root.iter("testcase"))
    issues = [f for f in report["findings"]
              if f["duplicate_of"] is None and f["disposition"] != "hidden"]
    assert by_suite == Counter(f["scanner"] for f in issues)
    names = {c.get("file") for c in root.iter("testcase")}
    assert HOSTILE in names


def test_scanned_text_that_xml_cannot_hold_is_made_safe() -> None:
    nasty = "a\x00b\x1b[31mc\x0bd\ud800e]]></failure><x>&amp;"
    finding = Finding("bandit", "B1", "n", nasty, Severity.HIGH, Confidence.HIGH,
                      Location(f"dir/{nasty}.py", 2), "fp", remediation=nasty)
    runs = [ScannerRun("bandit", "bandit", "1", (), 1, None, 1),
            ScannerRun("semgrep", "semgrep", "1", (), None, f"crashed {nasty}", 1)]
    decision = policy_eval.evaluate(Policy(source="gate.toml"), [finding], runs,
                                    policy_eval.Context(today=dt.date(2026, 6, 1)))
    text = junit.render(decision)
    root = ET.fromstring(text.encode("utf-8"))
    assert root.get("failures") == "1" and root.get("errors") == "1"
    failure = root.find("./testsuite[@name='bandit']/testcase/failure")
    assert failure is not None and "]]></failure><x>&amp;" in (failure.text or "")
    error = root.find("./testsuite[@name='semgrep']/testcase/error")
    assert error is not None and error.get("message", "").startswith(
        "crashed a\\u0000b\\u001b[31mc\\u000bd\\ud800e")
