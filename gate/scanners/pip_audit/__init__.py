"""The pip-audit scanner: the adapter, its options and the advisory-data identity."""

from gate.scanners.pip_audit.adapter import CONFUSION, UNAUDITED, UNSUPPORTED, PipAuditScanner

__all__ = ["CONFUSION", "UNAUDITED", "UNSUPPORTED", "PipAuditScanner"]
