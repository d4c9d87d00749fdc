"""Which files a scan looks at: every file git tracks or would track, and for each file not
analysed the reason why.

Discovery hands every tracked file, and every untracked file that gitignore does not
exclude (outside git: every file), to the planner. A file is left out only for a stated
reason, and each one is listed: excluded by the policy, inside an untracked virtualenv
(a folder with ``pyvenv.cfg``), over the size limit, a name that is not UTF-8, a symlink
that leaves the root, unreadable, or in a submodule the policy skips. Symlinks inside the
root are scanned at their own path, as the kind their own name says.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pathspec

from gate.errors import DiscoveryError
from gate.guards.bounded import walk
from gate.process import distrust
from gate.runs import SkippedFile
from gate.tree import git
from gate.tree.globs import spec
from gate.tree.path_names import is_utf8, shown

MAX_FILE_BYTES = 10 * 1024 * 1024
EXCLUDED = "excluded by the policy"
VIRTUALENV = "inside an untracked virtualenv (it has pyvenv.cfg)"
TOO_LARGE = "larger than the gate's 10 MB file limit"
BAD_NAME = "file name is not UTF-8; only the secrets scanner reads it"
LINK_OUT = "symlink whose target is outside the repository, missing or a loop; not followed"
UNREADABLE = "unreadable"
SUBMODULE = 'a submodule or nested repository (submodules = "skip")'
NOT_CHECKED_OUT = "a submodule that is not checked out"
LINK_FOLDER = "symlink to a folder inside the repository; its files are scanned at their own paths"
# Skips the scanned content can cause on purpose: they count under on_skipped_files.
DELIBERATE = frozenset({TOO_LARGE, BAD_NAME, UNREADABLE})


@dataclass(frozen=True)
class Targets:
    """The files to scan (relative posix paths under ``root``, sorted) and every file of the
    tree left out, with its reason."""

    root: Path
    files: tuple[str, ...]
    skipped: tuple[SkippedFile, ...] = field(default=())
    # Names that are not UTF-8, as shown (escaped) -> as on disk: listed in ``skipped`` and
    # still read by the scanners that read any name (the secrets scanner).
    raw_names: Mapping[str, str] = field(default_factory=dict)

    @property
    def outside(self) -> tuple[str, ...]:
        """Symlinks not followed."""
        return tuple(s.path for s in self.skipped if s.reason == LINK_OUT)

    @property
    def deliberate(self) -> tuple[SkippedFile, ...]:
        """Skips the content can cause on purpose (size, name, unreadable)."""
        return tuple(s for s in self.skipped if s.reason in DELIBERATE)

    @property
    def total(self) -> int:
        """Every file discovery saw: scanned or left out."""
        return len(self.files) + len(self.skipped)


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
    """Every file below ``root`` outside git (``.git`` folders left out)."""
    out: list[str] = []
    top = str(root)
    for folder, dirs, files in walk(top):
        dirs[:] = sorted(d for d in dirs if d != ".git")
        rel = folder[len(top):].strip(os.sep).replace(os.sep, "/")
        prefix = rel + "/" if rel else ""
        out += [prefix + name for name in files]
        out += [prefix + d for d in dirs if os.path.islink(os.path.join(folder, d))]
    return sorted(out)


def _virtualenvs(root: Path, untracked: Iterable[str]) -> set[str]:
    """Folders (relative) holding ``pyvenv.cfg`` among the untracked files' folders."""
    found: set[str] = set()
    for rel in untracked:
        if rel.endswith("pyvenv.cfg"):
            folder = rel[: -len("pyvenv.cfg")].rstrip("/")
            found.add(folder)
    return found


def _in_folder(rel: str, folders: Iterable[str]) -> bool:
    return any(f == "" or rel.startswith(f + "/") for f in folders)


def exclusion_spec(patterns: Iterable[str]) -> pathspec.GitIgnoreSpec:
    """A gitignore-style matcher for policy ``exclude`` globs."""
    return spec(tuple(patterns))


def discover(root: Path, paths: Sequence[Path], exclude: Sequence[str] = (),
             submodules: bool = True) -> Targets:
    """Every file under ``paths`` (inside ``root``): scanned, or listed with its reason.

    Symlinks are never followed out of the root: a link inside it is scanned at its own path.
    ``submodules`` scans checked-out submodules and nested repositories (else they are listed).
    """
    root = root.resolve()
    listing = git.tree_listing(root, submodules)
    if listing is None:
        every = _walk_files(root)
        untracked, nested = every, list[str]()
    else:
        every, untracked, nested = listing
    wanted = [_relative_to(root, p) for p in paths] or [""]
    venvs = _virtualenvs(root, untracked)
    untracked_set = set(untracked)
    matcher = exclusion_spec(exclude)
    files: list[str] = []
    skipped: list[SkippedFile] = []
    raw_names: dict[str, str] = {}
    for rel in every:
        if not any(w in ("", ".") or rel == w or rel.startswith(w.rstrip("/") + "/")
                   for w in wanted):
            continue
        reason = _reason(root, rel, matcher, venvs, untracked_set)
        if reason is None:
            files.append(rel)
            continue
        skipped.append(SkippedFile(shown(rel), reason))
        if reason == BAD_NAME and _readable_file(root / rel):
            raw_names[shown(rel)] = rel
    skipped += [SkippedFile(shown(n), SUBMODULE) for n in nested]
    return Targets(root, tuple(files), tuple(skipped), raw_names)


def _reason(root: Path, rel: str, matcher: pathspec.GitIgnoreSpec, venvs: set[str],
            untracked: set[str]) -> str | None:
    """Why ``rel`` is not scanned, or None when it is."""
    if matcher.match_file(rel):
        return EXCLUDED
    if rel in untracked and _in_folder(rel, venvs):
        return VIRTUALENV
    if not is_utf8(rel):
        return BAD_NAME
    full = os.path.join(root, rel)  # plain strings and one lstat: this runs for every file
    try:
        info = os.lstat(full)
    except OSError:
        return UNREADABLE
    if stat.S_ISLNK(info.st_mode):
        try:
            target = Path(full).resolve(strict=True)
            target.relative_to(root)
        except (OSError, ValueError, RuntimeError):
            return LINK_OUT
        if target.is_dir():
            return LINK_FOLDER
        if not target.is_file():
            return LINK_OUT
        try:
            info = os.stat(full)
        except OSError:
            return UNREADABLE
    if stat.S_ISDIR(info.st_mode):
        return NOT_CHECKED_OUT
    if info.st_size > MAX_FILE_BYTES:
        return TOO_LARGE
    if not os.access(full, os.R_OK):
        return UNREADABLE
    return None


def _readable_file(path: Path) -> bool:
    """A regular file (not a link) within the size limit that may be read."""
    if path.is_symlink():
        return False
    try:
        info = path.stat()
    except OSError:
        return False
    return path.is_file() and info.st_size <= MAX_FILE_BYTES and os.access(path, os.R_OK)


def _relative_to(root: Path, path: Path) -> str:
    resolved = path.resolve()
    if not resolved.exists():
        raise DiscoveryError(f"path does not exist: {path}")
    try:
        rel = resolved.relative_to(root).as_posix()
    except ValueError:
        raise DiscoveryError(f"path is outside the repository root {root}: {path}") from None
    return "" if rel == "." else rel
