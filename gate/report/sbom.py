"""The CycloneDX 1.6 JSON SBOM (``--sbom FILE``): every audited dependency with its purl and
the manifest lines it came from, and the vulnerabilities found in it.

Built with cyclonedx-python-lib. The library does not model ``compositions``, so the
completeness statement is added to its JSON: ``incomplete`` unless the audit saw the whole
installed tree (only lock files, or ``resolve = "full"``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from cyclonedx.model.bom import Bom
from cyclonedx.model.bom_ref import BomRef
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.model.component_evidence import ComponentEvidence, Occurrence
from cyclonedx.model.vulnerability import (
    BomTarget,
    Vulnerability,
    VulnerabilityRating,
    VulnerabilityReference,
    VulnerabilitySeverity,
    VulnerabilitySource,
)
from cyclonedx.output.json import JsonV1Dot6
from packageurl import PackageURL

from gate import __version__
from gate.deps.findings import purl
from gate.findings import Severity
from gate.policy.decision import Decided, Decision
from gate.runs import Component as Audited

_SEVERITY = {Severity.CRITICAL: VulnerabilitySeverity.CRITICAL,
             Severity.HIGH: VulnerabilitySeverity.HIGH,
             Severity.MEDIUM: VulnerabilitySeverity.MEDIUM,
             Severity.LOW: VulnerabilitySeverity.LOW,
             Severity.INFO: VulnerabilitySeverity.INFO}


def _components(audited: Iterable[Audited]) -> dict[str, Component]:
    places: dict[tuple[str, str], list[Audited]] = {}
    for item in audited:
        places.setdefault((item.name, item.version), []).append(item)
    out: dict[str, Component] = {}
    for (name, version), where in sorted(places.items()):
        ref = purl(name, version)
        evidence = ComponentEvidence(occurrences=[
            Occurrence(location=w.path, line=w.line) for w in sorted(
                where, key=lambda w: (w.path, w.line))])
        out[ref] = Component(name=name, version=version, type=ComponentType.LIBRARY,
                             purl=PackageURL(type="pypi", name=name, version=version),
                             bom_ref=ref, evidence=evidence)
    return out


def _vulnerabilities(items: Iterable[Decided], refs: set[str]) -> list[Vulnerability]:
    merged: dict[str, tuple[Decided, set[str]]] = {}
    for item in items:
        extra = dict(item.finding.extra)
        if item.duplicate_of is not None or "package" not in extra:
            continue
        ref = purl(extra["package"], extra.get("version", ""))
        if ref not in refs:
            continue
        merged.setdefault(item.finding.rule_id, (item, set()))[1].add(ref)
    out = []
    for rule_id, (item, targets) in sorted(merged.items()):
        f = item.finding
        source = VulnerabilitySource(name="OSV")
        out.append(Vulnerability(
            bom_ref=BomRef(f"vuln:{rule_id}"), id=rule_id, source=source,
            references=[VulnerabilityReference(id=a, source=VulnerabilitySource(name="OSV"))
                        for a in f.aliases],
            ratings=[VulnerabilityRating(severity=_SEVERITY[item.severity])],
            cwes=list(f.cwe) or None, description=f.rule_name, recommendation=f.remediation,
            affects=[BomTarget(ref=r) for r in sorted(targets)]))
    return out


def to_dict(decision: Decision) -> dict[str, object]:
    """The SBOM as JSON data."""
    runs = [r for r in decision.runs if r.components]
    components = _components(c for r in runs for c in r.components)
    bom = Bom(components=components.values(),
              vulnerabilities=_vulnerabilities(decision.items, set(components)))
    bom.metadata.component = Component(name="secops-gate-audit", version=__version__,
                                       type=ComponentType.APPLICATION,
                                       bom_ref="secops-gate-audit")
    for component in components.values():
        bom.register_dependency(bom.metadata.component, [component])
    data: dict[str, object] = json.loads(JsonV1Dot6(bom).output_as_string())
    complete = bool(runs) and all(r.components_complete for r in runs)
    data["compositions"] = [{"aggregate": "complete" if complete else "incomplete"}]
    return data


def render(decision: Decision) -> str:
    """The SBOM's JSON text."""
    return json.dumps(to_dict(decision), indent=2, ensure_ascii=False) + "\n"
