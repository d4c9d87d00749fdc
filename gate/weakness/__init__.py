"""CWE names and families from MITRE's Research view (CWE-1000).

A finding's first CWE is its weakness. Two findings are of one family when their CWEs are
equal or one is a direct parent (``ChildOf``) of the other: CWE-95 (eval injection) and
CWE-94 (code injection), CWE-916 (password hash) and CWE-328 (weak hash). This package
imports nothing else of the gate, so findings-level and policy code can use it.
"""

from __future__ import annotations

from gate.weakness.catalog import CATALOG

__all__ = ["CATALOG", "known", "name", "parent", "parents", "same_family", "tag"]


def known(cwe: int) -> bool:
    """Whether ``cwe`` is in the gate's table."""
    return cwe in CATALOG


def name(cwe: int) -> str:
    """MITRE's name of ``cwe``, e.g. ``Use of Weak Hash`` for 328; KeyError if unknown."""
    return CATALOG[cwe][0]


def parents(cwe: int) -> tuple[int, ...]:
    """Every ``ChildOf`` parent of ``cwe`` in the Research view, the primary one first;
    empty for a pillar or an id the table does not hold."""
    entry = CATALOG.get(cwe)
    return entry[1] if entry else ()


def parent(cwe: int) -> int | None:
    """The primary parent of ``cwe`` in the Research view (None for a pillar or unknown)."""
    found = parents(cwe)
    return found[0] if found else None


def same_family(a: int, b: int) -> bool:
    """Equal, or one is a direct parent or child of the other in the Research view."""
    return a == b or b in parents(a) or a in parents(b)


def tag(cwe: int) -> str:
    """``CWE-328: Use of Weak Hash``: the form the rule packs' metadata uses."""
    return f"CWE-{cwe}: {name(cwe)}"
