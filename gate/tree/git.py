"""The only place git runs: one safe environment, an absolute executable, no repository code.

Only read-only subcommands run (``rev-parse``, ``ls-files``, ``cat-file``, a tree-to-tree
``diff --no-ext-diff --no-textconv``, ``merge-base``, ``log --raw`` without signatures),
none of which runs a filter, a textconv, an external diff or a signature check, and every
call passes ``-c core.fsmonitor=false -c core.hooksPath=<an empty folder> -c core.pager=cat
-c core.sshCommand=false -c credential.helper= -c protocol.allow=never``, so a scanned
repository's configuration cannot make git start a program of its own. The caller's
``GIT_*`` variables are not passed on; the system and global configuration are read as
usual, and the gate never adds a ``safe.directory`` itself.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from gate.errors import GitError
from gate.process import empty_hooks_dir, run, scanner_env, tool_path

GIT_TIMEOUT = 120.0
_DUBIOUS = "dubious ownership"

__all__ = ["GitError", "git"]


def safe_config() -> tuple[str, ...]:
    """The ``-c`` options of every git call."""
    return ("-c", "core.quotepath=off", "-c", "core.fsmonitor=false",
            "-c", f"core.hooksPath={empty_hooks_dir()}", "-c", "core.pager=cat",
            "-c", "core.sshCommand=false", "-c", "credential.helper=",
            "-c", "protocol.allow=never")


def git(root: Path, *args: str, timeout: float = GIT_TIMEOUT, stdin: bytes | None = None
        ) -> tuple[int | None, bytes, str]:
    """Run ``git ARGS`` in ``root`` (``stdin`` fed to it): (exit code, stdout, one line of
    stderr)."""
    result = run([tool_path("git"), *safe_config(), *args], cwd=root, timeout=timeout,
                 env=scanner_env(), stdin=stdin)
    if result.not_found:
        return None, b"", "git is not installed"
    err = result.stderr.decode("utf-8", "replace").strip().splitlines()
    if any(_DUBIOUS in line for line in err):
        where = root.resolve()
        raise GitError(f"git refuses to read {where}: the repository is owned by another user",
                       hint="if you trust it, run: git config --global --add safe.directory "
                       f"{where}")
    return result.returncode, result.stdout, (err[-1] if err else "")[:200]


def toplevel(folder: Path) -> Path | None:
    """The git work tree containing ``folder``, or None outside one."""
    code, out, _ = git(folder, "rev-parse", "--show-toplevel", timeout=30)
    if code != 0:
        return None
    return Path(out.decode("utf-8", "surrogateescape").strip()).resolve()


def listed_files(root: Path) -> list[str] | None:
    """Tracked and untracked-but-not-ignored files under ``root``, sorted; None outside git."""
    code, out, _ = git(root, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    if code != 0:
        return None
    return sorted(set(_split_z(out)))


def tree_listing(root: Path, submodules: bool = True
                 ) -> tuple[list[str], list[str], list[str]] | None:
    """Every file git tracks or would track under ``root`` (sorted), the untracked ones among
    them, and the submodules and nested repositories left out; None outside a work tree.

    With ``submodules``, checked-out submodules and untracked nested repositories are listed
    through their own git, their paths prefixed. A submodule that is not checked out stays in
    the first list as a folder (discovery names it).
    """
    code, out, _ = git(root, "ls-files", "-z", "--stage", "--cached")
    if code != 0:
        return None
    every: set[str] = set()
    repos: list[str] = []
    for entry in out.split(b"\0"):
        if entry:
            meta, _, name_bytes = entry.partition(b"\t")
            name = name_bytes.decode("utf-8", "surrogateescape")
            (repos.append(name) if meta.startswith(b"160000") else every.add(name))
    code, out, _ = git(root, "ls-files", "-z", "--others", "--exclude-standard")
    untracked: list[str] = []
    for name in _split_z(out) if code == 0 else []:
        if name.endswith("/") and (root / name / ".git").exists():
            repos.append(name.rstrip("/"))
        else:
            untracked.append(name)
    every.update(untracked)
    left_out: list[str] = []
    for repo in sorted(repos):
        if not (root / repo / ".git").exists():
            every.add(repo)  # not checked out
            continue
        inner = tree_listing(root / repo, submodules) if submodules else None
        if inner is None:
            left_out.append(repo)
            continue
        files, inner_untracked, inner_left = inner
        every.update(f"{repo}/{f}" for f in files)
        untracked += [f"{repo}/{f}" for f in inner_untracked]
        left_out += [f"{repo}/{f}" for f in inner_left]
    return sorted(every), sorted(untracked), left_out


def has_tracked_files(toplevel_dir: Path, relative: str) -> bool:
    """True when git tracks at least one file at or under ``relative`` in ``toplevel_dir``."""
    code, out, _ = git(toplevel_dir, "ls-files", "-z", "--", relative, timeout=60)
    return code == 0 and bool(out.strip(b"\0"))


def tree_id(root: Path) -> str | None:
    """The id of ``HEAD^{tree}``, or None outside git or before the first commit."""
    code, out, _ = git(root, "rev-parse", "--verify", "--quiet", "HEAD^{tree}", timeout=30)
    return out.decode().strip() if code == 0 else None


def require_work_tree(root: Path) -> None:
    """Raise GitError unless ``root`` is inside a git work tree."""
    code, out, _ = git(root, "rev-parse", "--is-inside-work-tree")
    if code != 0 or out.strip() != b"true":
        raise GitError(f"{root} is not a git work tree (needed by --changed-since and "
                          "--policy-ref)")


def resolve(root: Path, ref: str) -> str:
    """The commit id ``ref`` names, or GitError saying it does not exist."""
    require_work_tree(root)
    if not ref or ref.startswith("-"):
        raise GitError(f"not a git ref: {ref!r}")
    code, out, _ = git(root, "rev-parse", "--verify", "--quiet", "--end-of-options",
                       ref + "^{commit}")
    if code != 0:
        raise GitError(f"git ref {ref!r} does not exist in {root} (fetch it first: a shallow "
                          "checkout needs fetch-depth: 0 or an explicit git fetch)")
    return out.decode().strip()


def _relative(root: Path, path: Path | str) -> str:
    """``path`` (absolute under ``root`` or relative) as a normalised posix path in the repo."""
    p = Path(path)
    if p.is_absolute():
        try:
            p = Path(os.path.normpath(p)).relative_to(Path(os.path.normpath(root.resolve())))
        except ValueError:
            try:
                p = Path(os.path.normpath(p)).relative_to(Path(os.path.normpath(root)))
            except ValueError:
                raise KeyError(f"{path} is outside the repository") from None
    rel = os.path.normpath(p.as_posix()).replace(os.sep, "/")
    if rel == ".." or rel.startswith("../"):
        raise KeyError(f"{path} is outside the repository")
    return str(PurePosixPath(rel))


def read_from_ref(root: Path, ref: str, path: Path | str) -> str:
    """The text of ``path`` (repository-relative, or absolute under ``root``) at ``ref``.

    Raises KeyError when the file is not in that commit (the policy loader reports it),
    GitError when the ref does not exist.
    """
    commit = resolve(root, ref)
    rel = _relative(root, path)
    code, out, _ = git(root, "cat-file", "blob", f"{commit}:{rel}")
    if code != 0:
        raise KeyError(f"{rel} does not exist at {ref}")
    return out.decode("utf-8")


def exists_in_ref(root: Path, ref: str, path: Path | str) -> bool:
    """True when ``path`` is a file in the commit ``ref`` names."""
    commit = resolve(root, ref)
    try:
        rel = _relative(root, path)
    except KeyError:
        return False
    code, out, _ = git(root, "cat-file", "-t", f"{commit}:{rel}")
    return code == 0 and out.strip() == b"blob"


def export_from_ref(root: Path, ref: str, path: Path | str, target: Path) -> Path | None:
    """Write the file or folder ``path`` as committed at ``ref`` into the folder ``target``
    (regular files only: links and submodules are left out); the copy's path, or None when
    ``path`` is not in that commit."""
    commit = resolve(root, ref)
    rel = _relative(root, path)
    code, out, err = git(root, "ls-tree", "-r", "-z", commit, "--", rel)
    if code != 0:
        raise GitError(f"git ls-tree failed: {err or 'no output'}")
    names: dict[str, list[str]] = {}  # blob -> every name it has under ``rel``
    for item in _split_z(out):
        meta, _, name = item.partition("\t")
        mode, kind, blob = meta.split()
        if kind == "blob" and mode in ("100644", "100755") and (
                name == rel or name.startswith(rel + "/")):
            names.setdefault(blob, []).append(name)
    if not names:
        return None
    copy = target / PurePosixPath(rel).name
    for blob, data in read_blobs(root, list(names)):
        for name in names[blob]:
            suffix = name[len(rel):].lstrip("/")
            out_path = copy / suffix if suffix else copy
            out_path.parent.mkdir(parents=True, exist_ok=True)
            out_path.write_bytes(data)
    return copy


@dataclass(frozen=True)
class RefSource:
    """A reader/exists pair for ``gate.policy.load.load`` that reads ``ref`` instead of the
    working tree."""

    root: Path
    ref: str
    commit: str

    @classmethod
    def open(cls, root: Path, ref: str) -> RefSource:
        """Resolve ``ref`` once (GitError when it does not exist)."""
        return cls(root, ref, resolve(root, ref))

    def reader(self) -> Callable[[Path], str]:
        """``Reader`` for the policy loader."""
        return lambda path: read_from_ref(self.root, self.commit, path)

    def exists(self) -> Callable[[Path], bool]:
        """``exists`` for the policy loader."""
        return lambda path: exists_in_ref(self.root, self.commit, path)


def merge_base(root: Path, ref: str) -> str:
    """``git merge-base REF HEAD`` (GitError when there is none, e.g. a shallow clone)."""
    commit = resolve(root, ref)
    code, out, err = git(root, "merge-base", commit, "HEAD")
    if code != 0:
        why = err or "unrelated or shallow history"
        raise GitError(f"no merge base between {ref!r} and HEAD ({why}); fetch more "
                          "history (fetch-depth: 0)")
    return out.decode().strip()


def changed_files(root: Path, ref: str) -> list[str]:
    """Files changed between ``merge-base(REF, HEAD)`` and the working tree, plus untracked
    files (deleted files left out), as sorted repository-relative posix paths.

    Committed changes come from a tree-to-tree diff; changes in the working tree are found by
    hashing each tracked file as git would store it, so no filter or textconv ever runs.
    """
    base = merge_base(root, ref)
    code, out, err = git(root, "diff", "--no-ext-diff", "--no-textconv", "--name-only", "-z",
                         "--no-renames", "--diff-filter=d", base, "HEAD", "--")
    if code != 0:
        raise GitError(f"git diff against {ref!r} failed: {err}")
    names = set(_split_z(out))
    names.update(_changed_in_work_tree(root))
    code, out, err = git(root, "ls-files", "-z", "--others", "--exclude-standard")
    if code != 0:
        raise GitError(f"git ls-files failed: {err}")
    names.update(_split_z(out))
    return sorted(n for n in names if (root / n).is_file() or (root / n).is_symlink())


def _changed_in_work_tree(root: Path) -> set[str]:
    """Tracked files whose working-tree bytes differ from the blob in HEAD."""
    code, out, err = git(root, "ls-tree", "-r", "-z", "--full-tree", "HEAD")
    if code != 0:
        raise GitError(f"git ls-tree failed: {err}")
    changed: set[str] = set()
    for entry in out.split(b"\0"):
        if not entry:
            continue
        meta, _, name_bytes = entry.partition(b"\t")
        mode, kind, blob = meta.decode().split()
        name = name_bytes.decode("utf-8", "surrogateescape")
        if kind != "blob":
            continue
        path = root / name
        try:
            data = (os.readlink(path).encode("utf-8", "surrogateescape")
                    if mode == "120000" else path.read_bytes())
        except OSError:
            continue  # deleted in the working tree: left out
        header = f"blob {len(data)}\0".encode()
        digest = (hashlib.sha256(header + data) if len(blob) == 64
                  else hashlib.sha1(header + data, usedforsecurity=False))
        if digest.hexdigest() != blob:
            changed.add(name)
    return changed


@dataclass(frozen=True)
class HistoryBlob:
    """A file version a commit wrote: the commit, the path (relative to the scanned root)
    and the blob id."""

    commit: str
    path: str
    blob: str


_FILE_MODES = (b"100644", b"100755")  # regular files: no links, no submodules
BLOB_BATCH = 64 * 1024 * 1024  # bytes of file versions read from git at once


def added_blobs(root: Path, since: str | None, timeout: float = GIT_TIMEOUT
                ) -> list[HistoryBlob]:
    """Every file version the commits after ``since`` (every commit of HEAD when None)
    wrote under ``root``, oldest first, once per path and blob: added, modified or retyped
    regular files, merges compared with each parent. GitError when git cannot say."""
    revisions = f"{since}..HEAD" if since else "HEAD"
    code, out, err = git(root, "log", "--reverse", "--no-show-signature", "--no-ext-diff",
                         "--no-textconv", "--format=%x01%H", "-m", "--raw", "--no-renames",
                         "--no-abbrev", "--diff-filter=AMT", "-z", "--relative",
                         "--end-of-options", revisions, "--", timeout=timeout)
    if code != 0:
        raise GitError(f"git log failed: {err or 'no output'}")
    seen: set[tuple[str, str]] = set()
    found: list[HistoryBlob] = []
    for chunk in out.split(b"\x01")[1:]:
        head, _, body = chunk.partition(b"\0")
        commit = head.decode("ascii", "replace").strip()
        fields = body.lstrip(b"\n").split(b"\0")
        for meta, name in zip(fields[0::2], fields[1::2], strict=False):
            parts = meta.lstrip(b":").split()
            if len(parts) < 5 or parts[1] not in _FILE_MODES:
                continue
            path = name.decode("utf-8", "surrogateescape")
            blob = parts[3].decode("ascii", "replace")
            if (path, blob) not in seen:
                seen.add((path, blob))
                found.append(HistoryBlob(commit, path, blob))
    return found


def blob_sizes(root: Path, blobs: Sequence[str], timeout: float = GIT_TIMEOUT
               ) -> dict[str, int]:
    """The size in bytes of each blob (``cat-file --batch-check``)."""
    if not blobs:
        return {}
    code, out, err = git(root, "cat-file", "--batch-check",
                         stdin="".join(f"{b}\n" for b in blobs).encode(), timeout=timeout)
    if code != 0:
        raise GitError(f"git cat-file failed: {err or 'no output'}")
    sizes: dict[str, int] = {}
    for line in out.decode("ascii", "replace").splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] == "blob" and parts[2].isdigit():
            sizes[parts[0]] = int(parts[2])
    return sizes


def read_blobs(root: Path, blobs: Sequence[str], timeout: float = GIT_TIMEOUT,
               sizes: dict[str, int] | None = None) -> Iterator[tuple[str, bytes]]:
    """Each blob's id and content (``cat-file --batch``), read in batches of about
    ``BLOB_BATCH`` bytes so that memory stays bounded (``sizes``: from ``blob_sizes``)."""
    sizes = blob_sizes(root, blobs, timeout) if sizes is None else sizes
    batch: list[str] = []
    total = 0
    for blob in blobs:
        size = sizes.get(blob, 0)
        if batch and total + size > BLOB_BATCH:
            yield from _cat_blobs(root, batch, timeout)
            batch, total = [], 0
        batch.append(blob)
        total += size
    if batch:
        yield from _cat_blobs(root, batch, timeout)


def _cat_blobs(root: Path, blobs: Sequence[str], timeout: float
               ) -> Iterator[tuple[str, bytes]]:
    code, out, err = git(root, "cat-file", "--batch",
                         stdin="".join(f"{b}\n" for b in blobs).encode(), timeout=timeout)
    if code != 0:
        raise GitError(f"git cat-file failed: {err or 'no output'}")
    position = 0
    while position < len(out):
        end = out.index(b"\n", position)
        parts = out[position:end].split()
        if len(parts) != 3 or parts[1] != b"blob":
            raise GitError("git cat-file printed an unexpected header")
        size = int(parts[2])
        yield parts[0].decode("ascii"), out[end + 1:end + 1 + size]
        position = end + 1 + size + 1


def _split_z(data: bytes) -> list[str]:
    return [n for n in data.decode("utf-8", "surrogateescape").split("\0") if n]
