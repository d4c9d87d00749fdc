"""Dependency findings at manifest lines: vulnerable pins, unaudited lines, confusion.

The scanner that reports them is passed in by name; nothing here knows which tool looked
the advisories up.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from packageurl import PackageURL
from packaging.version import InvalidVersion, Version

from gate.deps.manifests import PRODUCTION_CLASS, Declared, ManifestClass
from gate.deps.osv import Advisory
from gate.deps.severity import MALICIOUS_PREFIX, Scored, resolve
from gate.findings import SEVERITY_DEFAULTED, Confidence, Finding, Location, Severity, fingerprint

UNAUDITED = "gate/unaudited-dependency"
UNSUPPORTED = "gate/unsupported-manifest"
CONFUSION = "gate/dependency-confusion"
UNPINNED = "gate/unpinned-dependency"
RULE_IDS = frozenset({UNAUDITED, UNSUPPORTED, CONFUSION, UNPINNED})
_ID_ORDER = ("PYSEC-", "GHSA-", MALICIOUS_PREFIX, "CVE-")
DEFAULTED = "default"  # severity_source of a finding no record scores
# The ids OSV gives PyPI advisories (a rule glob naming advisories starts so too).
ADVISORY_ID = re.compile(r"^(PYSEC|GHSA|CVE|OSV|MAL)-", re.IGNORECASE)
ONE_ADVISORY_ID = re.compile(r"^(PYSEC|GHSA|CVE|OSV|MAL)-[A-Za-z0-9._-]+$", re.IGNORECASE)
MANIFEST_CLASS, MANIFEST_CLASS_WHY = "manifest_class", "manifest_class_why"  # Finding.extra


def dependency_finding(scanner: str, rule_id: str, rule_name: str, message: str,
                       severity: Severity, path: str, line: int, content: str, *,
                       remediation: str, tags: tuple[str, ...] = (),
                       manifest_class: ManifestClass = PRODUCTION_CLASS,
                       extra: tuple[tuple[str, str], ...] = (), **more: Any) -> Finding:
    """A dependency Finding at a manifest line; ``content`` feeds the fingerprint (the
    declaration, not the line number, so it survives lines moving). Its ``extra`` names the
    manifest class (``manifest_class``, ``manifest_class_why``); the message says it when
    it is not the plain production one."""
    if manifest_class.why:
        message += f"; manifest class: {manifest_class.name} ({manifest_class.why})"
    return Finding(
        scanner=scanner, rule_id=rule_id, rule_name=rule_name, message=message,
        severity=severity, confidence=Confidence.HIGH, location=Location(path, line, 1, line),
        fingerprint=fingerprint(rule_id, path, content), remediation=remediation,
        tags=("dependency", "security", *tags),
        extra=(*extra, (MANIFEST_CLASS, manifest_class.name),
               *(((MANIFEST_CLASS_WHY, manifest_class.why),) if manifest_class.why else ())),
        **more)


def unaudited(scanner: str, path: str, line: int, text: str, reason: str,
              severity: Severity, manifest_class: ManifestClass = PRODUCTION_CLASS) -> Finding:
    """A declaration the audit cannot check (unpinned, a URL, unknown to the index)."""
    what = f"'{text}' " if text else ""
    return dependency_finding(
        scanner, UNAUDITED, "Dependency the audit cannot check",
        f"{what}is not audited: {reason}", severity, path, line, text or reason,
        remediation="Pin the dependency to one version from the package index with '==', "
        "or allow-list it (private_packages) or waive this finding with a reason.",
        manifest_class=manifest_class)


def unpinned(scanner: str, declared: Declared) -> Finding:
    """A version range: by design in library metadata and compile inputs (low), a risk in a
    file that installs (medium); either way the audit cannot say which version is used."""
    where = ("library metadata or a compile input declares ranges by design"
             if declared.library else "a file that installs should pin exact versions")
    return dependency_finding(
        scanner, UNPINNED, "Dependency not pinned to one version",
        f"'{declared.spec}' is not pinned to one version with '==' ({where}); the audit "
        "checks pinned versions only", Severity.LOW if declared.library else Severity.MEDIUM,
        declared.path, declared.line, declared.spec,
        remediation="Audit the versions that are installed: pin them in a lock or "
        "requirements file (the gate audits those), or pin this line with '=='.",
        manifest_class=declared.manifest_class)


def unsupported(scanner: str, path: str, reason: str) -> Finding:
    """A manifest kind the audit does not read."""
    return dependency_finding(
        scanner, UNSUPPORTED, "Manifest kind not supported by the dependency audit",
        f"{path} is not audited: {reason}", Severity.LOW, path, 1, reason, remediation=reason)


def confusion(scanner: str, declared: Declared, index: str) -> Finding:
    """A private package name that also exists on the public index."""
    return dependency_finding(
        scanner, CONFUSION, "Private package name exists on the public index",
        f"private package '{declared.name}' also exists on {index}: an installer "
        "that consults that index may install the public package instead "
        "(dependency confusion)",
        Severity.HIGH, declared.path, declared.line, declared.name,
        remediation="Install private packages only from the private index (no "
        "--extra-index-url), pin them with hashes, or rename them.",
        tags=("dependency-confusion",), manifest_class=declared.manifest_class)


def choose_rule_id(ids: Sequence[str]) -> str:
    """PYSEC id if any, else GHSA, else MAL (malicious package), else CVE, else the first."""
    for prefix in _ID_ORDER:
        for advisory_id in ids:
            if advisory_id.startswith(prefix):
                return advisory_id
    return ids[0]


def vulnerability(scanner: str, declared: Declared, version: str, vuln: dict[str, Any], *,
                  records: Sequence[Advisory], default_severity: Severity,
                  fixes_all: Version | None = None, transitive: bool = False) -> Finding:
    """A vulnerable pin, from one ``vulns`` entry of an audit report (OSV id, aliases,
    description, fix versions) and the OSV records known for its ids (the rule id's record
    first when present): they give the severity, CWEs and fixed versions."""
    ids = [str(vuln.get("id", ""))] + [str(a) for a in vuln.get("aliases") or []]
    ids = [i for i in dict.fromkeys(ids) if i]
    rule_id = choose_rule_id(ids)
    aliases = tuple(sorted(i for i in ids if i != rule_id))
    fixed = set(versions(vuln.get("fix_versions") or []))
    cwes: dict[int, None] = {}
    for advisory in records:
        fixed |= set(advisory.fixed_versions(declared.name))
        cwes.update(dict.fromkeys(advisory.cwes()))
    ordered = sorted(records, key=lambda a: a.id != rule_id)
    scored = (resolve(ordered[0].record, [a.record for a in ordered[1:]])
              if ordered else None)
    if scored is None and rule_id.startswith(MALICIOUS_PREFIX):
        scored = Scored(Severity.CRITICAL, "malicious package")
    fixes = sorted(fixed)
    later = later_fixes(fixes, version)
    name = declared.name
    if later:
        action = f"upgrade to {later[0]} or later"
        remediation = (f"Upgrade {name} to {later[0]} or later (fixed in: "
                       + ", ".join(str(f) for f in fixes) + ").")
    else:
        action = "no fixed version is known"
        remediation = (f"No fixed version of {name} is known: remove or replace it, or waive "
                       f"{rule_id} with a reason and an expiry date.")
    message = f"{name} {version} is affected by {rule_id}; {action}"
    if transitive:
        message += f" ({name} is a transitive dependency resolved by pip)"
    marker: tuple[tuple[str, str], ...] = ()
    if scored is None:
        severity, source = default_severity, DEFAULTED
        message += " (severity unknown)"
        marker = (SEVERITY_DEFAULTED,)
    else:
        severity, source = scored.severity, scored.source + (f" via {scored.via}"
                                                             if scored.via else "")
        message += f" ({scored.label})"
    description = " ".join(str(vuln.get("description") or "").split())
    if description == "N/A":
        description = ""
    summary = description[:117] + "…" if len(description) > 120 else description
    cwe = tuple(cwes)
    cwe_tags = tuple(f"external/cwe/cwe-{n}" for n in cwe)
    return dependency_finding(
        scanner, rule_id, summary or f"Vulnerable dependency ({rule_id})", message, severity,
        declared.path, declared.line, f"{name}=={version}",
        cwe=cwe, help_uri=f"https://osv.dev/vulnerability/{ids[0]}", remediation=remediation,
        tags=(*cwe_tags, *aliases), aliases=aliases, manifest_class=declared.manifest_class,
        extra=(("package", name), ("version", version),
               ("fixed_versions", ",".join(str(f) for f in fixes)),
               ("severity_source", source),
               ("fixes_all", str(fixes_all) if fixes_all is not None else ""), *marker),
    )


def later_fixes(fixes: Sequence[Version], version: str) -> list[Version]:
    """The fixed versions above the pinned ``version`` (all of them when it is no PEP 440
    version), sorted."""
    installed = parse_version(version)
    return sorted(f for f in fixes if installed is None or f > installed)


def is_advisory(finding: Finding) -> bool:
    """True for a vulnerable pin: a finding of one advisory on one pinned package."""
    return "package" in dict(finding.extra) and finding.rule_id not in RULE_IDS


def fixing_version(finding: Finding) -> str | None:
    """The lowest version above the pin that the advisory data says fixes this vulnerable
    pin's advisory; None when none is known yet (or ``finding`` is no vulnerable pin)."""
    if not is_advisory(finding):
        return None
    extra = dict(finding.extra)
    fixes = versions([v for v in extra.get("fixed_versions", "").split(",") if v])
    later = later_fixes(fixes, extra.get("version", ""))
    return str(later[0]) if later else None


def purl(name: str, version: str) -> str:
    """The package URL of a PyPI release (``pkg:pypi/django@1.8.3``; the name normalised)."""
    return str(PackageURL(type="pypi", name=name, version=version))


def parse_version(version: str) -> Version | None:
    """A PEP 440 version, or None."""
    try:
        return Version(version)
    except InvalidVersion:
        return None


def canonical(version: str) -> str:
    """The normal form of a version (``1.0`` and ``1.0.0`` compare equal), else the text."""
    parsed = parse_version(version)
    return str(parsed) if parsed is not None else version


def versions(texts: Sequence[Any]) -> list[Version]:
    """The valid versions among ``texts``, sorted."""
    return sorted(v for v in (parse_version(str(t)) for t in texts) if v is not None)
