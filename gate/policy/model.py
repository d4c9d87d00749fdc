"""The validated policy, as frozen dataclasses."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gate.findings import Confidence, Severity
from gate.guards.validators import FailOrWarn
from gate.tree.globs import path_matches

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


def looser(first: Level, second: Level) -> Level:
    """The level that fails less of the two (``none`` fails nothing)."""
    if first is None or second is None:
        return None
    return max(first, second)


class InlineMode(enum.StrEnum):
    """``inline_suppressions``: whether suppression comments in the code count."""

    ALLOW = "allow"
    DENY = "deny"


class SecretMode(enum.StrEnum):
    """``secret_suppressions``: what may accept a credential-format secret (a finding of a
    scanner with ``credential_formats``): only a ``[[waivers]]`` entry of the policy, or
    inline comments too (when ``inline_suppressions = "allow"``)."""

    WAIVERS = "waivers"
    INLINE = "inline"


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


# The path classes and their built-in patterns (gitignore-style; a pattern without a slash,
# such as ``test_*.py``, matches at any depth). The first class that matches a path is its
# class, in this order.
PATH_CLASSES: Mapping[str, tuple[str, ...]] = {
    "tests": ("tests/**", "**/tests/**", "test_*.py", "*_test.py", "conftest.py",
              # requirements installed only to run the tests
              "requirements/test*.txt", "test-requirements*.txt", "requirements-test*.txt"),
    "docs": ("docs/**", "docs_src/**"),
    "examples": ("examples/**", "benchmarks/**"),
}


@dataclass(frozen=True)
class PathClass:
    """A ``[paths.NAME]`` class: which files belong to it, and how it adjusts the findings in
    them. ``fail_on`` only relaxes (a class never fails what the rest of the policy passes);
    ``report`` replaces the report level; ``severity`` shifts by steps or maps words."""

    name: str
    patterns: tuple[str, ...] = ()
    fail_on: Level = None
    fail_on_set: bool = False
    report: Level = None
    report_set: bool = False
    shift: int = 0
    mapping: Mapping[Severity, Severity] = field(default_factory=dict)

    @property
    def adjusts(self) -> bool:
        """True when the class changes anything (else it only labels findings)."""
        return self.fail_on_set or self.report_set or bool(self.shift) or bool(self.mapping)

    def adjust(self, severity: Severity) -> Severity:
        """``severity`` after the class's ``severity`` setting (clamped to info..critical)."""
        if severity in self.mapping:
            return self.mapping[severity]
        return Severity(min(max(int(severity) + self.shift, 0), len(Severity) - 1))

    def describe(self) -> str:
        """``[paths.tests] fail_on = "critical", severity = -1``: what it adjusts."""
        parts = []
        if self.fail_on_set:
            parts.append(f'fail_on = "{level_word(self.fail_on)}"')
        if self.report_set:
            parts.append(f'report = "{level_word(self.report)}"')
        if self.shift:
            parts.append(f"severity = {self.shift:+d}")
        if self.mapping:
            pairs = ", ".join(f'{k.word} = "{v.word}"' for k, v in
                              sorted(self.mapping.items(), reverse=True))
            parts.append(f"severity = {{ {pairs} }}")
        return f"[paths.{self.name}] " + (", ".join(parts) if parts else "(labels only)")


DEFAULT_PATHS = tuple(PathClass(name, patterns) for name, patterns in PATH_CLASSES.items())

# A development-only manifest entry (its finding's ``manifest_class`` from gate.deps: a
# requirements file named for dev, tests or docs, an extra or dependency group named so) is
# judged in this path class when its file has no class of its own.
MANIFEST_PATH_CLASSES: Mapping[str, str] = {"dev": "tests", "test": "tests", "docs": "docs"}


# OpenVEX's justification labels for a ``not_affected`` statement.
VEX_JUSTIFICATIONS = ("component_not_present", "vulnerable_code_not_present",
                      "vulnerable_code_not_in_execute_path",
                      "vulnerable_code_cannot_be_controlled_by_adversary",
                      "inline_mitigations_already_exist")


@dataclass(frozen=True)
class Waiver:
    """A ``[[waivers]]`` entry: accept a finding until ``expires`` (inclusive, UTC); with
    ``until_fixed``, only until the advisory data shows a version that fixes it. ``vex``
    (``affected`` or ``not_affected``, with an OpenVEX ``justification``) is what the VEX
    document says of the advisories it waives."""

    reason: str
    expires: dt.date
    rule: str | None = None
    fingerprint: str | None = None
    paths: tuple[str, ...] = ()
    owner: str = ""
    ticket: str = ""
    index: int = 0
    until_fixed: bool = False
    vex: str = "affected"
    justification: str = ""

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
    secret_suppressions: SecretMode = SecretMode.WAIVERS
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
    paths: tuple[PathClass, ...] = DEFAULT_PATHS
    chain: tuple[str, ...] = ()
    raw: Mapping[str, Any] = field(default_factory=dict)

    def scanner(self, name: str) -> ScannerPolicy:
        """Settings for scanner ``name`` (defaults when the policy does not mention it)."""
        return self.scanners.get(name, ScannerPolicy())

    def path_class(self, path: str) -> PathClass | None:
        """The first class whose patterns match ``path``, or None."""
        for klass in self.paths:
            if klass.patterns and path_matches(klass.patterns, path):
                return klass
        return None

    def manifest_path_class(self, manifest_class: str) -> PathClass | None:
        """The class a development-only manifest entry is judged in (``dev`` and ``test``:
        tests, ``docs``: docs), or None (production, or the class is turned off)."""
        name = MANIFEST_PATH_CLASSES.get(manifest_class)
        return next((k for k in self.paths if k.name == name and k.patterns), None)

    def without_path_class(self, name: str) -> Policy:
        """A copy where class ``name`` keeps its files but adjusts nothing (the what-if)."""
        from dataclasses import replace

        return replace(self, paths=tuple(PathClass(k.name, k.patterns) if k.name == name else k
                                         for k in self.paths))

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
