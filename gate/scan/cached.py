"""The cache-aware runner: run a scanner through the result cache.

Per-file entries are keyed by scanner, tool version, configuration (rule packs digest,
normalised arguments, scanner options), the file's path and the SHA-256 of its content.
A scanner opts in with ``cache_per_file = True`` (the hooks ``tool_version()``,
``run_arguments(ctx)``, ``cache_config(ctx)`` and ``exit_code_for(findings)`` come with the
Scanner protocol); or it supplies its own whole-run key with ``cache_key(ctx)`` (e.g. a
dependency audit keyed by manifest hash and advisory-data version). Anything else is never
cached.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from gate.cache.store import SCHEMA, FileEntry, ResultCache
from gate.findings import Finding
from gate.guards import redact
from gate.runs import ScannerRun, ScanResult, SkippedFile
from gate.scanners.interface import ScanContext, Scanner

Fresh = Callable[[ScanContext], ScanResult]

# Skips that depend on the machine's load rather than the file are never cached.
_TRANSIENT = ("timeout", "timed out", "memory", "killed")


def digest_file(path: Path) -> str | None:
    """SHA-256 of a file's bytes, or None when it cannot be read."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def config_digest(scanner: Scanner, ctx: ScanContext, version: str) -> str:
    """The part of every per-file key that is not the file: scanner, version, configuration."""
    config = {"schema": SCHEMA, "redaction": redact.VERSION, "scanner": scanner.name,
              "tool": scanner.tool,
              "version": version, "config": scanner.cache_config(ctx),
              "options": dict(ctx.options), "timeout": ctx.timeout}
    text = json.dumps(config, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def file_key(config: str, path: str, content: str) -> str:
    """The key of one (scanner configuration, file path, file content) entry."""
    return hashlib.sha256(f"{config}\0{path}\0{content}".encode("utf-8", "surrogateescape")
                          ).hexdigest()


def cached_scan(scanner: Scanner, ctx: ScanContext, cache: ResultCache | None,
                fresh: Fresh | None = None) -> ScanResult:
    """``fresh(ctx)`` (default ``scanner.scan``), with cached results reused and fresh
    results stored; ``scanner`` supplies the cache hooks."""
    scan = fresh or scanner.scan
    if cache is None:
        return scan(ctx)
    key = scanner.cache_key(ctx)
    if key:
        return _whole_run(scanner, ctx, cache, key, scan)
    if not scanner.cache_per_file or not scanner.cacheable(ctx):
        return scan(ctx)
    version = scanner.tool_version()
    if version == "unknown":  # a replaced command: nothing reliable to key on
        return scan(ctx)
    return _per_file(scanner, ctx, cache, version, scan)


def _whole_run(scanner: Scanner, ctx: ScanContext, cache: ResultCache, key: str,
               scan: Fresh) -> ScanResult:
    hit = cache.get_result(scanner.name, key)
    if hit is not None:
        return replace(hit, run=replace(hit.run, reused=hit.run.files))
    result = scan(ctx)
    if result.run.ok:
        cache.put_result(scanner.name, key, result)
    return result


def _per_file(scanner: Scanner, ctx: ScanContext, cache: ResultCache, version: str,
              scan: Fresh) -> ScanResult:
    name = scanner.name
    config = config_digest(scanner, ctx, version)
    contents = {path: digest_file(ctx.path_of(path)) for path in ctx.files}
    keys = {p: file_key(config, p, c) for p, c in contents.items() if c is not None}
    hits: dict[str, FileEntry] = {}
    for path, key in keys.items():
        entry = cache.get_file(name, key, path)
        if entry is not None:
            hits[path] = entry
    misses = [p for p in ctx.files if p not in hits]
    fresh: ScanResult | None = None
    if misses:
        fresh = scan(replace(ctx, files=tuple(misses)))
        if not fresh.run.ok:
            return ScanResult(fresh.findings, replace(fresh.run, files=len(ctx.files)))
        _store(cache, name, misses, keys, contents, fresh, ctx.root)
    by_path_findings: dict[str, list[Finding]] = {p: list(e.findings) for p, e in hits.items()}
    by_path_skipped: dict[str, list[SkippedFile]] = {p: list(e.skipped) for p, e in hits.items()}
    if fresh is not None:
        for finding in fresh.findings:
            by_path_findings.setdefault(finding.location.path, []).append(finding)
        for skip in fresh.run.skipped:
            by_path_skipped.setdefault(skip.path, []).append(skip)
    order = {p: i for i, p in enumerate(ctx.files)}
    paths = sorted(set(by_path_findings) | set(by_path_skipped),
                   key=lambda p: (order.get(p, len(order)), p))
    findings = tuple(f for p in paths for f in by_path_findings.get(p, []))
    skipped = tuple(s for p in paths for s in by_path_skipped.get(p, []))
    notes = (f"cache: {len(hits)} of {len(ctx.files)} file(s) reused",) if hits else ()
    run_record = ScannerRun(
        scanner=name, tool=scanner.tool,
        version=fresh.run.version if fresh is not None else version,
        arguments=tuple(scanner.run_arguments(ctx)),
        exit_code=scanner.exit_code_for(findings), error=None, files=len(ctx.files),
        skipped=skipped, notes=(fresh.run.notes if fresh is not None else ()) + notes,
        duration=fresh.run.duration if fresh is not None else 0.0, reused=len(hits),
    )
    return ScanResult(findings, run_record)


def _store(cache: ResultCache, name: str, misses: Sequence[str], keys: Mapping[str, str],
           contents: Mapping[str, str | None], fresh: ScanResult, root: Path) -> None:
    """One entry per scanned file, unless it changed during the scan or its skip is transient."""
    findings: dict[str, list[Finding]] = {}
    for finding in fresh.findings:
        findings.setdefault(finding.location.path, []).append(finding)
    skipped: dict[str, list[SkippedFile]] = {}
    for skip in fresh.run.skipped:
        skipped.setdefault(skip.path, []).append(skip)
    for path in misses:
        key = keys.get(path)
        skips = skipped.get(path, [])
        if key is None or any(word in s.reason.lower() for s in skips for word in _TRANSIENT):
            continue
        if digest_file(root / path) != contents[path]:  # edited while the tool ran
            continue
        cache.put_file(name, key, FileEntry(path, tuple(findings.get(path, [])), tuple(skips)))
    cache.flush(name)
