"""Whether an unmatched waiver can be called unused: only over what was really scanned.

A waiver is judged only when every scanner that could have produced its rule ran and
succeeded, and at least one file those scanners scanned falls under its ``paths``. A waiver
whose rule cannot be attributed (a fingerprint, ``*``) needs every scanner that ran to have
succeeded. In a partial scan a waiver without ``paths`` is never judged.
"""

from __future__ import annotations

from collections.abc import Mapping, Set

from gate.policy.model import Waiver
from gate.scanners import REGISTRY
from gate.tree.globs import path_matches


def candidate_scanners(rule: str | None) -> frozenset[str] | None:
    """Scanners whose rule ids the waiver's ``rule`` glob can name; None when unknown."""
    if not rule:
        return None
    found = frozenset(name for name, scanner in REGISTRY.items() if scanner.owns_rule(rule))
    return found or None


def judged(waiver: Waiver, ran: Set[str], ok: Set[str],
           scope: Mapping[str, frozenset[str]] | None, partial: bool = False) -> bool:
    """True when ``waiver`` matching nothing means it is unused."""
    candidates = candidate_scanners(waiver.rule)
    relevant = set(ran) if candidates is None else {c for c in candidates if c in ran}
    if not relevant or not relevant <= set(ok):
        return False
    if scope is None:
        return bool(waiver.paths) or not partial
    files = set().union(*(scope.get(name, frozenset()) for name in relevant))
    if not waiver.paths:
        return bool(files) and not partial
    return any(path_matches(waiver.paths, f) for f in files)
