"""The only place git runs: one safe environment, an absolute executable, no repository code.

Every call passes ``-c core.fsmonitor=false -c core.hooksPath=/dev/null``, so a scanned
repository's ``.git/config`` cannot make git start a program of its own, and the system
git configuration is not read.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from gate.errors import GitError
from gate.process import run, scanner_env, tool_path

GIT_TIMEOUT = 120.0
SAFE_CONFIG = ("-c", "core.quotepath=off", "-c", "core.fsmonitor=false",
               "-c", "core.hooksPath=/dev/null")

__all__ = ["GitError", "git"]


def _env() -> dict[str, str]:
    env = scanner_env()
    env["GIT_CONFIG_NOSYSTEM"] = "1"
    env["GIT_TERMINAL_PROMPT"] = "0"
    return env


def git(root: Path, *args: str, timeout: float = GIT_TIMEOUT) -> tuple[int | None, bytes, str]:
    """Run ``git ARGS`` in ``root``: (exit code, stdout, one line of stderr)."""
    result = run([tool_path("git"), *SAFE_CONFIG, *args], cwd=root, timeout=timeout,
                 env=_env())
    if result.not_found:
        return None, b"", "git is not installed"
    err = result.stderr.decode("utf-8", "replace").strip().splitlines()
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
    files (deleted files left out), as sorted repository-relative posix paths."""
    base = merge_base(root, ref)
    code, out, err = git(root, "diff", "--name-only", "-z", "--no-renames", "--diff-filter=d",
                         base, "--")
    if code != 0:
        raise GitError(f"git diff against {ref!r} failed: {err}")
    names = set(_split_z(out))
    code, out, err = git(root, "ls-files", "-z", "--others", "--exclude-standard")
    if code != 0:
        raise GitError(f"git ls-files failed: {err}")
    names.update(_split_z(out))
    return sorted(n for n in names if (root / n).is_file() or (root / n).is_symlink())


def _split_z(data: bytes) -> list[str]:
    return [n for n in data.decode("utf-8", "surrogateescape").split("\0") if n]
