"""Make scanned content (file names, messages) inert before it reaches a terminal or log."""

from __future__ import annotations


def plain(text: str, limit: int = 300) -> str:
    """One line with control characters shown as ``?``, cut to ``limit`` characters."""
    out = "".join(ch if ch.isprintable() else "?" for ch in " ".join(text.split("\n")))
    return out if len(out) <= limit else out[: limit - 1] + "…"
