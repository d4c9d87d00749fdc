"""Decision -> SARIF 2.1.0 (built with sarif-om), deterministic and GitHub-ready."""

from __future__ import annotations

import dataclasses
import gzip
import json
from typing import Any

import attr
import sarif_om as om

from gate import __version__
from gate.findings import Finding, Severity
from gate.policy.decision import Decided, Decision, Disposition, sort_key
from gate.report.markdown import md
from gate.runs import ScannerRun
from gate.tree.path_names import uri as path_uri

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
MAX_RUNS = 20
MAX_RESULTS_PER_RUN = 25_000
MAX_GZIPPED_BYTES = 10 * 1000 * 1000
UPLOAD_GZIP_LEVEL = 6  # the level the upload compresses at (measured there, not at 9)
SIZE_MARGIN = 0.95  # stay under the limit with room for a different deflate
DEFAULT_INFORMATION_URI = "https://github.com/"
_LEVEL = {Disposition.FAIL: "error", Disposition.WARN: "warning", Disposition.BASELINE: "warning"}
_PRECISION = {2: "high", 1: "medium", 0: "low"}


def included(item: Decided, include_waived: bool) -> bool:
    """Whether a decided finding belongs in the uploaded SARIF."""
    if item.disposition in (Disposition.FAIL, Disposition.WARN, Disposition.BASELINE):
        return True
    return include_waived and item.disposition is Disposition.WAIVED


def render(decision: Decision, *, include_waived: bool = False) -> str:
    """The SARIF text for ``decision``: one run per scanner that succeeded."""
    return dumps(to_dict(decision, include_waived=include_waived))


def dumps(data: dict[str, Any]) -> str:
    """SARIF data as the text written to the file."""
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def to_dict(decision: Decision, *, include_waived: bool = False) -> dict[str, Any]:
    """The SARIF log as plain JSON data, within GitHub's limits (see ``limit_notes``)."""
    runs: list[dict[str, Any]] = []
    ok_runs = [r for r in decision.runs if r.ok]
    chosen: dict[str, list[Decided]] = {
        r.scanner: [d for d in decision.items if d.finding.scanner == r.scanner
                    and d.duplicate_of is None and included(d, include_waived)]
        for r in ok_runs}
    left_out: list[str] = []
    if len(ok_runs) > MAX_RUNS:  # keep the runs with the most severe results
        ranked = sorted(ok_runs, key=lambda r: (
            -max((int(d.severity) for d in chosen[r.scanner]), default=-1),
            -len(chosen[r.scanner]), r.scanner))
        left_out = sorted(r.scanner for r in ranked[MAX_RUNS:])
        ok_runs = ranked[:MAX_RUNS]
    for run in sorted(ok_runs, key=lambda r: r.scanner):
        runs.append(_run(decision, run, chosen[run.scanner]))
    log = om.SarifLog(version="2.1.0", schema_uri=SCHEMA_URI, runs=runs)
    body: dict[str, Any] = serialise(log)
    data = {"$schema": body.pop("$schema"), "version": body.pop("version"), **body}
    if left_out:
        data["properties"] = {"gate-runs-left-out": (
            f"{len(left_out)} run(s) with the least severe results left out to stay within "
            f"GitHub's {MAX_RUNS} runs per file: {', '.join(left_out)}")}
    return _fit_size(data)


def _run(decision: Decision, record: ScannerRun, items: list[Decided]) -> dict[str, Any]:
    scanner = record.scanner
    items = sorted(items, key=sort_key)
    dropped = max(0, len(items) - MAX_RESULTS_PER_RUN)
    items = items[:MAX_RESULTS_PER_RUN]
    rules: dict[str, om.ReportingDescriptor] = {}
    rule_cwe: dict[str, tuple[int, ...]] = {}
    worst: dict[str, Severity] = {}
    for item in items:
        rid = item.finding.rule_id
        worst[rid] = max(worst.get(rid, Severity.INFO), item.severity)
    for item in items:
        rid = item.finding.rule_id
        if rid not in rules:
            rules[rid] = _rule(item.finding, worst[rid])
            rule_cwe[rid] = item.finding.cwe
    order = sorted(rules)
    index = {rid: i for i, rid in enumerate(order)}
    results = [_result(item, index[item.finding.rule_id], rule_cwe[item.finding.rule_id])
               for item in
               sorted(items, key=lambda d: (d.finding.location.path, d.finding.location.start_line,
                                            d.finding.location.start_column,
                                            d.finding.rule_id, d.finding.fingerprint))]
    properties: dict[str, Any] = {"gate-version": __version__}
    if dropped:
        properties["gate-results-left-out"] = dropped
        properties["gate-truncated"] = (
            f"{dropped} less severe results left out to stay within GitHub's limits "
            f"({MAX_RESULTS_PER_RUN} results per run, 10 MB gzipped per file)")
    driver = om.ToolComponent(
        name=scanner, version=record.version or "unknown",
        information_uri=record.information_uri or DEFAULT_INFORMATION_URI,
        rules=[rules[r] for r in order],
    )
    run = om.Run(
        tool=om.Tool(driver=driver),
        automation_details=om.RunAutomationDetails(id=f"{decision.category}/{scanner}/"),
        invocations=[om.Invocation(execution_successful=True, exit_code=record.exit_code,
                                   arguments=list(record.arguments))],
        results=results,
        column_kind="unicodeCodePoints",
        properties=properties,
    )
    out: dict[str, Any] = serialise(run)
    return out


def _rule(finding: Finding, severity: Severity) -> om.ReportingDescriptor:
    short = _clip(finding.rule_name or finding.rule_id, 1000)
    full = _clip(finding.message or short, 1000)
    help_text = finding.remediation or f"See the documentation of {finding.scanner} rule " \
                                      f"{finding.rule_id}."
    tags = ["security", *cwe_tags(finding.cwe), *finding.tags]
    unique_tags = list(dict.fromkeys(tags))[:20]
    props: dict[str, Any] = {
        "security-severity": severity.security_severity,
        "tags": unique_tags,
        "precision": _PRECISION[int(finding.confidence)],
        "problem.severity": "error" if severity >= Severity.HIGH else
        "warning" if severity >= Severity.MEDIUM else "recommendation",
    }
    name = finding.rule_name if finding.rule_name and finding.rule_name != finding.rule_id \
        else f"{finding.scanner}/{finding.rule_id}"
    return om.ReportingDescriptor(
        id=finding.rule_id,
        name=_clip(name, 255),
        short_description=om.MultiformatMessageString(text=short),
        full_description=om.MultiformatMessageString(text=full),
        help=om.MultiformatMessageString(text=help_text, markdown=md(help_text, 4000)),
        help_uri=finding.help_uri or None,
        properties=props,
    )


def cwe_tags(cwe: tuple[int, ...]) -> list[str]:
    """The tags code scanning reads CWEs from, the weakness (the first CWE) first."""
    return [*(f"external/cwe/cwe-{c}" for c in cwe), *(f"CWE-{c}" for c in cwe)]


def _result(item: Decided, rule_index: int, rule_cwe: tuple[int, ...]) -> om.Result:
    f = item.finding
    loc = f.location
    region = om.Region(start_line=max(1, loc.start_line), start_column=max(1, loc.start_column))
    if loc.end_line:
        region.end_line = max(loc.end_line, region.start_line)
    if loc.end_column and loc.end_column > 0 and not (
            region.end_line in (None, region.start_line) and loc.end_column <= region.start_column):
        region.end_column = loc.end_column
    physical = om.PhysicalLocation(
        artifact_location=om.ArtifactLocation(uri=loc.uri or uri_for(loc.path),
                                               uri_base_id="%SRCROOT%"),
        region=region,
    )
    text = f.message or f.rule_name or f.rule_id
    if item.also_found_by:
        text += f" (also found by {', '.join(item.also_found_by)})"
    props: dict[str, Any] = {"gate/disposition": item.disposition.value,
                             "gate/severity": item.severity.word,
                             "gate/tool-severity": f.severity.word}
    if item.path_class:
        props["gate/path-class"] = item.path_class
    if f.cwe != rule_cwe:  # one rule, another weakness here (bandit's XML tests)
        props["tags"] = ["security", *cwe_tags(f.cwe)]
    if item.twins:  # one bug found by several scanners: one result, the others named here
        props["gate/also-found-by"] = [twin(t) for t in item.twins]
    extra = dict(f.extra)
    if "package" in extra:  # a vulnerable pin: what to upgrade, and to what
        props.update({"gate/package": extra["package"], "gate/version": extra.get("version", ""),
                      "gate/fixed-versions": [v for v in extra.get("fixed_versions", "")
                                              .split(",") if v]})
        if "reachability" in extra:  # does the code reach it, and where first
            props["reachability"] = extra["reachability"]
            if extra.get("reachable_at"):
                props["gate/reachable-at"] = extra["reachable_at"]
    if "member" in extra:  # found inside an archive or database: the location is the file
        props["gate/member"] = extra["member"]
    if "manifest_class" in extra:  # a dependency: production, or a dev, test or docs manifest
        props["gate/manifest-class"] = extra["manifest_class"]
    result = om.Result(
        message=om.Message(text=text),
        rule_id=f.rule_id,
        rule_index=rule_index,
        level=_LEVEL.get(item.disposition, "note"),
        locations=[om.Location(physical_location=physical)],
        partial_fingerprints={"primaryLocationLineHash": f.fingerprint},
        properties=props,
    )
    if item.baseline_state:
        result.baseline_state = item.baseline_state
    if item.disposition is Disposition.WAIVED:
        # sarif-om's Suppression predates SARIF 2.1.0's 'status' property: plain JSON here.
        result.suppressions = [{"kind": "external", "status": "accepted",
                                "justification": item.reason}]
    return result


def twin(finding: Finding) -> dict[str, Any]:
    """Another scanner's finding of the same issue, as the lead result's properties name it."""
    loc = finding.location
    return {"tool": finding.scanner, "ruleId": finding.rule_id,
            "startLine": loc.start_line, "endLine": loc.end_line or loc.start_line,
            "cwe": [f"CWE-{c}" for c in finding.cwe], "severity": finding.severity.word,
            "fingerprint": finding.fingerprint}


def uri_for(path: str) -> str:
    """A relative, percent-encoded URI for a repository path; never absolute or escaping."""
    return path_uri(path)


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def serialise(obj: Any) -> Any:
    """Turn sarif-om objects into JSON data with SARIF property names, defaults omitted."""
    if attr.has(type(obj)):
        out: dict[str, Any] = {}
        for fld in attr.fields(type(obj)):
            value = getattr(obj, fld.name)
            default = fld.default
            if isinstance(default, attr.Factory):  # type: ignore[arg-type]
                default = default.factory()
            if value is None or (default is not attr.NOTHING and value == default
                                 and fld.name not in ("level", "kind")):
                continue
            out[fld.metadata.get("schema_property_name", fld.name)] = serialise(value)
        return out
    if isinstance(obj, dict):
        return {k: serialise(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [serialise(v) for v in obj]
    return obj


def _fit_size(data: dict[str, Any]) -> dict[str, Any]:
    """Drop the least severe results until the gzipped file fits GitHub's limit.

    Results are ranked by the gate's severity (then SARIF level); the kept ones stay in
    their original order, and each trimmed run says how many it lost.
    """
    def size() -> int:
        return len(gzip.compress(dumps(data).encode("utf-8"), compresslevel=UPLOAD_GZIP_LEVEL,
                                 mtime=0))

    while size() > MAX_GZIPPED_BYTES * SIZE_MARGIN:
        biggest = max(data["runs"], key=lambda r: len(r.get("results", [])))
        results = biggest.get("results", [])
        if not results:
            break
        keep = len(results) * 3 // 4
        ranked = sorted(range(len(results)), key=lambda i: _rank(results[i]))[:keep]
        biggest["results"] = [results[i] for i in sorted(ranked)]
        props = biggest.setdefault("properties", {})
        dropped = props.get("gate-results-left-out", 0) + len(results) - keep
        props["gate-results-left-out"] = dropped
        props["gate-truncated"] = (
            f"{dropped} less severe results left out to stay within GitHub's limits "
            f"({MAX_RESULTS_PER_RUN} results per run, 10 MB gzipped per file)")
    return data


def _rank(result: dict[str, Any]) -> tuple[int, int]:
    """Sort key: most severe first (the gate's severity), then error before warning."""
    word = str(result.get("properties", {}).get("gate/severity", "info"))
    severity = Severity.from_word(word) if word in _SEVERITY_WORDS else Severity.INFO
    return (-int(severity), 0 if result.get("level") == "error" else 1)


_SEVERITY_WORDS = frozenset(s.word for s in Severity)


def with_limit_notes(decision: Decision, data: dict[str, Any]) -> Decision:
    """``decision`` with a warning for everything the SARIF ``data`` left out."""
    notes = tuple(n for n in limit_notes(data) if n not in decision.warnings)
    return dataclasses.replace(decision, warnings=decision.warnings + notes) if notes else decision


def limit_notes(data: dict[str, Any]) -> list[str]:
    """What the SARIF left out to fit GitHub's limits, one sentence per trimmed run."""
    notes: list[str] = []
    left_out = data.get("properties", {}).get("gate-runs-left-out")
    if left_out:
        notes.append(f"SARIF: {left_out}")
    for run in data.get("runs", []):
        text = run.get("properties", {}).get("gate-truncated")
        if text:
            notes.append(f"SARIF run {run['tool']['driver']['name']}: {text}")
    return notes
