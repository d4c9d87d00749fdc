"""Make scanned content (file names, messages) inert before it reaches a terminal or log."""

from __future__ import annotations

import unicodedata

# Bidirectional overrides, embeddings, isolates and marks: U+202E reverses what follows.
BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
                 "\u200e\u200f\u061c")


def plain(text: str, limit: int = 300) -> str:
    """One line with control characters shown as ``?``, cut to ``limit`` characters."""
    out = "".join(ch if ch.isprintable() else "?" for ch in " ".join(text.split("\n")))
    return out if len(out) <= limit else out[: limit - 1] + "…"


def _hidden(ch: str) -> bool:
    return ch in BIDI or (ch not in "\n\t" and unicodedata.category(ch) in ("Cc", "Cf", "Cs",
                                                                          "Zl", "Zp"))


def visible_escapes(text: str) -> str:
    """``text`` with bidi controls, marks and control characters (line breaks and tabs
    aside) written as ``\\uXXXX``, so a report shows them instead of obeying them."""
    if not any(_hidden(ch) for ch in text):
        return text
    return "".join(f"\\u{ord(ch):04x}" if _hidden(ch) else ch for ch in text)
