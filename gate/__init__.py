"""secops-gate: one security gate over code, dependency and config scanners."""

__version__ = "0.1.0"
