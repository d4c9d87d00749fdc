"""Whether two findings name one weakness: the test that merges cross-tool duplicates.

Every finding carries the CWE of its weakness first (bandit's ids are remapped by its
adapter), so the question is MITRE's: equal CWEs, or one the direct parent or child of the
other in the Research view (``gate.weakness.same_family``).
"""

from __future__ import annotations

from gate.findings import Finding
from gate.weakness import same_family

__all__ = ["related", "same_family"]


def related(a: Finding, b: Finding) -> bool:
    """True when some CWE of ``a`` and some CWE of ``b`` are of one family."""
    return any(same_family(x, y) for x in a.cwe for y in b.cwe)
