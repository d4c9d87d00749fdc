"""Inline suppression comments on a finding's flagged line, recognised by the gate itself.

The scanners run with their own in-source suppression off; this module reads the flagged
line of each finding and records a matching comment on ``Finding.suppression``. Whether a
suppression counts is the policy's call (``inline_suppressions = "allow" | "deny"``).

Recognised, each only for the findings it can name: the gate's own
``# gate: ignore[RULE] reason`` (any scanner; the rule must be named, globs allowed), and
each scanner's own syntax, which its adapter parses (``Scanner.parse_suppressions``:
``# nosec`` for bandit, ``# nosemgrep`` for semgrep, ``# zizmor: ignore[audit]`` for zizmor).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from gate.findings import Finding, InlineSuppression
from gate.lines import NEWLINE_LINES, PYTHON_LINES, ambiguous_lines, split_lines
from gate.scanners import REGISTRY
from gate.scanners.interface import Scanner
from gate.tree import repo_files

_GATE = re.compile(r"#\s*gate:\s*ignore\[(?P<ids>[^\]]*)\](?P<rest>.*)")
_ID = re.compile(r"[A-Za-z0-9_.*?\-/]+")
GATE_KIND = "gate"
SARIF_KIND = "sarif"  # an accepted in-source suppression read from imported SARIF

LineReader = Callable[[str], Sequence[str] | None]


def _split_ids(text: str) -> tuple[str, ...]:
    return tuple(i for i in re.split(r"[\s,]+", text.strip()) if i and _ID.fullmatch(i))


def comment_of(line: str) -> str:
    """The comment part of a line: from the first ``#`` outside a quoted string, else ``""``.

    A ``# nosec`` inside a string literal is data, not a suppression.
    """
    quote = ""
    escaped = False
    for index, char in enumerate(line):
        if escaped:
            escaped = False
        elif char == "\\" and quote:
            escaped = True
        elif quote:
            if char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char == "#":
            return line[index:]
    return ""


def parse(line: str) -> list[InlineSuppression]:
    """Every suppression comment on one source line: the gate's, then each scanner's."""
    comment = comment_of(line)
    if not comment:
        return []
    found: list[InlineSuppression] = []
    match = _GATE.search(comment)
    if match:
        found.append(InlineSuppression(GATE_KIND, _split_ids(match["ids"]),
                                       match["rest"].strip()))
    for scanner in REGISTRY.values():
        found += scanner.parse_suppressions(comment)
    return found


def _owner(suppression: InlineSuppression) -> Scanner | None:
    return next((s for s in REGISTRY.values() if suppression.kind in s.suppression_kinds),
                None)


def applies(suppression: InlineSuppression, finding: Finding) -> bool:
    """True when ``suppression`` names ``finding``: a scanner's own comment as that scanner
    says; the gate's own by rule-id glob (on the rule id or any alias)."""
    owner = _owner(suppression)
    if owner is not None:
        return owner.suppression_applies(suppression, finding)
    return any(fnmatch.fnmatchcase(r, pattern) for pattern in suppression.rules
               for r in finding.rule_ids)


def describe(suppression: InlineSuppression) -> str:
    """The comment as the reader wrote it, for the waived finding's reason."""
    owner = _owner(suppression)
    if owner is not None:
        head = owner.describe_suppression(suppression)
    elif suppression.kind == SARIF_KIND:
        head = "in-source suppression (from the SARIF)"
    else:
        head = f"# {suppression.kind}: ignore[{','.join(suppression.rules)}]"
    return f"{head} {suppression.reason}".rstrip()


def file_reader(root: Path, style: str = NEWLINE_LINES,
                ambiguous: set[str] | None = None) -> LineReader:
    """Read files under ``root`` once each, lines numbered as ``style`` numbers them; None
    for a file that cannot be read, or (collected in ``ambiguous``) one whose line numbers
    depend on who counts (a lone carriage return)."""
    cache: dict[str, Sequence[str] | None] = {}

    def read(path: str) -> Sequence[str] | None:
        if path not in cache:
            # Python's tokenizer reads a file in its declared source encoding, so the lines
            # a Python-numbered finding points at are the decoded ones.
            text = (repo_files.read_source(root, path) if style == PYTHON_LINES
                    else repo_files.read_text(root, path))
            if text is not None and ambiguous_lines(text):
                if ambiguous is not None:
                    ambiguous.add(path)
                text = None
            cache[path] = None if text is None else split_lines(text, style)
        return cache[path]

    return read


def apply(findings: Sequence[Finding], root: Path | None = None,
          reader: LineReader | None = None, notes: list[str] | None = None) -> list[Finding]:
    """Findings with ``suppression`` set where their flagged line carries a matching comment.

    Lines are numbered as each finding's scanner numbers them. A file whose numbering is
    ambiguous (a lone carriage return) gets no inline suppressions, and ``notes`` says so.
    Secret findings are looked up too (the comment is on the line), but no line text is kept;
    a finding inside an archive member is not (its line is the member's).
    Findings that already carry a suppression are left as they are.
    """
    ambiguous: set[str] = set()
    readers: dict[str, LineReader] = {}

    def reader_for(finding: Finding) -> LineReader:
        if reader is not None:
            return reader
        if root is None:
            raise ValueError("apply() needs root or reader")
        scanner = REGISTRY.get(finding.scanner)
        style = scanner.line_style if scanner is not None else NEWLINE_LINES
        if style not in readers:
            readers[style] = file_reader(root, style, ambiguous)
        return readers[style]

    out: list[Finding] = []
    for finding in findings:
        if finding.suppression is None and not _inside_member(finding):
            found = _on_flagged_lines(reader_for(finding), finding)
            if found is not None:
                finding = replace(finding, suppression=found)
        out.append(finding)
    if ambiguous and notes is not None:
        listed = ", ".join(sorted(ambiguous)[:5])
        notes.append(f"inline suppressions ignored in {len(ambiguous)} file(s) whose line "
                     f"numbers depend on who counts (a lone carriage return): {listed}")
    return out


def _inside_member(finding: Finding) -> bool:
    """True for a finding inside an archive member or database (its line is not a line of
    the file, so no comment of the file can name it)."""
    return any(key == "member" for key, _ in finding.extra)


def _on_flagged_lines(reader: LineReader, finding: Finding) -> InlineSuppression | None:
    """The first matching comment on the flagged line (or the last line of the region)."""
    lines = reader(finding.location.path)
    if lines is None:
        return None
    loc = finding.location
    numbers = dict.fromkeys((loc.start_line, loc.end_line or loc.start_line))
    for number in numbers:
        if 1 <= number <= len(lines):
            for candidate in parse(lines[number - 1]):
                if applies(candidate, finding):
                    return candidate
    return None
