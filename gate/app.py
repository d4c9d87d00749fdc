"""The scan use case: load policy, discover, scan, evaluate. No output I/O here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from gate import sarif_import, suppressions
from gate.baseline import Baseline
from gate.baseline import create as baseline_create
from gate.baseline import load as load_baseline_file
from gate.decision import Decision
from gate.discovery import discover, find_root
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
    baseline_file: Path | None = None
    new_only: bool = False
    include_waived: bool = False


def resolve_policy(root: Path, request: ScanRequest) -> Policy:
    """The effective policy for the request (``--fail-on`` applied)."""
    policy = load(root, request.policy_file)
    if request.fail_on_set:
        policy = policy.with_fail_on(request.fail_on)
    return policy


def scan(request: ScanRequest, *, with_baseline: bool = True,
         baseline_reader: Callable[[Path], str] | None = None) -> Decision:
    """Run the whole gate for ``request`` and return the Decision.

    Raises PolicyError, DiscoveryError, BaselineError or ValueError for configuration
    problems (exit 2). ``baseline_reader`` reads the baseline (a git ref under --policy-ref).
    """
    root = find_root(list(request.paths))
    policy = resolve_policy(root, request)
    targets = discover(root, list(request.paths), policy.exclude)
    work = plan(policy, targets, request.scanners or None)
    outcome = run_scanners(policy, targets, work, request.options, request.jobs)
    findings = suppressions.apply(outcome.findings, root=targets.root)
    baseline = load_baseline(root, request, policy, baseline_reader) if with_baseline else None
    notes: tuple[str, ...] = ()
    if with_baseline and baseline is None and request.new_only:
        raise ValueError("--new-only needs --baseline FILE (or 'baseline' in the policy)")
    if with_baseline and baseline is None and policy.new_only:
        notes = ("new_only is set but no baseline was given (--baseline FILE or policy "
                 "'baseline'): every finding counts as new",)
    ctx = policy_eval.Context(today=request.today or policy_eval.today_utc(),
                              category=request.category, files_scanned=outcome.files,
                              baseline=baseline, new_only=request.new_only, notes=notes,
                              scope={name: frozenset(files) for name, files in work.items()})
    return policy_eval.evaluate(policy, findings, outcome.runs, ctx)


def create_baseline(request: ScanRequest) -> tuple[Baseline, Decision]:
    """Scan as ``gate scan`` would (no baseline) and record every finding in a Baseline."""
    decision = scan(replace(request, baseline_file=None, new_only=False), with_baseline=False)
    today = request.today or policy_eval.today_utc()
    findings = [d.finding for d in decision.items]
    return baseline_create(findings, today), decision


def load_baseline(root: Path, request: ScanRequest, policy: Policy,
                  reader: Callable[[Path], str] | None = None) -> Baseline | None:
    """The baseline named by ``--baseline`` or the policy's ``baseline`` key, if any.

    A policy ``baseline`` path is relative to the repository root. ``reader`` reads it (from
    a git ref under ``--policy-ref``); BaselineError when it cannot be read (exit 2).
    """
    if request.baseline_file is not None:
        return load_baseline_file(request.baseline_file, reader)
    if policy.baseline:
        return load_baseline_file(root / policy.baseline, reader)
    return None


def parse_scanner_list(text: str, known: Sequence[str]) -> tuple[str, ...]:
    """``"bandit,semgrep"`` -> names, or ValueError naming the valid choices."""
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValueError(f"unknown scanner(s) {', '.join(unknown)}; valid: {', '.join(known)}")
    return names


def evaluate_sarif(sarif_files: Sequence[Path], request: ScanRequest,
                   baseline_reader: Callable[[Path], str] | None = None) -> Decision:
    """Apply the policy to SARIF from any tool, without scanning (``gate evaluate``).

    ``request.paths[0]`` locates the repository root (URIs are resolved against it). Raises
    SarifImportError for unreadable or malformed SARIF, plus the errors of ``scan``.
    """
    root = find_root(list(request.paths))
    policy = resolve_policy(root, request)
    imported = sarif_import.read(sarif_files, root)
    findings = suppressions.apply(imported.findings, root=root)
    scope: dict[str, frozenset[str]] = {}
    for finding in findings:
        scope[finding.scanner] = scope.get(finding.scanner, frozenset()) | {
            finding.location.path}
    ctx = policy_eval.Context(today=request.today or policy_eval.today_utc(),
                              category=request.category, files_scanned=len(imported.files),
                              baseline=load_baseline(root, request, policy, baseline_reader),
                              new_only=request.new_only, notes=imported.warnings, scope=scope)
    return policy_eval.evaluate(policy, findings, imported.runs, ctx)
