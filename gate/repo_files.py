"""The one way the gate reads a file of the scanned repository: as text, never failing.

Undecodable bytes are replaced; a file that cannot be read gives None, so callers decide
what a missing file means. ``head`` reads only the start of a file.
"""

from __future__ import annotations

from pathlib import Path


def read_text(root: Path, path: str) -> str | None:
    """The text of ``root / path`` (undecodable bytes replaced), or None if unreadable."""
    try:
        return (root / path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def head(root: Path, path: str, chars: int) -> str | None:
    """The first ``chars`` characters of ``root / path``, or None if unreadable."""
    try:
        with open(root / path, encoding="utf-8", errors="replace") as handle:
            return handle.read(chars)
    except OSError:
        return None


def read_lines(root: Path, path: str) -> list[str] | None:
    """The lines of ``root / path`` (see ``read_text``)."""
    text = read_text(root, path)
    return None if text is None else text.splitlines()
