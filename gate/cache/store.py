"""The result cache's store and the checks on its folder.

Entries live under ``<folder>/v<SCHEMA>/``: per-file entries in one pack per scanner run
(``gate.cache.packs``), whole-run entries one JSON file each; what goes into a key is
decided by ``gate.scan.cached``.

Entries are written atomically (temp file + ``os.replace``) and checked on read (schema,
scanner, key, checksum, strict types); a damaged entry is dropped and the file rescanned.
The cache must live outside the scanned tree and outside anything git tracks: a change under
review must not be able to ship entries that mark its own code clean.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gate import finding_codec as codec
from gate.cache.location import default_dir
from gate.cache.packs import PACKS, PackStore, read_regular, unlink
from gate.errors import CacheError
from gate.findings import Finding
from gate.guards.bounded import walk
from gate.runs import ScanResult, SkippedFile
from gate.tree import git

SCHEMA = 2  # 2: findings stored with gate.finding_codec's readable keys
def open_cache(directory: Path | None, root: Path) -> ResultCache:
    """The cache at ``directory`` (default: ``default_dir()``), checked against ``root``.

    Raises CacheError when the folder is inside the scanned tree, holds files tracked by
    git, or cannot be created.
    """
    folder = Path(os.path.abspath((directory or default_dir()).expanduser()))
    resolved = _resolve_existing(folder)
    root = root.resolve()
    store = _resolve_existing(folder / f"v{SCHEMA}")
    if _within(resolved, root) or _within(store, root) or _within(root, store):
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
    top = git.toplevel(existing)
    if top is None or not _within(folder, top):
        return False
    relative = "." if folder == top else folder.relative_to(top).as_posix()
    return git.has_tracked_files(top, relative)


@dataclass(frozen=True)
class FileEntry:
    """What one scanner found in one file."""

    path: str
    findings: tuple[Finding, ...]
    skipped: tuple[SkippedFile, ...]


class ResultCache:
    """Per-file entries in packs under ``<folder>/v<SCHEMA>/<scanner>/packs/``; whole-run
    entries under ``<folder>/v<SCHEMA>/<scanner>/<xx>/<key>.json``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.store = folder / f"v{SCHEMA}"
        self._used: set[Path] = set()  # entries read or written by this process (``prune``)
        self._lock = threading.Lock()
        self._packs = PackStore(self.store, SCHEMA, _checksum, _safe)

    def _use(self, path: Path) -> None:
        with self._lock:
            self._used.add(path)

    def prune(self) -> int:
        """Delete every entry this process neither read nor wrote; the number deleted.

        Run after a full scan, it keeps the cache to the current tree (what CI saves)."""
        removed = self._packs.prune(self._no_links)
        entries = sorted(Path(folder) / name for folder, _, names in walk(str(self.store))
                         for name in names if name.endswith(".json"))
        for path in entries:
            if path.parent.name == PACKS:
                continue
            with self._lock:
                keep = path in self._used
            if not keep:
                unlink(path)
                removed += 1
        return removed

    def _path(self, scanner: str, key: str) -> Path:
        return self.store / _safe(scanner) / key[:2] / f"{key}.json"

    def _no_links(self, path: Path) -> bool:
        """True when no folder from the store down to ``path``'s is a symlink."""
        current = path.parent
        while True:
            if current.is_symlink():
                return False
            if current == self.store or current == current.parent:
                return True
            current = current.parent

    def read(self, scanner: str, key: str) -> dict[str, Any] | None:
        """The checked payload stored under ``key``, or None (a damaged entry is deleted).

        The entry is opened without following links and must be a regular file; anything
        else is dropped, so the file is scanned again.
        """
        path = self._path(scanner, key)
        raw = read_regular(path) if self._no_links(path) else None
        if raw is None:
            if path.is_symlink() or (path.exists() and not path.is_file()):
                self.discard(scanner, key)
            return None
        try:
            data = json.loads(raw)
            if (not isinstance(data, dict) or data.get("schema") != SCHEMA
                    or data.get("scanner") != scanner or data.get("key") != key
                    or not isinstance(data.get("payload"), dict)
                    or data.get("checksum") != _checksum(scanner, key, data["payload"])):
                raise ValueError("bad entry")
            payload: dict[str, Any] = data["payload"]
            self._use(path)
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
            if not self._no_links(path):
                return
            handle, temp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=path.parent)
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as out:
                    json.dump(body, out, sort_keys=True, separators=(",", ":"))
                os.replace(temp, path)
                self._use(path)
            except BaseException:
                unlink(Path(temp))
                raise
        except OSError:
            return

    def discard(self, scanner: str, key: str) -> None:
        """Delete an entry (damaged or unwanted)."""
        unlink(self._path(scanner, key))

    def get_file(self, scanner: str, key: str, path: str) -> FileEntry | None:
        """A per-file entry, or None when missing or damaged."""
        payload = self._packs.get(scanner, key)
        if payload is None:
            return None
        try:
            if payload.get("path") != path:
                raise ValueError("path mismatch")
            return FileEntry(path, codec.findings_from(payload["findings"]),
                             codec.skipped_from(payload["skipped"]))
        except (KeyError, TypeError, ValueError):
            self._packs.drop(scanner, key)
            return None

    def put_file(self, scanner: str, key: str, entry: FileEntry) -> None:
        """Queue a per-file entry; ``flush`` writes the run's entries as one pack."""
        self._packs.put(scanner, key, {"path": entry.path,
                                       "findings": [codec.to_dict(f) for f in entry.findings],
                                       "skipped": codec.skipped_to(entry.skipped)})

    def flush(self, scanner: str) -> None:
        """Write the per-file entries queued for ``scanner`` (one pack)."""
        self._packs.flush(scanner, self._no_links)

    def get_result(self, scanner: str, key: str) -> ScanResult | None:
        """A whole-run entry (for scanners with their own ``cache_key``), or None."""
        payload = self.read(scanner, key)
        if payload is None:
            return None
        try:
            return ScanResult(codec.findings_from(payload["findings"]),
                              codec.run_from_dict(payload["run"]))
        except (KeyError, TypeError, ValueError):
            self.discard(scanner, key)
            return None

    def put_result(self, scanner: str, key: str, result: ScanResult) -> None:
        """Store a whole-run entry (only for a run that succeeded)."""
        self.write(scanner, key, {"findings": [codec.to_dict(f) for f in result.findings],
                                  "run": codec.run_to_dict(result.run)})



def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name) or "_"



def _checksum(scanner: str, key: str, payload: dict[str, Any]) -> str:
    text = json.dumps([SCHEMA, scanner, key, payload], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
