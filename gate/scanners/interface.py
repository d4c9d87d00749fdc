"""What every scanner adapter provides and returns.

An adapter knows which files it wants, runs its tool on that explicit list through
``gate.process``, parses the tool's JSON and returns Findings plus a ScannerRun record.
It never decides pass/fail.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from gate.findings import Finding


@dataclass(frozen=True)
class SkippedFile:
    """A file a scanner was given but did not analyse (too large, timed out, unparsable)."""

    path: str
    reason: str


@dataclass(frozen=True)
class ScannerRun:
    """The record of one scanner's run, for reports, SARIF invocations and JSON."""

    scanner: str
    tool: str
    version: str
    arguments: tuple[str, ...]
    exit_code: int | None
    error: str | None
    files: int
    skipped: tuple[SkippedFile, ...] = ()
    notes: tuple[str, ...] = ()
    duration: float = 0.0

    @property
    def ok(self) -> bool:
        """True when the tool did its job."""
        return self.error is None


@dataclass(frozen=True)
class ScanResult:
    """Findings plus the run record of one scanner."""

    findings: tuple[Finding, ...]
    run: ScannerRun


@dataclass(frozen=True)
class ScanContext:
    """Everything an adapter needs: where, which files, and its policy settings."""

    root: Path
    files: tuple[str, ...]
    timeout: float
    options: Mapping[str, Any] = field(default_factory=dict)
    cache_dir: Path | None = None
    jobs: int = 1  # processes/threads this scanner may use (the share of ``--jobs``)

    def read_text(self, path: str) -> str:
        """The text of a scanned file (undecodable bytes replaced); empty if unreadable."""
        try:
            return (self.root / path).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""


class Scanner(Protocol):
    """A scanner adapter. Registered by name in ``gate.scanners.REGISTRY``."""

    name: str
    tool: str

    def select(self, files: Sequence[str], root: Path) -> list[str]:
        """The subset of ``files`` (relative posix paths) this scanner understands."""
        ...

    def scan(self, ctx: ScanContext) -> ScanResult:
        """Run the tool on ``ctx.files`` and return its findings and run record."""
        ...


def failed(
    scanner: str,
    tool: str,
    error: str,
    *,
    arguments: Sequence[str] = (),
    exit_code: int | None = None,
    files: int = 0,
    version: str = "",
    duration: float = 0.0,
) -> ScanResult:
    """A ScanResult for a scanner that could not do its job."""
    run = ScannerRun(
        scanner=scanner,
        tool=tool,
        version=version,
        arguments=tuple(arguments),
        exit_code=exit_code,
        error=error,
        files=files,
        duration=duration,
    )
    return ScanResult((), run)
