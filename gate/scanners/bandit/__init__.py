"""The bandit scanner: the adapter and its size-balanced shards."""

from gate.scanners.bandit.adapter import BanditScanner

__all__ = ["BanditScanner"]
