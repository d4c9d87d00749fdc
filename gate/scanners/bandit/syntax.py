"""Which Python a file that bandit could not parse was written for.

bandit parses code with the interpreter that runs it, so on Python 3.11 every file using a
newer syntax (3.12's nested f-strings and type parameters, 3.13's type parameter defaults,
3.14's template strings and bare ``except A, B:``) is a syntax error to it. The gate names
the Python such a file needs in the skip reason, so the report says what to do instead of
"syntax error". Only files bandit failed on are looked at, so a cheap reading of the text
is enough: it names the first newer feature it sees, or nothing.
"""

from __future__ import annotations

import re
import sys

_TYPE_ALIAS = re.compile(r"^[ \t]*type[ \t]+[A-Za-z_]\w*[ \t]*(\[[^\n]*\])?[ \t]*=", re.M)
_GENERIC_DEF = re.compile(
    r"^[ \t]*(?:async[ \t]+)?(?:def|class)[ \t]+[A-Za-z_]\w*[ \t]*\[([^\n]*)\]", re.M)
_BARE_EXCEPT_TUPLE = re.compile(r"^[ \t]*except\*?[ \t]+(?!\()[^\n:]*,[^\n:]*:", re.M)
_STRING_START = re.compile(r"(?<![\w.])([fFtTrRbBuU]{0,2})('''|\"\"\"|'|\")")


def _f_string_needs_312(text: str, start: int, quote: str) -> tuple[bool, int]:
    """Whether the f-string opening at ``start`` uses PEP 701 forms (its own quote, a
    backslash or a comment inside a replacement field); and where it ends."""
    depth = 0
    i = start
    while i < len(text):
        if text.startswith(quote, i) and depth == 0:
            return False, i + len(quote)
        char = text[i]
        if depth == 0:
            if char == "\\":
                i += 2
                continue
            if text.startswith("{{", i):
                i += 2
                continue
            if char == "{":
                depth = 1
        else:
            if text.startswith(quote[0], i) or char in "\\#":
                return True, i
            if char == "{":
                depth += 1
            elif char == "}":
                depth -= 1
        if char == "\n" and len(quote) == 1:
            return False, i
        i += 1
    return False, i


def _strings_need(text: str) -> tuple[tuple[int, int], str] | None:
    """The Python a string literal of ``text`` needs, with the feature's name."""
    i = 0
    while True:
        match = _STRING_START.search(text, i)
        if match is None:
            return None
        prefix, quote = match.group(1).lower(), match.group(2)
        if "t" in prefix:
            return (3, 14), "a template string, PEP 750"
        if "f" in prefix:
            newer, end = _f_string_needs_312(text, match.end(), quote)
            if newer:
                return (3, 12), "quotes or a backslash inside an f-string, PEP 701"
            i = max(end, match.end())
            continue
        end = text.find(quote, match.end())
        while end > 0 and text[end - 1] == "\\" and len(quote) == 1:
            end = text.find(quote, end + 1)
        i = end + len(quote) if end >= 0 else len(text)


def required_python(text: str) -> tuple[tuple[int, int], str] | None:
    """The oldest Python whose grammar the newest feature of ``text`` needs, and the feature;
    None when no newer feature is seen."""
    found: list[tuple[tuple[int, int], str]] = []
    for match in _GENERIC_DEF.finditer(text):
        if "=" in match.group(1):
            found.append(((3, 13), "a type parameter default, PEP 696"))
        else:
            found.append(((3, 12), "type parameters, PEP 695"))
    if _TYPE_ALIAS.search(text):
        found.append(((3, 12), "a type statement, PEP 695"))
    if _BARE_EXCEPT_TUPLE.search(text):
        found.append(((3, 14), "except without parentheses, PEP 758"))
    strings = _strings_need(text)
    if strings:
        found.append(strings)
    return max(found, default=None)


def skip_reason(text: str, bandit_reason: str) -> str:
    """bandit's reason for a file it could not parse, naming the Python the file needs when
    that is newer than the one running the gate."""
    needed = required_python(text)
    running = sys.version_info[:2]
    if needed is None or needed[0] <= running:
        return bandit_reason
    (major, minor), feature = needed
    return (f"needs Python {major}.{minor}+ ({feature}); the gate's Python "
            f"{running[0]}.{running[1]} cannot parse it: run the gate on Python {major}.{minor} "
            "or newer")
