"""Which files a scan looks at: git's view of the work tree, minus noise and policy excludes."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pathspec

from gate import git
from gate.errors import DiscoveryError
from gate.globs import spec
from gate.process import distrust

# Folders never worth scanning: VCS data, virtualenvs, dependencies, build output, caches.
SKIP_DIRS = frozenset(
    {
        ".git", ".hg", ".svn", ".venv", "venv", "env", ".env.d", "node_modules", "__pycache__",
        ".tox", ".nox", ".mypy_cache", ".pytest_cache", ".ruff_cache", "build", "dist",
        ".eggs", "site-packages", ".cache", ".idea", ".vscode",
    }
)
MAX_FILE_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class Targets:
    """The files to scan, relative posix paths under ``root``, sorted."""

    root: Path
    files: tuple[str, ...]
    too_large: tuple[str, ...] = ()
    outside: tuple[str, ...] = ()
    bad_names: tuple[str, ...] = ()  # names that are not UTF-8, shown with escapes


def find_root(paths: Sequence[Path]) -> Path:
    """The repository root: the git top level of the first path, else the path's folder."""
    first = paths[0] if paths else Path(".")
    if not first.exists():
        raise DiscoveryError(f"path does not exist: {first}")
    start = first if first.is_dir() else first.parent
    distrust(start)  # nothing in the scanned tree may run as a tool, git included
    top = git.toplevel(start)
    if top is not None:
        distrust(top)
    return top if top is not None else start.resolve()


def _walk_files(root: Path) -> list[str]:
    out: list[str] = []
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
        rel = Path(folder).relative_to(root)
        for name in files:
            out.append((rel / name).as_posix())
    return sorted(out)


def _skipped_dir(path: str) -> bool:
    return any(part in SKIP_DIRS for part in path.split("/")[:-1])


def exclusion_spec(patterns: Iterable[str]) -> pathspec.GitIgnoreSpec:
    """A gitignore-style matcher for policy ``exclude`` globs."""
    return spec(tuple(patterns))


def discover(
    root: Path, paths: Sequence[Path], exclude: Sequence[str] = ()
) -> Targets:
    """List regular files under ``paths`` (inside ``root``), skipping noise and ``exclude``.

    Symlinks are never followed: a link is scanned only as what git tracks, and never if its
    target leaves the root.
    """
    root = root.resolve()
    listed = git.listed_files(root)
    every = listed if listed is not None else _walk_files(root)
    wanted = [_relative_to(root, p) for p in paths] or [""]
    spec = exclusion_spec(exclude)
    files: list[str] = []
    too_large: list[str] = []
    outside: list[str] = []
    bad_names: list[str] = []
    for rel in every:
        if not any(w in ("", ".") or rel == w or rel.startswith(w.rstrip("/") + "/")
                   for w in wanted):
            continue
        if _skipped_dir(rel) or spec.match_file(rel):
            continue
        if not _utf8(rel):
            bad_names.append(rel.encode("utf-8", "surrogateescape").decode("utf-8",
                                                                           "backslashreplace"))
            continue
        full = root / rel
        if full.is_symlink():
            try:
                full.resolve(strict=True).relative_to(root)
            except (OSError, ValueError, RuntimeError):
                outside.append(rel)
            continue
        if not full.is_file():
            continue
        if full.stat().st_size > MAX_FILE_BYTES:
            too_large.append(rel)
            continue
        files.append(rel)
    return Targets(root, tuple(files), tuple(too_large), tuple(outside), tuple(bad_names))


def _utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _relative_to(root: Path, path: Path) -> str:
    resolved = path.resolve()
    if not resolved.exists():
        raise DiscoveryError(f"path does not exist: {path}")
    try:
        rel = resolved.relative_to(root).as_posix()
    except ValueError:
        raise DiscoveryError(f"path is outside the repository root {root}: {path}") from None
    return "" if rel == "." else rel
