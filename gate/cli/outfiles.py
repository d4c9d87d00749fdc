"""Output files written without following links.

A pull request can commit a symlink where a report will be written (``gate.sarif ->
/home/runner/.bashrc``): the last component of an output path is never followed (the file
is written beside it and renamed over the link, so the link itself is replaced), and no
folder of the path inside the scanned tree may be a link (exit 2).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable
from pathlib import Path

from gate.errors import UsageError


def _within(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def checked_path(path: Path, trees: Iterable[Path]) -> Path:
    """``path`` made absolute without resolving links; UsageError when a folder on it that
    lies inside one of ``trees`` is a link, or when it names a folder."""
    absolute = os.path.abspath(path)
    folders = [os.path.abspath(t) for t in trees]
    parent = os.path.dirname(absolute)
    chain: list[str] = []
    while True:
        chain.append(parent)
        up = os.path.dirname(parent)
        if up == parent:
            break
        parent = up
    for folder in reversed(chain):
        inside = any(_within(folder, t) and folder != t for t in folders)
        if inside and os.path.islink(folder):
            raise UsageError(f"cannot write {path}: {folder} is a link inside the scanned "
                             "tree; outputs never follow links")
    if os.path.isdir(absolute) and not os.path.islink(absolute):
        raise UsageError(f"cannot write {path}: it is a folder")
    return Path(absolute)


def write_text(path: Path, content: str, trees: Iterable[Path]) -> None:
    """Write ``content`` (UTF-8) to ``path``: a new file renamed over the name, so a link
    there is replaced, never followed; folders on the way are checked (``checked_path``)."""
    target = checked_path(path, trees)
    temp = target.parent / f".{target.name}.{secrets.token_hex(8)}.tmp"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        fd = os.open(temp, flags, 0o666)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
                handle.write(content)
            os.replace(temp, target)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror}") from None
