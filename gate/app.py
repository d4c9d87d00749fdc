"""The scan use case: load policy, discover, scan, evaluate. No output I/O here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from gate import scope
from gate.decision import Decision
from gate.discovery import Targets, discover, find_root
from gate.policy import evaluate as policy_eval
from gate.policy.load import load
from gate.policy.model import Level, Policy
from gate.scan import plan, run_scanners


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
    policy_ref: str | None = None
    changed_since: str | None = None
    only_files: tuple[Path, ...] | None = None


def resolve_policy(root: Path, request: ScanRequest,
                   from_ref: scope.RefPolicy | None = None) -> Policy:
    """The effective policy for the request (``--fail-on`` applied)."""
    policy = from_ref.policy if from_ref else load(root, request.policy_file)
    if request.fail_on_set:
        policy = policy.with_fail_on(request.fail_on)
    return policy


def scan(request: ScanRequest) -> Decision:
    """Run the whole gate for ``request`` and return the Decision.

    Raises PolicyError or DiscoveryError for configuration problems (exit 2).
    """
    root = find_root(list(request.paths))
    from_ref = (scope.policy_from_ref(root, request.policy_file, request.policy_ref)
                if request.policy_ref else None)
    policy = resolve_policy(root, request, from_ref)
    targets, partial = narrow(root, request, policy)
    work = plan(policy, targets, request.scanners or None)
    outcome = run_scanners(policy, targets, work, request.options, request.jobs)
    category = f"{request.category}-partial" if partial else request.category
    ctx = policy_eval.Context(today=request.today or policy_eval.today_utc(),
                              category=category, partial=partial, files_scanned=outcome.files)
    decision = policy_eval.evaluate(policy, outcome.findings, outcome.runs, ctx)
    return with_scope(decision, targets if partial else None, from_ref)


def narrow(root: Path, request: ScanRequest, policy: Policy) -> tuple[Targets, bool]:
    """The files to scan, and whether that is a partial scan (``--changed-since``, hook).

    A partial scan's SARIF goes under ``<category>-partial`` so that uploading it never
    closes the full scan's alerts.
    """
    if request.only_files is not None:
        targets = discover(root, [root], policy.exclude)
        return scope.restrict(targets, scope.hook_files(root, request.only_files)), True
    targets = discover(root, list(request.paths), policy.exclude)
    if request.changed_since is not None:
        return scope.changed_since(targets, request.changed_since), True
    return targets, False


def with_scope(decision: Decision, partial: Targets | None,
               from_ref: scope.RefPolicy | None) -> Decision:
    """Record the files a partial scan looked at and a policy change under review."""
    if partial is not None:
        decision = replace(decision, scanned=partial.files)
    if from_ref is not None:
        decision = replace(decision, policy_ref=from_ref.ref)
        if from_ref.changed:
            decision = replace(decision, policy_changed=from_ref.changed,
                               warnings=(from_ref.changed, *decision.warnings))
    return decision


def parse_scanner_list(text: str, known: Sequence[str]) -> tuple[str, ...]:
    """``"bandit,semgrep"`` -> names, or ValueError naming the valid choices."""
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValueError(f"unknown scanner(s) {', '.join(unknown)}; valid: {', '.join(known)}")
    return names
