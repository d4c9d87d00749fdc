"""What a scanner's run records beside its findings: the run itself, the files it skipped
and the dependencies it audited. Plain data, shared by scanners, the cache, the policy and
every report."""

from __future__ import annotations

from dataclasses import dataclass

from gate.findings import Finding


@dataclass(frozen=True)
class SkippedFile:
    """A file a scanner was given but did not analyse (too large, timed out, unparsable)."""

    path: str
    reason: str


@dataclass(frozen=True)
class Component:
    """A dependency a scanner audited and where it is declared (the SBOM's inventory)."""

    name: str
    version: str
    path: str
    line: int


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
    information_uri: str = ""  # the tool's home page, for SARIF's tool.driver
    reused: int = 0  # files whose results came from the result cache
    data: str = ""  # what data the tool judged with, e.g. "advisory data from DATE, N days old"
    warnings: tuple[str, ...] = ()  # problems the report must show (stale data used)
    components: tuple[Component, ...] = ()  # dependencies audited, for --sbom
    components_complete: bool = False  # every installed dependency is among them

    @property
    def ok(self) -> bool:
        """True when the tool did its job."""
        return self.error is None


@dataclass(frozen=True)
class ScanResult:
    """Findings plus the run record of one scanner."""

    findings: tuple[Finding, ...]
    run: ScannerRun
