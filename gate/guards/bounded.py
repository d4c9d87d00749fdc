"""Parsing with limits: JSON and TOML input nested too deep or too large is refused with a
clear error instead of exhausting the stack or memory.

The nesting check is a linear scan that counts brackets outside string literals, run before
the real parser (whose recursion is what deep input would exhaust).
"""

from __future__ import annotations

import json
from typing import Any

import tomli

MAX_DEPTH = 200
MAX_JSON_BYTES = 512 * 1024 * 1024
MAX_TOML_BYTES = 4 * 1024 * 1024


class TooComplex(ValueError):
    """The input is nested too deep or too large to parse safely."""


def check(text: str, *, max_depth: int = MAX_DEPTH, max_chars: int = MAX_JSON_BYTES,
          toml: bool = False) -> None:
    """Raise TooComplex when ``text`` is over ``max_chars`` or nests deeper than
    ``max_depth`` brackets (``[`` and ``{`` outside strings; TOML comments skipped)."""
    if len(text) > max_chars:
        raise TooComplex(f"larger than {max_chars // (1024 * 1024)} MB")
    depth = 0
    quote = ""
    escaped = False
    comment = False
    for char in text:
        if comment:
            comment = char != "\n"
        elif quote:
            if escaped:
                escaped = False
            elif char == "\\" and quote == '"':
                escaped = True
            elif char == quote or (toml and char == "\n" and quote == "'"):
                quote = ""
        elif char in "\"'" and (toml or char == '"'):
            quote = char
        elif toml and char == "#":
            comment = True
        elif char in "[{":
            depth += 1
            if depth > max_depth:
                raise TooComplex(f"nested deeper than {max_depth} levels")
        elif char in "]}":
            depth = max(0, depth - 1)


def loads_json(text: str, *, max_depth: int = MAX_DEPTH) -> Any:
    """``json.loads`` after ``check``; TooComplex or json.JSONDecodeError on bad input."""
    check(text, max_depth=max_depth)
    try:
        return json.loads(text)
    except RecursionError:
        raise TooComplex(f"nested deeper than {max_depth} levels") from None


def load_input(text: str, origin: str, error: type[Exception]) -> Any:
    """``loads_json`` for input the user gave: anything unreadable raises ``error`` with
    ``origin`` and the reason (too deep or large, or where the JSON breaks)."""
    try:
        return loads_json(text)
    except TooComplex as exc:
        raise error(f"{origin}: cannot be read: {exc}") from None
    except json.JSONDecodeError as exc:
        raise error(f"{origin}: not JSON ({exc.msg} at line {exc.lineno})") from None


def loads_toml(text: str, *, max_depth: int = MAX_DEPTH) -> dict[str, Any]:
    """``tomli.loads`` after ``check``; TooComplex or tomli.TOMLDecodeError on bad input."""
    check(text, max_depth=max_depth, max_chars=MAX_TOML_BYTES, toml=True)
    try:
        return tomli.loads(text)
    except RecursionError:
        raise TooComplex(f"nested deeper than {max_depth} levels") from None
