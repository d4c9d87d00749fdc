"""The validated policy, as frozen dataclasses."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gate.findings import Confidence, Severity
from gate.validators import FailOrWarn

# A threshold: a severity, or None for "none" (nothing reaches it).
Level = Severity | None

LEVEL_WORDS = ("critical", "high", "medium", "low", "info", "none")


def parse_level(word: str) -> Level:
    """``none`` -> None, else the Severity."""
    return None if word == "none" else Severity.from_word(word)


def level_word(level: Level) -> str:
    """The policy word for a level."""
    return "none" if level is None else level.word


def reaches(severity: Severity, level: Level) -> bool:
    """True when ``severity`` is at or above ``level``."""
    return level is not None and severity >= level


class InlineMode(enum.StrEnum):
    """``inline_suppressions``: whether suppression comments in the code count."""

    ALLOW = "allow"
    DENY = "deny"


# ``on_scanner_error``, ``unused_waivers``: fail or only warn.
OnProblem = FailOrWarn


class OnSkipped(enum.StrEnum):
    """``on_skipped_files``: fail, warn, or fail only for files the change under review
    touched (``changed``: relative to ``--policy-ref`` or ``--changed-since``)."""

    FAIL = "fail"
    WARN = "warn"
    CHANGED = "changed"


@dataclass(frozen=True)
class ScannerPolicy:
    """Per-scanner settings; None means inherit the top-level value."""

    enabled: bool = True
    fail_on: Level | None = None
    report: Level | None = None
    fail_on_set: bool = False
    report_set: bool = False
    confidence: Confidence = Confidence.LOW
    timeout: float = 600.0
    exclude: tuple[str, ...] = ()
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RuleOverride:
    """A ``[[rules]]`` entry: change severity, or hide findings with a reason."""

    id: str = "*"
    scanner: str | None = None
    paths: tuple[str, ...] = ()
    severity: Severity | None = None
    ignore: bool = False
    reason: str = ""
    index: int = 0


@dataclass(frozen=True)
class Waiver:
    """A ``[[waivers]]`` entry: accept a finding until ``expires`` (inclusive, UTC)."""

    reason: str
    expires: dt.date
    rule: str | None = None
    fingerprint: str | None = None
    paths: tuple[str, ...] = ()
    owner: str = ""
    ticket: str = ""
    index: int = 0

    @property
    def label(self) -> str:
        """A short name for reports: ``waiver #2 (B602)``."""
        target = self.rule or (self.fingerprint or "")[:12]
        return f"waiver #{self.index + 1} ({target})"


@dataclass(frozen=True)
class Policy:
    """The effective policy after discovery and ``extends``."""

    source: str
    fail_on: Level = Severity.HIGH
    report: Level = Severity.MEDIUM
    exclude: tuple[str, ...] = ()
    inline_suppressions: InlineMode = InlineMode.ALLOW
    on_scanner_error: OnProblem = OnProblem.FAIL
    on_skipped_files: OnSkipped = OnSkipped.WARN
    unused_waivers: OnProblem = OnProblem.WARN
    warn_before_days: int = 14
    default_severity: Severity = Severity.HIGH  # imported results with no readable severity
    submodules: bool = True  # scan checked-out submodules and nested repositories
    new_only: bool = False
    baseline: str | None = None
    scanners: Mapping[str, ScannerPolicy] = field(default_factory=dict)
    rules: tuple[RuleOverride, ...] = ()
    waivers: tuple[Waiver, ...] = ()
    chain: tuple[str, ...] = ()
    raw: Mapping[str, Any] = field(default_factory=dict)

    def scanner(self, name: str) -> ScannerPolicy:
        """Settings for scanner ``name`` (defaults when the policy does not mention it)."""
        return self.scanners.get(name, ScannerPolicy())

    def fail_level(self, scanner: str) -> Level:
        """The fail threshold that applies to ``scanner``."""
        sp = self.scanner(scanner)
        return sp.fail_on if sp.fail_on_set else self.fail_on

    def report_level(self, scanner: str) -> Level:
        """The report threshold that applies to ``scanner``."""
        sp = self.scanner(scanner)
        return sp.report if sp.report_set else self.report

    def with_fail_on(self, level: Level) -> Policy:
        """A copy where ``level`` overrides every fail threshold (``--fail-on``)."""
        from dataclasses import replace

        scanners = {n: replace(s, fail_on=level, fail_on_set=True)
                    for n, s in self.scanners.items()}
        return replace(self, fail_on=level, scanners=scanners)
