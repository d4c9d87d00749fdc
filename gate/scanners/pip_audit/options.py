"""The ``[scanners.pip-audit]`` policy keys: their checks, and the validated Options."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from gate.deps.osv import normalize
from gate.findings import Severity
from gate.guards.validators import (
    SEVERITY,
    STRING,
    Check,
    FailOrWarn,
    choice,
    non_negative_int,
    string_list,
)


class Resolve(enum.StrEnum):
    """What is audited: the pins the gate reads, or everything pip resolves from them."""

    PINS = "pins"
    FULL = "full"


class ExistenceCheck(enum.StrEnum):
    """Whether declared packages are looked up on the index: ``auto`` (offline audits ask
    only an index the user configured), always, or never."""

    AUTO = "auto"
    ON = "on"
    OFF = "off"


class OfflineEngine(enum.StrEnum):
    """What matches local advisory data: the gate's matcher, or pip-audit over loopback."""

    GATE = "gate"
    PIP_AUDIT = "pip-audit"


# How a declaration the audit cannot check counts: a high (fail) or a low (warn) finding.
Unaudited = FailOrWarn


CHECKS: Mapping[str, Check] = MappingProxyType({
    "resolve": choice(*Resolve),
    "unaudited": choice(*Unaudited),
    "private_packages": string_list,
    "osv_url": STRING,
    "advisory_db": STRING,
    "default_severity": SEVERITY,
    "index_url": STRING,
    "offline_engine": choice(*OfflineEngine),
    "existence_check": choice(*ExistenceCheck),
    "advisory_store": STRING,
    "max_age_days": non_negative_int,
    "stale_advisories": choice(*FailOrWarn),
    "not_imported": choice(*FailOrWarn),
})


@dataclass(frozen=True)
class Options:
    """The validated ``[scanners.pip-audit]`` policy keys (and the matching CLI flags)."""

    resolve: Resolve = Resolve.PINS
    unaudited: Unaudited = Unaudited.FAIL
    private_packages: frozenset[str] = frozenset()
    osv_url: str | None = None
    advisory_db: str | None = None
    default_severity: Severity = Severity.HIGH
    index_url: str | None = None
    offline_engine: OfflineEngine = OfflineEngine.GATE
    existence_check: ExistenceCheck = ExistenceCheck.AUTO
    advisory_store: str | None = None  # the folder 'gate advisories update' writes
    max_age_days: int = 7
    stale_advisories: FailOrWarn = FailOrWarn.WARN
    # a vulnerable pin nothing reaches (per a lock file's graph): capped at warn, or judged
    # like any other (read by the policy's evaluation, not by the adapter)
    not_imported: FailOrWarn = FailOrWarn.WARN

    @classmethod
    def from_mapping(cls, options: Mapping[str, Any]) -> Options:
        """Build from ``ScanContext.options`` (missing keys take the defaults)."""
        severity = options.get("default_severity") or "high"
        return cls(
            resolve=Resolve(str(options.get("resolve") or "pins")),
            unaudited=Unaudited(str(options.get("unaudited") or "fail")),
            private_packages=frozenset(normalize(p) for p in options.get("private_packages", ())),
            osv_url=options.get("osv_url") or None,
            advisory_db=str(options["advisory_db"]) if options.get("advisory_db") else None,
            default_severity=Severity.from_word(str(severity)),
            index_url=options.get("index_url") or None,
            offline_engine=OfflineEngine(str(options.get("offline_engine") or "gate")),
            existence_check=ExistenceCheck(str(options.get("existence_check") or "auto")),
            advisory_store=str(options["advisory_store"]) if options.get("advisory_store")
            else None,
            max_age_days=int(options.get("max_age_days", 7)),
            stale_advisories=FailOrWarn(str(options.get("stale_advisories") or "warn")),
            not_imported=FailOrWarn(str(options.get("not_imported") or "warn")),
        )

    @property
    def unaudited_severity(self) -> Severity:
        """High when unaudited lines fail the gate, low when they only warn."""
        return Severity.HIGH if self.unaudited is Unaudited.FAIL else Severity.LOW
