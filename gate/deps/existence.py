"""Judge declared packages by their existence on the package index: an unknown package is
unaudited (the advisory service would pass it silently), a private one that exists on the
public index is dependency confusion.

With local advisory data the audit is offline, and so is this check unless the user named
an index (the policy's ``index_url``, ``PIP_INDEX_URL``, pip's config) or the policy asks
for it (``existence_check = "on"``): internal package names never leave for the public
index unasked.
"""

from __future__ import annotations

from collections.abc import Sequence, Set
from dataclasses import dataclass, field

from gate.deps import findings as dep
from gate.deps.index import check_existence, configured_index, display_url, user_index
from gate.deps.manifests import Declared
from gate.findings import Finding, Severity


@dataclass
class Existence:
    """What the check found: findings, notes, which names exist, or why it could not run."""

    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    known: dict[str, bool] = field(default_factory=dict)
    error: str | None = None


def judge(scanner: str, named: Sequence[Declared], *, index_option: str | None,
          private: Set[str], timeout: float, offline: bool,
          unaudited_severity: Severity, budget: float | None = None,
          wanted: str = "auto") -> Existence:
    """Ask the index about every name in ``named`` (each request within ``timeout``, the
    whole check within ``budget`` seconds); with ``offline`` advisory data an unreachable
    index is a note, else an error (a package could pass unseen). ``wanted``: ``auto`` (with
    ``offline`` data, only an index the user named is asked), ``on`` or ``off``."""
    out = Existence()
    if not named:
        return out
    if wanted == "off":
        out.notes.append("package-existence check off (existence_check = \"off\"): a "
                         "package the advisory data does not know passes unseen")
        return out
    if wanted == "auto" and offline and user_index(index_option) is None:
        out.notes.append("package-existence check skipped: the audit is offline (local "
                         "advisory data) and no package index is configured, so no package "
                         "name was sent to the public index (set index_url or PIP_INDEX_URL, "
                         "or existence_check = \"on\" to ask it)")
        return out
    configured = configured_index(index_option)
    index = display_url(configured)
    existence = check_existence(configured, {d.name for d in named}, timeout=timeout,
                                budget=budget)
    if existence.error:
        if offline:
            out.notes.append(f"package index unreachable ({existence.error}): the check that "
                             "every audited package exists on the index was skipped")
        else:
            out.error = (f"package index unreachable ({existence.error}): cannot check that "
                         "the audited packages exist, and a package the advisory service does "
                         "not know would pass silently; set index_url, or use --advisory-db "
                         "to audit offline")
        return out
    out.known = existence.exists
    out.notes.append(f"existence of {len(existence.exists)} package(s) checked on {index}")
    for declared in named:
        exists = existence.exists.get(declared.name, True)
        if declared.name in private:
            if exists:
                out.findings.append(dep.confusion(scanner, declared, index))
        elif not exists:
            out.findings.append(dep.unaudited(
                scanner, declared.path, declared.line, declared.spec,
                f"package '{declared.name}' does not exist on the index {index} "
                "(add it to private_packages if it is yours)", unaudited_severity,
                declared.manifest_class))
    return out


def requirement_groups(audited: Sequence[Declared], full: bool) -> list[list[str]]:
    """Requirement lines, split so that no group names a package twice (an auditor reading a
    requirements file needs that); one group of every spec when pip resolves (``full``)."""
    if full:
        return [sorted({d.spec for d in audited})]
    versions: dict[str, list[str]] = {}
    for declared in audited:
        pins = versions.setdefault(declared.name, [])
        if declared.version is not None and declared.version not in pins:
            pins.append(declared.version)
    depth = max(len(v) for v in versions.values())
    return [
        sorted(f"{name}=={pins[i]}" for name, pins in versions.items() if i < len(pins))
        for i in range(depth)
    ]
