"""Find the line of a key in TOML text, for error messages (tomli gives no positions)."""

from __future__ import annotations

import re

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-\.\"' ]+?)\s*=")


def _split_dotted(text: str) -> list[str]:
    return [part.strip().strip("\"'") for part in text.split(".")]


def locate(source: str, key_path: tuple[str | int, ...]) -> int | None:
    """The 1-based line where ``key_path`` is defined in ``source``, or None.

    ``key_path`` mixes table keys and array indexes, e.g. ``("waivers", 1, "expires")``.
    """
    wanted = [str(k) for k in key_path]
    table: list[str] = []
    counts: dict[str, int] = {}
    for number, line in enumerate(source.splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            names = _split_dotted(header.group(2))
            if header.group(1) == "[[":
                key = ".".join(names)
                index = counts.get(key, -1) + 1
                counts[key] = index
                table = [*names, str(index)]
            else:
                table = names
            if table == wanted:
                return number
            continue
        match = _KEY.match(line)
        if match:
            full = table + _split_dotted(match.group(1))
            if full == wanted or (len(full) < len(wanted) and wanted[: len(full)] == full):
                return number
    if len(wanted) > 1:
        return locate(source, key_path[:-1])
    return None
