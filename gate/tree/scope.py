"""What a partial scan covers: the files changed since a ref (``--changed-since``) and the
pre-commit hook's file list."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from gate.tree.discovery import Targets
from gate.tree.git import changed_files


def restrict(targets: Targets, files: Iterable[str]) -> Targets:
    """Only the discovered targets that are in ``files`` (repository-relative posix paths)."""
    wanted = {f.replace("\\", "/").removeprefix("./") for f in files}
    return replace(targets,
                   files=tuple(f for f in targets.files if f in wanted),
                   skipped=tuple(s for s in targets.skipped if s.path in wanted))


def changed_since(targets: Targets, ref: str) -> Targets:
    """The targets changed between ``merge-base(REF, HEAD)`` and the working tree, plus
    untracked files. Raises GitError when REF does not exist or root is not a work tree."""
    return restrict(targets, changed_files(targets.root, ref))


def hook_files(root: Path, given: Iterable[Path]) -> list[str]:
    """The files pre-commit passed, as repository-relative posix paths."""
    out = []
    base = root.resolve()
    for path in given:
        full = Path(os.path.abspath(path))
        try:
            out.append(full.relative_to(base).as_posix())
        except (ValueError, OSError):
            continue
    return out
