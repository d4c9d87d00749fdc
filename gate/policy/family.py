"""Whether two findings name one weakness: CWE families for merging cross-tool duplicates.

The one place the policy asks "same kind of bug?". It is deliberately small: a handful of
families, enough for the twins the shipped scanners produce. When ``gate.weakness`` (the
CWE table with MITRE's research view) is present, ``same_family`` should delegate to
``gate.weakness.same_family`` and ``_BANDIT_WEAKNESS`` can go once bandit's adapter carries
the right CWEs; nothing else needs to change.
"""

from __future__ import annotations

from gate.findings import Finding

# CWE ids that one bug is tagged with by different tools: a parent and its child, or a tag
# a tool gives where another gives the precise weakness.
_FAMILIES: tuple[frozenset[int], ...] = (
    frozenset({327, 328, 916}),  # broken crypto / weak hash / weak password hash
    frozenset({94, 95}),  # code injection / eval injection
    frozenset({94, 215, 489}),  # debug mode on (bandit B201 says 94)
    frozenset({79, 94, 1336}),  # template autoescape off (bandit B701 says 94)
)

# Bandit 1.9.4 tags these tests (by their ids, which no other tool uses) with the CWE of
# another weakness (B307/B102 eval and exec with 78, OS command injection; B506 yaml.load
# with 20): what they report is this one.
_BANDIT_WEAKNESS: dict[str, int] = {
    "B102": 95, "B201": 489, "B307": 95, "B324": 328, "B506": 502,
}


def same_family(a: int, b: int) -> bool:
    """True when CWE ``a`` and ``b`` are equal or in one family of ``_FAMILIES``."""
    return a == b or any(a in family and b in family for family in _FAMILIES)


def weaknesses(finding: Finding) -> tuple[int, ...]:
    """The CWE ids ``finding`` stands for (bandit's known mislabels corrected)."""
    corrected = _BANDIT_WEAKNESS.get(finding.rule_id.upper())
    return (corrected,) if corrected is not None else finding.cwe


def related(a: Finding, b: Finding) -> bool:
    """True when some weakness of ``a`` and some weakness of ``b`` are in one family."""
    return any(same_family(x, y) for x in weaknesses(a) for y in weaknesses(b))
