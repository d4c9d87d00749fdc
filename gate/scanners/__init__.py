"""The explicit registry of scanner adapters, by the name used in policies and flags."""

from __future__ import annotations

from gate.scanners.bandit import BanditScanner
from gate.scanners.interface import Scanner
from gate.scanners.semgrep import SemgrepScanner

REGISTRY: dict[str, Scanner] = {
    "bandit": BanditScanner(),
    "semgrep": SemgrepScanner(),
}


def names() -> list[str]:
    """Registered scanner names in their run order."""
    return list(REGISTRY)
