"""A content-addressed result cache, so unchanged files are not scanned again.

Per-file entries are keyed by scanner, tool version, configuration (rule packs digest,
normalised arguments, scanner options), the file's path and the SHA-256 of its content.
A scanner opts in with ``cache_per_file = True`` plus ``tool_version()``,
``run_arguments(ctx)``, ``cache_config(ctx)`` and ``exit_code_for(findings)``; or it supplies
its own whole-run key with ``cache_key(ctx) -> str | None`` (e.g. a dependency audit keyed by
manifest hash and advisory-data version). Anything else is never cached.

Entries are written atomically (temp file + ``os.replace``) and checked on read (schema,
scanner, key, checksum, strict types); a damaged entry is deleted and the file rescanned.
The cache must live outside the scanned tree and outside anything git tracks: a change under
review must not be able to ship entries that mark its own code clean.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from gate.findings import Confidence, Finding, InlineSuppression, Location, Severity
from gate.process import run, scanner_env, tool_path
from gate.scanners.interface import ScanContext, ScannerRun, ScanResult, SkippedFile

SCHEMA = 1
APP_FOLDER = "secops-gate"
# Skips that depend on the machine's load rather than the file are never cached.
_TRANSIENT = ("timeout", "timed out", "memory", "killed")


class CacheError(ValueError):
    """The cache folder cannot be used (inside the scanned tree, tracked by git, unwritable)."""


def default_dir(env: Mapping[str, str] | None = None) -> Path:
    """``$RUNNER_TEMP/secops-gate`` in CI, else the user's cache folder."""
    env = os.environ if env is None else env
    runner = env.get("RUNNER_TEMP", "")
    if runner and os.path.isabs(runner):
        return Path(runner) / APP_FOLDER
    xdg = env.get("XDG_CACHE_HOME", "")
    if xdg and os.path.isabs(xdg):
        return Path(xdg) / APP_FOLDER
    return Path.home() / ".cache" / APP_FOLDER


def open_cache(directory: Path | None, root: Path) -> ResultCache:
    """The cache at ``directory`` (default: ``default_dir()``), checked against ``root``.

    Raises CacheError when the folder is inside the scanned tree, holds files tracked by
    git, or cannot be created.
    """
    folder = Path(os.path.abspath((directory or default_dir()).expanduser()))
    resolved = _resolve_existing(folder)
    root = root.resolve()
    if _within(resolved, root) or _within(root, resolved / f"v{SCHEMA}"):
        raise CacheError(f"the cache folder {folder} is inside the scanned tree {root}; a "
                         "change could ship cache entries that mark its own code clean. Use "
                         "--cache-dir with a folder outside the repository, or --no-cache")
    if _tracked_by_git(resolved):
        raise CacheError(f"the cache folder {folder} holds files tracked by git; use "
                         "--cache-dir with an untracked folder outside any repository, "
                         "or --no-cache")
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise CacheError(f"cannot create the cache folder {folder}: {exc.strerror}; use "
                         "--cache-dir DIR or --no-cache") from None
    return ResultCache(folder)


def _resolve_existing(folder: Path) -> Path:
    """``folder`` with symlinks resolved as far as it exists."""
    missing: list[str] = []
    current = folder
    while not current.exists() and current.parent != current:
        missing.append(current.name)
        current = current.parent
    out = current.resolve()
    for name in reversed(missing):
        out = out / name
    return out


def _within(path: Path, parent: Path) -> bool:
    return path == parent or parent in path.parents


def _tracked_by_git(folder: Path) -> bool:
    existing = folder
    while not existing.exists() and existing.parent != existing:
        existing = existing.parent
    if not existing.is_dir():
        return False
    git = tool_path("git")
    env = {**scanner_env(), "GIT_CONFIG_NOSYSTEM": "1"}
    top = run([git, "rev-parse", "--show-toplevel"], cwd=existing, timeout=30, env=env)
    if top.returncode != 0:
        return False
    toplevel = Path(top.stdout.decode("utf-8", "surrogateescape").strip()).resolve()
    if not _within(folder, toplevel):
        return False
    relative = "." if folder == toplevel else folder.relative_to(toplevel).as_posix()
    return _has_tracked(git, toplevel, relative, env)


def _has_tracked(git: str, toplevel: Path, relative: str, env: dict[str, str]) -> bool:
    listed = run([git, "ls-files", "-z", "--", relative], cwd=toplevel, timeout=60, env=env)
    return listed.returncode == 0 and bool(listed.stdout.strip(b"\0"))


@dataclass(frozen=True)
class FileEntry:
    """What one scanner found in one file."""

    path: str
    findings: tuple[Finding, ...]
    skipped: tuple[SkippedFile, ...]


class ResultCache:
    """Entries under ``<folder>/v1/<scanner>/<xx>/<key>.json``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.store = folder / f"v{SCHEMA}"

    def _path(self, scanner: str, key: str) -> Path:
        return self.store / _safe(scanner) / key[:2] / f"{key}.json"

    def read(self, scanner: str, key: str) -> dict[str, Any] | None:
        """The checked payload stored under ``key``, or None (a damaged entry is deleted)."""
        path = self._path(scanner, key)
        try:
            raw = path.read_bytes()
        except OSError:
            return None
        try:
            data = json.loads(raw)
            if (not isinstance(data, dict) or data.get("schema") != SCHEMA
                    or data.get("scanner") != scanner or data.get("key") != key
                    or not isinstance(data.get("payload"), dict)
                    or data.get("checksum") != _checksum(scanner, key, data["payload"])):
                raise ValueError("bad entry")
            payload: dict[str, Any] = data["payload"]
            return payload
        except (ValueError, TypeError, RecursionError):
            self.discard(scanner, key)
            return None

    def write(self, scanner: str, key: str, payload: dict[str, Any]) -> None:
        """Store ``payload`` atomically; failures to write only cost a future rescan."""
        path = self._path(scanner, key)
        body = {"schema": SCHEMA, "scanner": scanner, "key": key,
                "checksum": _checksum(scanner, key, payload), "payload": payload}
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            handle, temp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=path.parent)
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as out:
                    json.dump(body, out, sort_keys=True, separators=(",", ":"))
                os.replace(temp, path)
            except BaseException:
                _unlink(Path(temp))
                raise
        except OSError:
            return

    def discard(self, scanner: str, key: str) -> None:
        """Delete an entry (damaged or unwanted)."""
        _unlink(self._path(scanner, key))

    def get_file(self, scanner: str, key: str, path: str) -> FileEntry | None:
        """A per-file entry, or None when missing or damaged."""
        payload = self.read(scanner, key)
        if payload is None:
            return None
        try:
            if payload.get("path") != path:
                raise ValueError("path mismatch")
            return FileEntry(path, _findings(payload["findings"]), _skipped(payload["skipped"]))
        except (KeyError, TypeError, ValueError):
            self.discard(scanner, key)
            return None

    def put_file(self, scanner: str, key: str, entry: FileEntry) -> None:
        """Store a per-file entry."""
        self.write(scanner, key, {"path": entry.path,
                                  "findings": [finding_to_dict(f) for f in entry.findings],
                                  "skipped": [[s.path, s.reason] for s in entry.skipped]})

    def get_result(self, scanner: str, key: str) -> ScanResult | None:
        """A whole-run entry (for scanners with their own ``cache_key``), or None."""
        payload = self.read(scanner, key)
        if payload is None:
            return None
        try:
            return ScanResult(_findings(payload["findings"]), _run_record(payload["run"]))
        except (KeyError, TypeError, ValueError):
            self.discard(scanner, key)
            return None

    def put_result(self, scanner: str, key: str, result: ScanResult) -> None:
        """Store a whole-run entry (only for a run that succeeded)."""
        run_record = result.run
        self.write(scanner, key, {
            "findings": [finding_to_dict(f) for f in result.findings],
            "run": {"scanner": run_record.scanner, "tool": run_record.tool,
                    "version": run_record.version, "arguments": list(run_record.arguments),
                    "exit_code": run_record.exit_code, "files": run_record.files,
                    "skipped": [[s.path, s.reason] for s in run_record.skipped],
                    "notes": list(run_record.notes)},
        })


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name) or "_"


def _unlink(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass


def _checksum(scanner: str, key: str, payload: dict[str, Any]) -> str:
    text = json.dumps([SCHEMA, scanner, key, payload], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


# --- Finding <-> JSON, strict on the way back ---------------------------------------------

def finding_to_dict(f: Finding) -> dict[str, Any]:
    """A Finding as plain JSON data."""
    loc = f.location
    sup = f.suppression
    return {
        "scanner": f.scanner, "rule_id": f.rule_id, "rule_name": f.rule_name,
        "message": f.message, "severity": f.severity.name, "confidence": f.confidence.name,
        "location": [loc.path, loc.start_line, loc.start_column, loc.end_line, loc.end_column],
        "fingerprint": f.fingerprint, "cwe": list(f.cwe), "help_uri": f.help_uri,
        "remediation": f.remediation, "tags": list(f.tags), "aliases": list(f.aliases),
        "secret": f.secret,
        "suppression": None if sup is None else [sup.kind, list(sup.rules), sup.reason],
        "extra": [list(pair) for pair in f.extra],
    }


def _str(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError("expected a string")
    return value


def _int(value: object, optional: bool = False) -> int | None:
    if value is None and optional:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError("expected an integer")
    return value


def _strs(value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise TypeError("expected a list")
    return tuple(_str(v) for v in value)


def finding_from_dict(d: Any) -> Finding:
    """A Finding from ``finding_to_dict`` output; TypeError/ValueError/KeyError if malformed."""
    if not isinstance(d, dict):
        raise TypeError("expected an object")
    loc = d["location"]
    if not isinstance(loc, list) or len(loc) != 5:
        raise TypeError("bad location")
    sup = d["suppression"]
    suppression = None
    if sup is not None:
        if not isinstance(sup, list) or len(sup) != 3:
            raise TypeError("bad suppression")
        suppression = InlineSuppression(_str(sup[0]), _strs(sup[1]), _str(sup[2]))
    extra = d["extra"]
    if not isinstance(extra, list):
        raise TypeError("bad extra")
    pairs = tuple(_pair(p) for p in extra)
    cwe = d["cwe"]
    if not isinstance(cwe, list):
        raise TypeError("bad cwe")
    if not isinstance(d["secret"], bool):
        raise TypeError("bad secret flag")
    return Finding(
        scanner=_str(d["scanner"]), rule_id=_str(d["rule_id"]), rule_name=_str(d["rule_name"]),
        message=_str(d["message"]), severity=Severity[_str(d["severity"])],
        confidence=Confidence[_str(d["confidence"])],
        location=Location(_str(loc[0]), _int(loc[1]) or 0, _int(loc[2]) or 0,
                          _int(loc[3], True), _int(loc[4], True)),
        fingerprint=_str(d["fingerprint"]), cwe=tuple(_int(c) or 0 for c in cwe),
        help_uri=_str(d["help_uri"]), remediation=_str(d["remediation"]),
        tags=_strs(d["tags"]), aliases=_strs(d["aliases"]), secret=d["secret"],
        suppression=suppression, extra=pairs,
    )


def _pair(value: object) -> tuple[str, str]:
    if not isinstance(value, list) or len(value) != 2:
        raise TypeError("bad pair")
    return _str(value[0]), _str(value[1])


def _findings(value: object) -> tuple[Finding, ...]:
    if not isinstance(value, list):
        raise TypeError("expected a list of findings")
    return tuple(finding_from_dict(v) for v in value)


def _skipped(value: object) -> tuple[SkippedFile, ...]:
    if not isinstance(value, list):
        raise TypeError("expected a list of skipped files")
    return tuple(SkippedFile(*_pair(v)) for v in value)


def _run_record(d: Any) -> ScannerRun:
    if not isinstance(d, dict):
        raise TypeError("expected an object")
    return ScannerRun(scanner=_str(d["scanner"]), tool=_str(d["tool"]),
                      version=_str(d["version"]), arguments=_strs(d["arguments"]),
                      exit_code=_int(d["exit_code"], True), error=None,
                      files=_int(d["files"]) or 0, skipped=_skipped(d["skipped"]),
                      notes=_strs(d["notes"]))


# --- Running a scanner through the cache ----------------------------------------------------

def digest_file(path: Path) -> str | None:
    """SHA-256 of a file's bytes, or None when it cannot be read."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def config_digest(scanner: Any, ctx: ScanContext, version: str) -> str:
    """The part of every per-file key that is not the file: scanner, version, configuration."""
    config = {"schema": SCHEMA, "scanner": scanner.name, "tool": scanner.tool,
              "version": version, "config": scanner.cache_config(ctx),
              "options": dict(ctx.options), "timeout": ctx.timeout}
    text = json.dumps(config, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def file_key(config: str, path: str, content: str) -> str:
    """The key of one (scanner configuration, file path, file content) entry."""
    return hashlib.sha256(f"{config}\0{path}\0{content}".encode("utf-8", "surrogateescape")
                          ).hexdigest()


def cacheable_per_file(scanner: Any) -> bool:
    """Whether ``scanner`` declared per-file independence and the hooks the cache needs."""
    return bool(getattr(scanner, "cache_per_file", False)) and all(
        callable(getattr(scanner, hook, None))
        for hook in ("tool_version", "run_arguments", "cache_config", "exit_code_for"))


def cached_scan(scanner: Any, ctx: ScanContext, cache: ResultCache | None) -> ScanResult:
    """``scanner.scan(ctx)``, with cached results reused and fresh results stored."""
    scan: Callable[[ScanContext], ScanResult] = scanner.scan
    if cache is None:
        return scan(ctx)
    own_key = getattr(scanner, "cache_key", None)
    if callable(own_key):
        key = own_key(ctx)
        if not isinstance(key, str) or not key:
            return scan(ctx)
        return _whole_run(scanner, ctx, cache, key)
    if not cacheable_per_file(scanner):
        return scan(ctx)
    version = str(scanner.tool_version())
    if version == "unknown":  # a replaced command: nothing reliable to key on
        return scan(ctx)
    return _per_file(scanner, ctx, cache, version)


def _whole_run(scanner: Any, ctx: ScanContext, cache: ResultCache, key: str) -> ScanResult:
    hit = cache.get_result(scanner.name, key)
    if hit is not None:
        return hit
    result: ScanResult = scanner.scan(ctx)
    if result.run.ok:
        cache.put_result(scanner.name, key, result)
    return result


def _per_file(scanner: Any, ctx: ScanContext, cache: ResultCache, version: str) -> ScanResult:
    name: str = scanner.name
    config = config_digest(scanner, ctx, version)
    contents = {path: digest_file(ctx.root / path) for path in ctx.files}
    keys = {p: file_key(config, p, c) for p, c in contents.items() if c is not None}
    hits: dict[str, FileEntry] = {}
    for path, key in keys.items():
        entry = cache.get_file(name, key, path)
        if entry is not None:
            hits[path] = entry
    misses = [p for p in ctx.files if p not in hits]
    fresh: ScanResult | None = None
    if misses:
        fresh = scanner.scan(replace(ctx, files=tuple(misses)))
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
        exit_code=int(scanner.exit_code_for(findings)), error=None, files=len(ctx.files),
        skipped=skipped, notes=(fresh.run.notes if fresh is not None else ()) + notes,
        duration=fresh.run.duration if fresh is not None else 0.0,
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
