"""The gate's data model for findings: ordered severities, locations and fingerprints."""

from __future__ import annotations

import enum
import hashlib
import re
from dataclasses import dataclass, field

from gate.lines import split_lines


class Severity(enum.IntEnum):
    """How bad a finding is; ordered so that ``Severity.HIGH > Severity.LOW``."""

    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @property
    def word(self) -> str:
        """The lower-case word used in policies and reports."""
        return self.name.lower()

    @classmethod
    def from_word(cls, word: str) -> Severity:
        """Parse ``critical``/``high``/``medium``/``low``/``info`` (any case)."""
        return cls[word.strip().upper()]

    @property
    def security_severity(self) -> str:
        """The SARIF ``security-severity`` score GitHub buckets into this level."""
        return _SECURITY_SEVERITY[self]


_SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "2.0",
    Severity.INFO: "0.1",
}


def severity_from_score(score: float) -> Severity:
    """Map a CVSS-like 0-10 score to a severity (GitHub's code scanning buckets)."""
    if score >= 9.0:
        return Severity.CRITICAL
    if score >= 7.0:
        return Severity.HIGH
    if score >= 4.0:
        return Severity.MEDIUM
    if score > 0.0:
        return Severity.LOW
    return Severity.INFO


class Confidence(enum.IntEnum):
    """How sure the scanner is that the finding is real."""

    LOW = 0
    MEDIUM = 1
    HIGH = 2

    @property
    def word(self) -> str:
        """The lower-case word used in policies and reports."""
        return self.name.lower()

    @classmethod
    def from_word(cls, word: str) -> Confidence:
        """Parse ``high``/``medium``/``low`` (any case)."""
        return cls[word.strip().upper()]


@dataclass(frozen=True, order=True)
class Location:
    """A region in a file, path relative to the repository root with ``/`` separators."""

    path: str
    start_line: int = 1
    start_column: int = 1
    end_line: int | None = None
    end_column: int | None = None
    # The percent-encoded URI of a file whose name is not UTF-8 (``path`` is then the name
    # as shown, with escapes); None for every other file.
    uri: str | None = None


@dataclass(frozen=True)
class InlineSuppression:
    """A suppression comment found on the flagged line (``# nosec``, ``# gate: ignore[...]``)."""

    kind: str
    rules: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class Finding:
    """One problem reported by one scanner, normalised to the gate's scale."""

    scanner: str
    rule_id: str
    rule_name: str
    message: str
    severity: Severity
    confidence: Confidence
    location: Location
    fingerprint: str
    cwe: tuple[int, ...] = ()
    help_uri: str = ""
    remediation: str = ""
    tags: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    secret: bool = False
    suppression: InlineSuppression | None = None
    extra: tuple[tuple[str, str], ...] = field(default=())

    @property
    def rule_ids(self) -> tuple[str, ...]:
        """The rule id and every alias (advisory ids), for waiver matching."""
        return (self.rule_id, *self.aliases)

    @property
    def severity_defaulted(self) -> bool:
        """True when nothing gave a severity and a configured default was used."""
        return SEVERITY_DEFAULTED in self.extra


# An ``extra`` entry: the severity is the policy's default (e.g. pip-audit's
# ``default_severity`` for an advisory without one), counted as such in reports.
SEVERITY_DEFAULTED = ("severity_source", "default")


_WS = re.compile(r"\s+")


def normalise_code(text: str) -> str:
    """Collapse white space so that re-indentation does not change a fingerprint."""
    return _WS.sub(" ", text).strip()


def fingerprint(rule_id: str, path: str, content: str, occurrence: int = 0) -> str:
    """A fingerprint stable under line moves: rule + path + normalised flagged content."""
    digest = hashlib.sha256()
    for part in (rule_id, path, normalise_code(content), str(occurrence)):
        digest.update(part.encode("utf-8", "surrogateescape"))
        digest.update(b"\0")
    return digest.hexdigest()[:32]


def secret_fingerprint(rule_id: str, path: str, tool_fingerprint: str) -> str:
    """Fingerprint for a secret: rule + path + the tool's own fingerprint, never the value."""
    return fingerprint(rule_id, path, "secret:" + tool_fingerprint)


def read_lines(text: str, start: int, end: int | None, style: str = "newline") -> str:
    """Lines ``start..end`` (1-based, inclusive) of ``text``, numbered as a tool of ``style``
    numbers them (``gate.lines.split_lines``); empty when out of range."""

    lines = split_lines(text, style)
    last = end if end is not None and end >= start else start
    return "\n".join(lines[start - 1 : last])
