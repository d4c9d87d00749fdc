"""Severity from advisory data: CVSS v4/v3/v2 vectors (the ``cvss`` package), the database's
own word, malicious-package records, and the records an advisory is an alias of.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cvss import CVSS2, CVSS3, CVSS4
from cvss.exceptions import CVSSError

from gate.findings import Severity, severity_from_score

# Preferred first: with several vectors the newest standard decides.
_VECTOR_ORDER = ("CVSS_V4", "CVSS_V3", "CVSS_V2")
_WORDS = {
    "CRITICAL": Severity.CRITICAL,
    "HIGH": Severity.HIGH,
    "MODERATE": Severity.MEDIUM,
    "MEDIUM": Severity.MEDIUM,
    "LOW": Severity.LOW,
}
MALICIOUS_PREFIX = "MAL-"


@dataclass(frozen=True)
class Scored:
    """A severity and what decided it (``CVSS_V3 9.8``, ``database HIGH``, ``malicious``)."""

    severity: Severity
    source: str
    via: str = ""  # the alias record that supplied it, when not the advisory's own

    @property
    def label(self) -> str:
        """A short human phrase for messages: ``CVSS 9.8``, ``via GHSA-…: CVSS 9.8``."""
        text = self.source
        if self.source.startswith("CVSS_V"):
            text = "CVSS " + self.source.split(" ", 1)[1]
        return f"{text} via {self.via}" if self.via else text


def base_score(vector: str, kind: str | None = None) -> float | None:
    """The base score of a CVSS v2, v3.x or v4.0 vector, or None when it is not valid."""
    text = vector.strip()
    if kind is None:
        kind = ("CVSS_V4" if text.startswith("CVSS:4.") else
                "CVSS_V3" if text.startswith("CVSS:3.") else "CVSS_V2")
    try:
        if kind == "CVSS_V4":
            return float(CVSS4(text).base_score)
        if kind == "CVSS_V3":
            if not text.startswith("CVSS:3."):
                return None
            return float(CVSS3(text).base_score)
        if kind == "CVSS_V2" and not text.startswith("CVSS:"):
            return float(CVSS2(text).base_score)
    except (CVSSError, ValueError, KeyError, IndexError):
        return None
    return None


def own_severity(record: Mapping[str, Any]) -> Scored | None:
    """A record's own severity: malicious, else a CVSS vector (V4, then V3, then V2), else
    ``database_specific.severity`` (record or affected entry); None when it has none."""
    if str(record.get("id", "")).startswith(MALICIOUS_PREFIX):
        return Scored(Severity.CRITICAL, "malicious package")
    vectors: dict[str, str] = {}
    for item in record.get("severity") or ():
        if isinstance(item, Mapping):
            vectors.setdefault(str(item.get("type", "")), str(item.get("score", "")))
    for kind in _VECTOR_ORDER:
        if kind in vectors:
            score = base_score(vectors[kind], kind)
            if score is not None:
                return Scored(severity_from_score(score), f"{kind} {score:.1f}")
    specifics = [record.get("database_specific")]
    specifics += [e.get("database_specific") for e in record.get("affected") or ()
                  if isinstance(e, Mapping)]
    for specific in specifics:
        if isinstance(specific, Mapping):
            word = str(specific.get("severity", "")).upper()
            if word in _WORDS:
                return Scored(_WORDS[word], f"database {word}")
    return None


def resolve(primary: Mapping[str, Any], others: Sequence[Mapping[str, Any]]) -> Scored | None:
    """The primary record's own severity, else the highest among the records it aliases
    (or that alias it); None when none of them scores it."""
    own = own_severity(primary)
    if own is not None:
        return own
    best: Scored | None = None
    for record in others:
        scored = own_severity(record)
        if scored is not None and (best is None or scored.severity > best.severity):
            best = Scored(scored.severity, scored.source, str(record.get("id", "")))
    return best
