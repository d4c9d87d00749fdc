"""The one way the gate reads a file of the scanned repository: as text, never failing.

Undecodable bytes are replaced; a file that cannot be read gives None, so callers decide
what a missing file means. ``head`` reads only the start of a file.
"""

from __future__ import annotations

import io
import tokenize
from pathlib import Path

from gate.lines import NEWLINE_LINES, split_lines


def read_text(root: Path, path: str) -> str | None:
    """The text of ``root / path`` (undecodable bytes replaced), or None if unreadable."""
    try:
        return (root / path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def read_source(root: Path, path: str) -> str | None:
    """The text of a Python file decoded as Python decodes it: its ``# coding:`` declaration
    (``unicode_escape`` turns ``\\n`` into a line break) or BOM, else UTF-8; undecodable
    bytes replaced; None if unreadable."""
    both = read_both_ways(root, path)
    return None if both is None else both[1]


def read_both_ways(root: Path, path: str) -> tuple[str, str] | None:
    """A Python file read once: its text as UTF-8 (``read_text``) and as Python decodes it
    (``read_source``); None if unreadable."""
    try:
        data = (root / path).read_bytes()
    except OSError:
        return None
    utf8 = data.decode("utf-8", errors="replace").replace("\r\n", "\n").replace("\r", "\n")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return utf8, data.decode(encoding, errors="replace")
    except (SyntaxError, LookupError, UnicodeError, ValueError):
        return utf8, data.decode("utf-8", errors="replace")


def head(root: Path, path: str, chars: int) -> str | None:
    """The first ``chars`` characters of ``root / path``, or None if unreadable."""
    try:
        with open(root / path, encoding="utf-8", errors="replace") as handle:
            return handle.read(chars)
    except OSError:
        return None


def looks_binary(root: Path, path: str, probe: int = 8192) -> bool:
    """True when the first ``probe`` bytes of ``root / path`` hold a NUL byte (git's test);
    False when it cannot be read (its reader reports that)."""
    try:
        with open(root / path, "rb") as handle:
            return b"\0" in handle.read(probe)
    except OSError:
        return False


def read_lines(root: Path, path: str, style: str = NEWLINE_LINES) -> list[str] | None:
    """The lines of ``root / path`` as a tool of ``style`` numbers them (see ``read_text``)."""
    text = read_text(root, path)
    return None if text is None else split_lines(text, style)
