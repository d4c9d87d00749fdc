"""How tools number the lines of a text: Python's tokenizer and most other tools disagree on
a lone carriage return. Imports nothing of the gate, so findings and readers can share it."""

from __future__ import annotations

import re

PYTHON_LINES = "python"  # Python's tokenizer: \n, \r\n and a lone \r end a line
NEWLINE_LINES = "newline"  # most tools: \n ends a line (\r\n counts once)
_PYTHON_BREAK = re.compile(r"\r\n|\r|\n")
_LONE_CR = re.compile(r"\r(?!\n)")


def split_lines(text: str, style: str = NEWLINE_LINES) -> list[str]:
    """``text`` split into lines the way a tool of ``style`` numbers them (never on U+2028,
    form feed, vertical tab or NEL, which ``str.splitlines`` breaks on)."""
    if style == PYTHON_LINES:
        parts = _PYTHON_BREAK.split(text)
    else:
        parts = [p.removesuffix("\r") for p in text.split("\n")]
    if parts and parts[-1] == "":
        parts.pop()
    return parts


def ambiguous_lines(text: str) -> bool:
    """True when the two ways of numbering lines disagree (a lone carriage return)."""
    return _LONE_CR.search(text) is not None
