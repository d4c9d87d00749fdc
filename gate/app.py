"""The scan use case: load policy, discover, scan, evaluate. No output I/O here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from gate.cache import open_cache
from gate.decision import Decision
from gate.discovery import discover, find_root
from gate.policy import evaluate as policy_eval
from gate.policy.load import load
from gate.policy.model import Level, Policy
from gate.scan import plan, run_scanners
from gate.scanners.interface import ScannerRun


@dataclass(frozen=True)
class ScanRequest:
    """What the user asked for on the command line."""

    paths: tuple[Path, ...] = (Path("."),)
    policy_file: Path | None = None
    scanners: tuple[str, ...] = ()
    fail_on: Level | None = None
    fail_on_set: bool = False
    category: str = "gate"
    jobs: int | None = None
    options: dict[str, dict[str, object]] = field(default_factory=dict)
    today: dt.date | None = None
    cache_dir: Path | None = None
    use_cache: bool = True


def resolve_policy(root: Path, request: ScanRequest) -> Policy:
    """The effective policy for the request (``--fail-on`` applied)."""
    policy = load(root, request.policy_file)
    if request.fail_on_set:
        policy = policy.with_fail_on(request.fail_on)
    return policy


def scan(request: ScanRequest, on_done: Callable[[ScannerRun], None] | None = None
         ) -> Decision:
    """Run the whole gate for ``request`` and return the Decision.

    Raises PolicyError, DiscoveryError or CacheError for configuration problems (exit 2).
    ``on_done`` is called as each scanner finishes (progress display).
    """
    root = find_root(list(request.paths))
    policy = resolve_policy(root, request)
    cache = open_cache(request.cache_dir, root) if request.use_cache else None
    targets = discover(root, list(request.paths), policy.exclude)
    work = plan(policy, targets, request.scanners or None)
    outcome = run_scanners(policy, targets, work, request.options, request.jobs, on_done,
                           cache)
    ctx = policy_eval.Context(today=request.today or policy_eval.today_utc(),
                              category=request.category, files_scanned=outcome.files)
    return policy_eval.evaluate(policy, outcome.findings, outcome.runs, ctx)


def parse_scanner_list(text: str, known: Sequence[str]) -> tuple[str, ...]:
    """``"bandit,semgrep"`` -> names, or ValueError naming the valid choices."""
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValueError(f"unknown scanner(s) {', '.join(unknown)}; valid: {', '.join(known)}")
    return names
