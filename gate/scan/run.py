"""Run the selected scanners concurrently on the discovered files and collect their results."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

from gate.cache.store import ResultCache
from gate.findings import Finding, fingerprint
from gate.guards.redact import redact, scrub_finding, scrub_run
from gate.lines import NEWLINE_LINES
from gate.policy.decision import Coverage
from gate.policy.model import Policy
from gate.runs import ScannerRun, ScanResult, SkippedFile
from gate.scan.cached import cached_scan
from gate.scanners import REGISTRY, is_secret_finding
from gate.scanners.interface import ScanContext, failed
from gate.tree import repo_files
from gate.tree.discovery import Targets, exclusion_spec

NO_SCANNER = "no scanner analyses this kind of file"


@dataclass(frozen=True)
class ScanOutcome:
    """Findings and run records of every scanner that ran."""

    findings: tuple[Finding, ...]
    runs: tuple[ScannerRun, ...]
    files: int
    skipped: tuple[SkippedFile, ...] = ()  # skips the content can cause (size, name, unreadable)
    links: tuple[str, ...] = ()  # symlinks not followed (target outside the root, or a loop)
    coverage: Coverage | None = None


def coverage(targets: Targets, work: Mapping[str, Sequence[str]],
             runs: Sequence[ScannerRun] = ()) -> Coverage:
    """How many files content scanners analysed, how many only the secrets scanner, and
    every file of the tree that no scanner got, with the reason.

    A file counts as analysed only when a content scanner read it: one its scanner skipped
    (it could not parse it, it timed out) or whose scanner failed is not counted."""
    by_name = {run.scanner: run for run in runs}

    def read(name: str, files: Sequence[str]) -> set[str]:
        run = by_name.get(name)
        if run is None:
            return set(files)
        if not run.ok:
            return set()
        return set(files) - {s.path for s in run.skipped}

    content = {f for name, files in work.items() if REGISTRY[name].content_scanner
               for f in read(name, files)}
    every = {f for files in work.values() for f in files} - set(targets.raw_names)
    unplanned = tuple(SkippedFile(f, NO_SCANNER) for f in targets.files if f not in every)
    readers = tuple(sorted(name for name, files in work.items()
                           if files and not REGISTRY[name].content_scanner))
    return Coverage(total=targets.total, content=len(content),
                    secrets_only=len(every - content),
                    not_analysed=(*targets.skipped, *unplanned), readers=readers)


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
        scanner = REGISTRY[name]
        selected = scanner.select(files, targets.root)
        if scanner.reads_any_name:
            selected += [n for n in targets.raw_names if not spec.match_file(n)]
        if selected:
            out[name] = selected
    return out


def run_scanners(policy: Policy, targets: Targets, work: dict[str, list[str]],
                 options: dict[str, dict[str, object]] | None = None,
                 jobs: int | None = None,
                 on_done: Callable[[ScannerRun], None] | None = None,
                 cache: ResultCache | None = None,
                 history_base: str | None = None, hook: bool = False,
                 partial: bool = False) -> ScanOutcome:
    """Run each scanner in ``work`` on its files, concurrently, and gather the results.

    ``jobs`` (default: the CPU count, all scanners at once) bounds the scanners run at once
    and is split between them as their own budgets (bandit shards, semgrep ``--jobs``);
    ``cache`` reuses unchanged files' results, and its folder (checked to be outside the
    tree) is the scanners' own cache folder (``ScanContext.cache_dir``: kingfisher's
    compiled rules, pip-audit's downloads); ``hook`` tells the scanners they run in the
    commit hook; ``partial`` that they see part of the tree (no conclusion from absence).
    """
    options = options or {}
    budget = max(1, jobs or os.cpu_count() or 2)

    # Subprocess scanners share the pool; in-process ones run here meanwhile, without a slot.
    # By default every scanner starts at once, each with its share of the cores: a queue
    # left the secrets scanner (4 s compiling its rules on a cold machine) waiting for a
    # slot after semgrep, 1-2 s longer on Django. ``jobs`` also bounds the scanners at once.
    pooled = [name for name in work if not REGISTRY[name].in_process]
    workers = max(1, len(pooled) if jobs is None else min(len(pooled) or 1, budget))
    shares = core_shares(pooled, budget, workers)
    tests = next((k.patterns for k in policy.paths if k.name == "tests"), ())

    def one(name: str) -> ScanResult:
        settings = policy.scanner(name)
        merged = {**settings.options, **options.get(name, {})}
        ctx = ScanContext(root=targets.root, files=tuple(work[name]), timeout=settings.timeout,
                          options=merged, jobs=shares.get(name, 1), history_base=history_base,
                          hook=hook, raw_names=targets.raw_names, test_paths=tests,
                          partial=partial,
                          cache_dir=cache.folder if cache is not None else None)
        scanner = REGISTRY[name]
        try:
            result = cached_scan(scanner, ctx, cache,
                                 lambda c: guard(scanner.scan(c), targets.root))
            result = replace(result, run=replace(result.run,
                                                 information_uri=scanner.information_uri))
        except Exception as exc:  # an adapter bug must fail closed, never pass
            result = failed(name, name, f"internal error: {type(exc).__name__}",
                            files=len(ctx.files))
        result = confine(result, targets.root)
        result = replace(result, run=scrub_run(result.run))
        if on_done:
            on_done(result.run)
        return result

    with ThreadPoolExecutor(max_workers=workers) as pool:
        started = pool.map(one, pooled)
        done = {name: one(name) for name in work if REGISTRY[name].in_process}
        done.update(zip(pooled, started, strict=True))
    results = [done[name] for name in work]
    findings = redact_all(targets.root, [f for r in results for f in r.findings])
    runs = [r.run for r in results]
    return ScanOutcome(tuple(number_duplicates(findings)), tuple(runs), len(targets.files),
                       targets.deliberate, targets.outside,
                       coverage(targets, work, runs))


def core_shares(pooled: Sequence[str], budget: int, workers: int) -> dict[str, int]:
    """Each pooled scanner's own process/thread budget: the cores split between the scanners
    that run at once, so that together they fill the cores instead of oversubscribing them
    (semgrep ``--jobs 2`` beside two bandit shards on 2 cores ran 2 s longer and burnt 40 %
    more CPU than one job each). The first scanners, the heaviest in registry order, get
    the remainder."""
    base, extra = divmod(budget, max(1, workers))
    return {name: max(1, base + (1 if index < extra else 0))
            for index, name in enumerate(pooled)}


def guard(result: ScanResult, root: Path) -> ScanResult:
    """A fresh result confined to the root, redacted and scrubbed of credentials, before
    anything else (the result cache included) sees it."""
    result = confine(result, root)
    findings = tuple(scrub_finding(f) for f in redact_all(root, result.findings))
    return ScanResult(findings, scrub_run(result.run))


def confine(result: ScanResult, root: Path) -> ScanResult:
    """Keep every reported path inside ``root``: absolute paths under it become relative; a
    path outside it (absolute elsewhere, or escaping with ``..``) makes the run an error."""
    base = root.resolve()
    findings: list[Finding] = []
    for finding in result.findings:
        if finding.location.uri is not None:  # a name the gate showed (not UTF-8), kept as is
            findings.append(finding)
            continue
        path = inside(base, finding.location.path)
        if path is None:
            return failed(result.run.scanner, result.run.tool,
                          "reported a finding outside the repository (bad output)",
                          arguments=result.run.arguments, exit_code=result.run.exit_code,
                          files=result.run.files, version=result.run.version,
                          duration=result.run.duration)
        if path != finding.location.path:
            finding = replace(finding, location=replace(finding.location, path=path))
        findings.append(finding)
    skipped = tuple(replace(s, path=inside(base, s.path) or "(outside the repository)")
                    for s in result.run.skipped)
    return ScanResult(tuple(findings), replace(result.run, skipped=skipped))


def inside(root: Path, path: str) -> str | None:
    """``path`` as a clean relative posix path under ``root``, or None if it leaves it."""
    text = path.replace("\\", "/")
    if PurePosixPath(text).is_absolute():
        try:
            text = PurePosixPath(text).relative_to(root.as_posix()).as_posix()
        except ValueError:
            return None
    parts = [p for p in text.split("/") if p not in ("", ".")]
    if not parts or ".." in parts:
        return None
    return "/".join(parts)


def redact_all(root: Path, findings: Sequence[Finding]) -> list[Finding]:
    """The one redaction pass: no secret value leaves this function in any finding."""
    lines: dict[tuple[str, str], list[str]] = {}
    out: list[Finding] = []
    for finding in findings:
        if not is_secret_finding(finding):
            out.append(finding)
            continue
        path = finding.location.path
        scanner = REGISTRY.get(finding.scanner)
        style = scanner.line_style if scanner is not None else NEWLINE_LINES
        if (path, style) not in lines:
            lines[(path, style)] = repo_files.read_lines(root, path, style) or []
        numbered = lines[(path, style)]
        number = finding.location.start_line
        line = numbered[number - 1] if 0 < number <= len(numbered) else ""
        own = scanner is not None and scanner.fingerprints_secrets
        out.append(redact(finding, line=None if own else line))
    return out


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
