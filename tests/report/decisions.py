"""Decisions built directly (no scanners), for the report renderer tests."""

from __future__ import annotations

from gate.findings import Confidence, Finding, Location, Severity
from gate.policy.decision import Decided, Decision, Disposition, Verdict
from gate.policy.model import Policy
from gate.runs import ScannerRun


def make_finding(i: int, path: str = "", message: str = "",
                 severity: Severity = Severity.HIGH) -> Finding:
    """Finding number ``i``: bandit B60x at ``src/m<i>.py``, high unless told."""
    return Finding("bandit", f"B{600 + i % 10}", "rule", message or f"problem {i}", severity,
                   Confidence.HIGH, Location(path or f"src/m{i}.py", i % 500 + 1),
                   f"{i:032x}")


def make_decision(findings: list[Finding], **kw: object) -> Decision:
    """A failed Decision over ``findings`` (all failing), with an ok bandit run and a broken
    semgrep run whose error holds markup."""
    items = tuple(Decided(f, Disposition.FAIL, f.severity, "severity high reaches fail_on")
                  for f in findings)
    run = ScannerRun("bandit", "bandit", "1.9.4", ("-f", "json"), 1, None, len(findings))
    broken = ScannerRun("semgrep", "semgrep", "1", (), 2, "exited with code 2: <b>oops</b>", 3)
    return Decision(policy=Policy(source="gate.toml", chain=("gate.toml", "preset:default")),
                    verdict=Verdict.FAIL, exit_code=1, items=items, runs=(run, broken),
                    reasons=(f"{len(items)} finding(s) at or above the fail level",), **kw)
