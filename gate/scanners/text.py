"""The gate's own text check: bidirectional control characters in any text file.

Runs inside the gate's process (no tool to start). Two rules, one finding per line and rule:

- ``gate/bidi-control`` (high): an embedding, override or isolate (U+202A–U+202E,
  U+2066–U+2069) anywhere on a line: it reorders how the line is displayed (Trojan Source,
  CVE-2021-42574), in a string literal as much as in code or a comment. One exception is
  medium: inside a quoted string of a gettext catalog (``*.po``, ``*.pot``), where
  embeddings are how translators write mixed-direction text and no code is reviewed.
- ``gate/bidi-mark`` (low): a mark (U+200E, U+200F, U+061C) outside a string literal.
  Marks inside literals are how right-to-left text is written (Django's locale formats);
  outside them they can still shift how neighbouring code is shown. In Python files the
  tokenizer decides what is a string literal; in other text files a mark between a pair of
  matching quotes (``"…"`` or ``'…'``) on the same line counts as inside one.

A text file is one without a NUL byte in its first 8 KiB (git's test); lines are counted
by ``\\n`` (``newline`` line style), as every other scanner but bandit counts them.
"""

from __future__ import annotations

import io
import os
import re
import sys
import time
import tokenize
import unicodedata
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from pathlib import Path

import gate
from gate.findings import Confidence, Finding, Location, Severity, fingerprint, read_lines
from gate.runs import ScanResult, SkippedFile
from gate.scanners.interface import BaseScanner, ScanContext
from gate.tree import repo_files

CONTROL_RULE = "gate/bidi-control"
MARK_RULE = "gate/bidi-mark"
CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
MARKS = "\u200e\u200f\u061c"
BINARY_PROBE = 8 * 1024
_ANY = re.compile(f"[{CONTROLS}{MARKS}]")
_QUOTED = re.compile(r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'')
_PYTHON_SUFFIXES = (".py", ".pyi", ".pyw")
_CATALOG_SUFFIXES = (".po", ".pot")
REFERENCE = "https://trojansource.codes/"
_REMEDIATION = (
    "Remove the character, or write it as an escape (\\u202e) where the text needs it; "
    "review the line in an editor that shows invisible characters.")


class TextScanner(BaseScanner):
    """Bidirectional controls and marks in every text file, checked in the gate's process."""

    name = "bidi"
    tool = "secops-gate"
    distribution = "secops-gate"
    information_uri = "https://github.com/"
    rule_ids = frozenset({CONTROL_RULE, MARK_RULE})
    content_scanner = False  # it looks at characters, not at what a file does
    relaxable_by_path = False  # trojan source in tests/conftest.py runs like any code
    # Never cached: checking a file costs about what hashing it for a cache key costs, and
    # storing 2,400 entries for Django cost 0.5 s more of a cold scan's CPU (the cores' floor).
    cache_per_file = False
    in_process = True

    def command(self) -> list[str]:
        """The gate itself: the check runs in its process."""
        return [sys.executable, "-m", "gate"]

    def tool_version(self) -> str:
        """The gate's own version."""
        return gate.__version__

    def select(self, files: Sequence[str], root: Path) -> list[str]:
        """Every text file outside ``.git``."""
        return [f for f in files if ".git" not in f.split("/")
                and _is_text(os.path.join(root, f))]

    def scan(self, ctx: ScanContext) -> ScanResult:
        """Check each file's text; a file that cannot be read any more is listed as skipped,
        and so is every file left when the scanner's ``timeout`` has passed."""
        started = time.monotonic()
        findings: list[Finding] = []
        skipped: list[SkippedFile] = []
        for index, path in enumerate(ctx.files):
            if time.monotonic() - started > ctx.timeout:
                skipped += [SkippedFile(p, f"timed out after {ctx.timeout:g}s")
                            for p in ctx.files[index:]]
                break
            text = repo_files.read_text(ctx.root, path)
            if text is None:
                skipped.append(SkippedFile(path, "unreadable"))
            elif _ANY.search(text):
                findings += check_text(path, text)
        return ScanResult(tuple(findings), self.record(
            ctx, version=self.tool_version(), arguments=(), exit_code=0,
            duration=time.monotonic() - started, skipped=skipped))


def check_text(path: str, text: str) -> list[Finding]:
    """The findings for ``text`` (the content of ``path``): one per line and rule."""
    lower = path.lower()
    literal = _python_literals(text) if lower.endswith(_PYTHON_SUFFIXES) else None
    catalog = lower.endswith(_CATALOG_SUFFIXES)
    starts = _line_starts(text)
    chars: dict[tuple[str, int], list[str]] = {}
    where: dict[tuple[str, int], tuple[int, Severity]] = {}
    for match in _ANY.finditer(text):
        offset = match.start()
        line = bisect_right(starts, offset)
        inside = _inside_literal(offset, literal, text, starts[line - 1])
        if match.group() in CONTROLS:
            rule = CONTROL_RULE
            severity = Severity.MEDIUM if catalog and inside else Severity.HIGH
        elif inside:
            continue
        else:
            rule, severity = MARK_RULE, Severity.LOW
        key = (rule, line)
        listed = chars.setdefault(key, [])
        if match.group() not in listed:
            listed.append(match.group())
        column, worst = where.get(key, (offset - starts[line - 1] + 1, severity))
        where[key] = (column, max(worst, severity))
    return [_finding(path, text, rule, line, *where[(rule, line)], chars[(rule, line)])
            for rule, line in sorted(chars, key=lambda key: (key[1], key[0]))]


def describe(char: str) -> str:
    """``U+202E RIGHT-TO-LEFT OVERRIDE``: a character by code point and name, never itself."""
    return f"U+{ord(char):04X} {unicodedata.name(char, 'UNNAMED')}"


def _finding(path: str, text: str, rule: str, line: int, column: int, severity: Severity,
             chars: Sequence[str]) -> Finding:
    listed = ", ".join(describe(c) for c in chars)
    if rule == CONTROL_RULE:
        message = (f"A bidirectional control character ({listed}) changes how this line is "
                   "displayed: the code a reviewer reads is not the code that runs.")
        name = "bidirectional control character in text"
    else:
        message = (f"A bidirectional mark ({listed}) outside a string literal can change "
                   "how the code around it is displayed.")
        name = "bidirectional mark outside a string literal"
    content = read_lines(text, line, line)
    return Finding(
        scanner=TextScanner.name, rule_id=rule, rule_name=name, message=message,
        severity=severity, confidence=Confidence.HIGH,
        location=Location(path, line, column, line, column + 1),
        fingerprint=fingerprint(rule, path, content), cwe=(451,), help_uri=REFERENCE,
        remediation=_REMEDIATION, tags=("security", "unicode"))


def _is_text(path: str) -> bool:
    try:
        with open(path, "rb") as handle:
            return b"\0" not in handle.read(BINARY_PROBE)
    except OSError:
        return False


def _line_starts(text: str) -> list[int]:
    """Offsets where each ``\\n``-numbered line starts (line N starts at ``starts[N-1]``)."""
    return [0, *(m.end() for m in re.finditer("\n", text))]


def _python_literals(text: str) -> list[tuple[int, int]] | None:
    """Sorted ``[start, end)`` offsets of the string literals of Python source, or None
    when the tokenizer rejects it (then the quote rule of other text files applies)."""
    starts = _line_starts(text)
    spans: list[tuple[int, int]] = []
    try:
        for token in _tokens(text):
            if token.type == tokenize.STRING or token.type == getattr(
                    tokenize, "FSTRING_MIDDLE", -1):
                (row, col), (end_row, end_col) = token.start, token.end
                spans.append((starts[row - 1] + col, starts[end_row - 1] + end_col))
    except (tokenize.TokenError, SyntaxError, IndexError):
        return None
    return spans


def _tokens(text: str) -> Iterator[tokenize.TokenInfo]:
    # StringIO splits only on "\n", so the tokenizer's rows are the newline-style lines.
    return tokenize.generate_tokens(io.StringIO(text, newline="\n").readline)


def _inside_literal(offset: int, literal: list[tuple[int, int]] | None, text: str,
                    line_start: int) -> bool:
    if literal is not None:
        index = bisect_right(literal, (offset, sys.maxsize)) - 1
        return index >= 0 and literal[index][0] <= offset < literal[index][1]
    end = text.find("\n", line_start)
    line = text[line_start:] if end < 0 else text[line_start:end]
    column = offset - line_start
    return any(m.start() < column < m.end() - 1 for m in _QUOTED.finditer(line))
