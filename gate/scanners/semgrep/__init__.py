"""The semgrep scanner: the adapter, the shipped rule packs and which files they apply to."""

from gate.scanners.semgrep.adapter import SemgrepScanner

__all__ = ["SemgrepScanner"]
