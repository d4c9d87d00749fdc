"""The explicit registry of scanner adapters, by the name used in policies and flags."""

from __future__ import annotations

from gate.scanners.bandit import BanditScanner
from gate.scanners.interface import Scanner
from gate.scanners.pip_audit import PipAuditScanner
from gate.scanners.secrets import SecretsScanner
from gate.scanners.semgrep import SemgrepScanner
from gate.scanners.zizmor import ZizmorScanner

REGISTRY: dict[str, Scanner] = {
    "bandit": BanditScanner(),
    "semgrep": SemgrepScanner(),
    "pip-audit": PipAuditScanner(),
    "zizmor": ZizmorScanner(),
    "secrets": SecretsScanner(),
}


def names() -> list[str]:
    """Registered scanner names in their run order."""
    return list(REGISTRY)
