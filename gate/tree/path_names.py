"""File names that are not UTF-8: how the gate shows them and how SARIF addresses them.

git and the file system give such a name as a ``str`` with lone surrogates (Python's
``surrogateescape``). Reports show it with backslash escapes (``caf\\xe9.env``); SARIF gets
its bytes percent-encoded (``caf%E9.env``), the URI that names that exact file.
"""

from __future__ import annotations

import urllib.parse

URI_SAFE = "@+,;=!$&'()*~-_."


def is_utf8(name: str) -> bool:
    """True when ``name`` encodes to UTF-8 (it holds no escaped undecodable bytes)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def shown(name: str) -> str:
    """``name`` as reports show it: undecodable bytes as ``\\xNN`` escapes."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def uri(name: str) -> str:
    """A relative, percent-encoded URI for a repository path (undecodable bytes included);
    never absolute, never escaping the root."""
    parts = [p for p in name.split("/") if p not in ("", ".", "..")]
    return "/".join(urllib.parse.quote(p, safe=URI_SAFE, errors="surrogateescape")
                    for p in parts) or "."
