"""Decision -> GitLab's merge-request reports: Code Quality (every tier) and SAST (Ultimate).

Both list one entry per issue as the Decision counts it (a bug found by several scanners is
one entry, naming every tool and carrying every rule id), failing and warning findings
only: waived, baseline and hidden findings are left out. Output is deterministic: entries
sorted like every report, ids derived from fingerprints, and the SAST scan times taken from
the date the policy was applied on (midnight; a fixed date without one).

Severity mapping (the policy's severity of the issue, five levels onto five):

=========  ======================  =========
gate       Code Quality            SAST
=========  ======================  =========
critical   ``blocker``             Critical
high       ``critical``            High
medium     ``major``               Medium
low        ``minor``               Low
info       ``info``                Info
=========  ======================  =========

Text from scanned content: secret findings arrive redacted (``gate.guards.redact``) and
every text is scrubbed again of credential formats. GitLab renders the SAST
``description`` and ``solution`` as Markdown: they are neutralised as the step summary is
(``gate.report.markdown.md``); names, paths and the Code Quality ``description`` are shown
as plain text: one line, control and bidi characters written as ``\\uXXXX``.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

from gate import __version__
from gate.findings import Finding, Severity
from gate.guards.scrub import scrub
from gate.policy.decision import Decided, Decision, Disposition, sort_key
from gate.report.escape import plain, visible_escapes
from gate.report.markdown import md

SAST_SCHEMA_VERSION = "15.0.7"
CODE_QUALITY_SEVERITY = {
    Severity.CRITICAL: "blocker",
    Severity.HIGH: "critical",
    Severity.MEDIUM: "major",
    Severity.LOW: "minor",
    Severity.INFO: "info",
}
SAST_SEVERITY = {
    Severity.CRITICAL: "Critical",
    Severity.HIGH: "High",
    Severity.MEDIUM: "Medium",
    Severity.LOW: "Low",
    Severity.INFO: "Info",
}
REPORTED = (Disposition.FAIL, Disposition.WARN)
NO_DATE = "1970-01-01T00:00:00"  # the scan time when the Decision carries no date
_ID_NAMESPACE = uuid.UUID("5b1c3d2e-8a47-4f0b-9c1e-6d2a7f3e4b10")
_GATE = {"id": "secops-gate", "name": "secops-gate", "vendor": {"name": "secops-gate"},
         "version": __version__}
_NAME_LIMIT = 255
_DESCRIPTION_LIMIT = 4000
_SOLUTION_LIMIT = 2000


def issues(decision: Decision) -> list[Decided]:
    """The failing and warning issues (leads only), most severe first."""
    return sorted((d for d in decision.items
                   if d.duplicate_of is None and d.disposition in REPORTED), key=sort_key)


def _text(value: str, limit: int = 300) -> str:
    """Scanned text as one plain line: scrubbed, controls and bidi shown, cut to ``limit``."""
    return plain(visible_escapes(scrub(value)), limit)


def _tools(item: Decided) -> str:
    return ", ".join((item.finding.scanner, *item.also_found_by))


def _summary(item: Decided) -> str:
    f = item.finding
    return f.message or f.rule_name or f.rule_id


def _digest(item: Decided) -> str:
    f = item.finding
    key = "\0".join((f.scanner, f.rule_id, f.fingerprint))
    return hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()


def _unique(value: str, seen: set[str]) -> str:
    """``value``, or ``value`` with a counter when an earlier entry already used it."""
    out, n = value, 1
    while out in seen:
        n += 1
        out = f"{value}-{n}"
    seen.add(out)
    return out


def code_quality(decision: Decision) -> list[dict[str, Any]]:
    """The Code Quality entries."""
    seen: set[str] = set()
    out: list[dict[str, Any]] = []
    for item in issues(decision):
        f = item.finding
        loc = f.location
        description = (f"{item.disposition.value}: {_summary(item)} "
                       f"({f.rule_id}, found by {_tools(item)})")
        out.append({
            "type": "issue",
            "description": _text(description, 1000),
            "check_name": _text(f.rule_id, _NAME_LIMIT),
            "fingerprint": _unique(_digest(item)[:32], seen),
            "severity": CODE_QUALITY_SEVERITY[item.severity],
            "categories": ["Security"],
            "location": {"path": _text(loc.path, 4096),
                         "lines": {"begin": max(1, loc.start_line)}},
        })
    return out


def render_code_quality(decision: Decision) -> str:
    """The Code Quality report (a JSON list), for ``artifacts: reports: codequality``."""
    return json.dumps(code_quality(decision), indent=2, ensure_ascii=False) + "\n"


def _identifiers(item: Decided) -> list[dict[str, str]]:
    """The rule of every tool that found the issue (the lead's first: GitLab's primary
    identifier), its advisory aliases, then its CWEs."""
    out: list[dict[str, str]] = []
    keys: set[tuple[str, str]] = set()

    def add(kind: str, name: str, value: str, url: str = "") -> None:
        if not value or (kind, value) in keys:
            return
        keys.add((kind, value))
        entry = {"type": kind, "name": _text(name, _NAME_LIMIT), "value": _text(value, _NAME_LIMIT)}
        if url.startswith(("https://", "http://")):
            entry["url"] = url
        out.append(entry)

    findings: list[Finding] = [item.finding, *item.twins]
    for f in findings:
        add(f"{f.scanner}_rule", f"{f.scanner} {f.rule_id}", f.rule_id, f.help_uri)
    for f in findings:
        for alias in f.aliases:
            kind = alias.split("-", 1)[0].lower() if "-" in alias else "advisory"
            add(kind, alias, alias)
    for cwe in sorted({c for f in findings for c in f.cwe}):
        add("cwe", f"CWE-{cwe}", str(cwe),
            f"https://cwe.mitre.org/data/definitions/{cwe}.html")
    return out


def _vulnerability(item: Decided) -> dict[str, Any]:
    f = item.finding
    loc = f.location
    start = max(1, loc.start_line)
    description = (f"{md(scrub(_summary(item)), _DESCRIPTION_LIMIT)}\n\n"
                   f"Rule {md(f.rule_id)}, found by {md(_tools(item))}; the gate's policy: "
                   f"{item.disposition.value} ({md(scrub(item.reason))}).")
    entry: dict[str, Any] = {
        "id": str(uuid.uuid5(_ID_NAMESPACE, _digest(item))),
        "category": "sast",
        "name": _text(f"{f.rule_id}: {f.rule_name or _summary(item)}", _NAME_LIMIT),
        "description": description,
        "severity": SAST_SEVERITY[item.severity],
        "identifiers": _identifiers(item),
        "location": {"file": _text(loc.path, 4096), "start_line": start,
                     "end_line": max(loc.end_line or start, start)},
    }
    if f.remediation:
        entry["solution"] = md(scrub(f.remediation), _SOLUTION_LIMIT)
    return entry


def scan_time(decision: Decision) -> str:
    """The scan's start and end time: midnight of the policy's date, else ``NO_DATE``."""
    return f"{decision.today.isoformat()}T00:00:00" if decision.today else NO_DATE


def sast(decision: Decision) -> dict[str, Any]:
    """The SAST report (GitLab security report schema ``SAST_SCHEMA_VERSION``)."""
    seen: set[str] = set()
    vulnerabilities = []
    for item in issues(decision):
        entry = _vulnerability(item)
        entry["id"] = _unique(entry["id"], seen)
        vulnerabilities.append(entry)
    when = scan_time(decision)
    return {
        "version": SAST_SCHEMA_VERSION,
        "scan": {"analyzer": dict(_GATE), "scanner": dict(_GATE), "type": "sast",
                 "start_time": when, "end_time": when,
                 "status": "failure" if decision.failed_runs else "success"},
        "vulnerabilities": vulnerabilities,
    }


def render_sast(decision: Decision) -> str:
    """The SAST report as JSON, for ``artifacts: reports: sast``."""
    return json.dumps(sast(decision), indent=2, ensure_ascii=False) + "\n"
