"""Decision -> JUnit XML, for CI systems that show test reports.

One ``<testsuite>`` per scanner; one ``<testcase>`` per reported issue as the Decision counts
it (a cross-tool duplicate is one testcase under its lead scanner, naming every tool):
failing issues carry ``<failure>``, waived and baseline ones ``<skipped>``, warnings pass
with the message as output. Hidden findings are not reported. A scanner that could not do
its job is an ``<error>`` testcase. Text from scanned content is XML-escaped, its bidi and
control characters shown as ``\\uXXXX``, and stripped of the characters XML 1.0 cannot hold.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from gate.policy.decision import Decided, Decision, Disposition, sort_key
from gate.report.escape import visible_escapes
from gate.runs import ScannerRun

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_REPORTED = (Disposition.FAIL, Disposition.WARN, Disposition.WAIVED, Disposition.BASELINE)


def clean(text: str) -> str:
    """``text`` with bidi and control characters shown as ``\\uXXXX`` (``escape``), and
    without the characters XML 1.0 forbids (each becomes ``?``)."""
    return _NOT_XML.sub("?", visible_escapes(text))


def render(decision: Decision) -> str:
    """The JUnit XML document."""
    issues = sorted((d for d in decision.items
                     if d.duplicate_of is None and d.disposition in _REPORTED), key=sort_key)
    scanners = list(dict.fromkeys([*(r.scanner for r in decision.runs),
                                   *(d.finding.scanner for d in issues)]))
    root = ET.Element("testsuites", name=clean(f"secops-gate: {decision.verdict.value} "
                                               f"(exit {decision.exit_code})"))
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for name in scanners:
        suite = _suite(name, [d for d in issues if d.finding.scanner == name],
                       [r for r in decision.runs if r.scanner == name])
        for key in totals:
            totals[key] += int(suite.get(key, "0"))
        root.append(suite)
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _suite(name: str, issues: Sequence[Decided], runs: Sequence[ScannerRun]) -> ET.Element:
    suite = ET.Element("testsuite", name=clean(name))
    counts = {"failures": 0, "errors": 0, "skipped": 0}
    for run in runs:
        if run.ok:
            continue
        case = ET.SubElement(suite, "testcase", name=clean(f"{name} run"),
                             classname=clean(f"secops-gate.{name}"))
        ET.SubElement(case, "error", message=clean(run.error or "scanner failed"),
                      type="scanner-error")
        counts["errors"] += 1
    for item in issues:
        _case(suite, item, counts)
    suite.set("tests", str(len(suite)))
    for key, value in counts.items():
        suite.set(key, str(value))
    return suite


def _case(suite: ET.Element, item: Decided, counts: dict[str, int]) -> None:
    f = item.finding
    loc = f.location
    tools = ", ".join((f.scanner, *item.also_found_by))
    case = ET.SubElement(suite, "testcase",
                         name=clean(f"{f.rule_id} {loc.path}:{loc.start_line}"),
                         classname=clean(f"secops-gate.{f.scanner}.{f.rule_id}"),
                         file=clean(loc.path), line=str(loc.start_line))
    properties = ET.SubElement(case, "properties")
    for key, value in (("scanners", tools), ("severity", item.severity.word),
                       ("disposition", item.disposition.value),
                       ("fingerprint", f.fingerprint)):
        ET.SubElement(properties, "property", name=key, value=clean(value))
    detail = (f"{item.severity.word} {f.rule_id} at {loc.path}:{loc.start_line} "
              f"(found by {tools}): {f.message}")
    if f.remediation:
        detail += f"\nfix: {f.remediation}"
    detail += f"\n{item.reason}"
    if item.disposition is Disposition.FAIL:
        failure = ET.SubElement(case, "failure", message=clean(f"{f.rule_id}: {f.message}"),
                                type=item.severity.word)
        failure.text = clean(detail)
        counts["failures"] += 1
    elif item.disposition in (Disposition.WAIVED, Disposition.BASELINE):
        ET.SubElement(case, "skipped", message=clean(f"{item.disposition.value}: "
                                                     f"{item.reason}"))
        counts["skipped"] += 1
    else:
        ET.SubElement(case, "system-out").text = clean(detail)
