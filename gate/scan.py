"""Run the selected scanners concurrently on the discovered files and collect their results."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

from gate.cache import ResultCache, cached_scan
from gate.discovery import Targets, exclusion_spec
from gate.findings import Finding, fingerprint
from gate.policy.model import Policy
from gate.scanners import REGISTRY
from gate.scanners.interface import ScanContext, ScannerRun, ScanResult, SkippedFile, failed


@dataclass(frozen=True)
class ScanOutcome:
    """Findings and run records of every scanner that ran."""

    findings: tuple[Finding, ...]
    runs: tuple[ScannerRun, ...]
    files: int


def plan(policy: Policy, targets: Targets, only: Sequence[str] | None = None
         ) -> dict[str, list[str]]:
    """Which files each enabled scanner gets (scanners with no files are left out)."""
    chosen = list(only) if only else list(REGISTRY)
    out: dict[str, list[str]] = {}
    for name in chosen:
        settings = policy.scanner(name)
        if not settings.enabled and not only:
            continue
        spec = exclusion_spec(settings.exclude)
        files = [f for f in targets.files if not spec.match_file(f)]
        selected = REGISTRY[name].select(files, targets.root)
        if selected:
            out[name] = selected
    return out


def run_scanners(policy: Policy, targets: Targets, work: dict[str, list[str]],
                 options: dict[str, dict[str, object]] | None = None,
                 jobs: int | None = None,
                 on_done: Callable[[ScannerRun], None] | None = None,
                 cache: ResultCache | None = None) -> ScanOutcome:
    """Run each scanner in ``work`` on its files, concurrently, and gather the results.

    ``jobs`` (default: the CPU count) bounds the scanners run at once and is each scanner's
    own budget (bandit shards, semgrep ``--jobs``); ``cache`` reuses unchanged files' results.
    """
    options = options or {}
    budget = max(1, jobs or os.cpu_count() or 2)

    def one(name: str) -> ScanResult:
        settings = policy.scanner(name)
        merged = {**settings.options, **options.get(name, {})}
        ctx = ScanContext(root=targets.root, files=tuple(work[name]), timeout=settings.timeout,
                          options=merged, jobs=budget)
        try:
            result = cached_scan(REGISTRY[name], ctx, cache)
        except Exception as exc:  # an adapter bug must fail closed, never pass
            result = failed(name, REGISTRY[name].tool, f"internal error: {type(exc).__name__}",
                            files=len(ctx.files))
        if on_done:
            on_done(result.run)
        return result

    workers = max(1, min(len(work) or 1, budget))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(one, list(work)))
    findings = [f for r in results for f in r.findings]
    runs = [r.run for r in results]
    if targets.too_large and runs:
        runs[0] = _with_large(runs[0], targets.too_large)
    return ScanOutcome(tuple(number_duplicates(findings)), tuple(runs), len(targets.files))


def _with_large(run: ScannerRun, large: Sequence[str]) -> ScannerRun:
    extra = tuple(SkippedFile(p, "larger than the gate's 10 MB file limit") for p in large)
    return replace(run, skipped=run.skipped + extra)


def number_duplicates(findings: Sequence[Finding]) -> list[Finding]:
    """Give identical findings in one file distinct fingerprints (their occurrence index)."""
    seen: Counter[str] = Counter()
    out: list[Finding] = []
    ordered = sorted(findings, key=lambda f: (f.scanner, f.location, f.rule_id))
    for finding in ordered:
        count = seen[finding.fingerprint]
        seen[finding.fingerprint] += 1
        if count:
            finding = replace(finding, fingerprint=fingerprint(
                finding.rule_id, finding.location.path, finding.fingerprint, count))
        out.append(finding)
    return out
