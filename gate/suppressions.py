"""Inline suppression comments on a finding's flagged line, recognised by the gate itself.

The scanners run with their own in-source suppression off; this module reads the flagged
line of each finding and records a matching comment on ``Finding.suppression``. Whether a
suppression counts is the policy's call (``inline_suppressions = "allow" | "deny"``).

Recognised, each only for the findings it can name:

- ``# nosec`` (bandit): bare, or with rule ids ``# nosec B602`` / ``# nosec: B602,B603``;
- ``# nosemgrep`` (semgrep): bare, or ``# nosemgrep: rule-id[, rule-id]``;
- ``# zizmor: ignore[audit]`` (zizmor): the audit must be named;
- ``# gate: ignore[RULE] reason`` (any scanner): the rule must be named (globs allowed).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from gate import repo_files
from gate.findings import Finding, InlineSuppression

_NOSEC = re.compile(r"#\s*nosec\b:?(?P<rest>[^#]*)", re.IGNORECASE)
_NOSEMGREP = re.compile(r"#\s*nosem(?:grep)?\b(?P<colon>\s*:)?(?P<rest>[^#]*)", re.IGNORECASE)
_ZIZMOR = re.compile(r"#\s*zizmor:\s*ignore\[(?P<ids>[^\]]*)\](?P<rest>[^#]*)")
_GATE = re.compile(r"#\s*gate:\s*ignore\[(?P<ids>[^\]]*)\](?P<rest>.*)")
_ID = re.compile(r"[A-Za-z0-9_.*?\-/]+")
_BANDIT_ID = re.compile(r"^B\d{3}$", re.IGNORECASE)

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
    """Every suppression comment on one source line."""
    found: list[InlineSuppression] = []
    line = comment_of(line)
    if not line:
        return found
    match = _GATE.search(line)
    if match:
        found.append(InlineSuppression("gate", _split_ids(match["ids"]),
                                       match["rest"].strip()))
    match = _ZIZMOR.search(line)
    if match:
        found.append(InlineSuppression("zizmor", _split_ids(match["ids"]),
                                       match["rest"].strip()))
    match = _NOSEC.search(line)
    if match:
        words = match["rest"].strip()
        ids = tuple(w for w in _split_ids(words) if _BANDIT_ID.match(w))
        reason = " ".join(w for w in re.split(r"[\s,]+", words) if w and w not in ids)
        found.append(InlineSuppression("nosec", tuple(i.upper() for i in ids), reason))
    match = _NOSEMGREP.search(line)
    if match:
        rest = match["rest"].strip()
        if match["colon"]:
            head, _, tail = rest.partition(" ")
            ids = _split_ids(head)
            found.append(InlineSuppression("nosemgrep", ids, tail.strip()))
        else:
            found.append(InlineSuppression("nosemgrep", (), rest))
    return found


def applies(suppression: InlineSuppression, finding: Finding) -> bool:
    """True when ``suppression`` names ``finding`` (bare nosec/nosemgrep name every rule)."""
    ids = finding.rule_ids
    if suppression.kind == "nosec":
        return finding.scanner == "bandit" and (
            not suppression.rules or any(r.upper() in suppression.rules for r in ids))
    if suppression.kind == "nosemgrep":
        return finding.scanner == "semgrep" and (
            not suppression.rules or finding.rule_id in suppression.rules
            or any(finding.rule_id.endswith("." + r) for r in suppression.rules))
    if suppression.kind == "zizmor":
        return finding.scanner == "zizmor" and finding.rule_id in suppression.rules
    return any(fnmatch.fnmatchcase(r, pattern) for pattern in suppression.rules for r in ids)


def describe(suppression: InlineSuppression) -> str:
    """The comment as the reader wrote it, for the waived finding's reason."""
    ids = ",".join(suppression.rules)
    if suppression.kind == "sarif":
        head = "in-source suppression (from the SARIF)"
    elif suppression.kind == "nosec":
        head = f"# nosec {ids}".rstrip()
    elif suppression.kind == "nosemgrep":
        head = f"# nosemgrep: {ids}" if ids else "# nosemgrep"
    else:
        head = f"# {suppression.kind}: ignore[{ids}]"
    return f"{head} {suppression.reason}".rstrip()


def file_reader(root: Path) -> LineReader:
    """Read files under ``root`` once each; None for a file that cannot be read."""
    cache: dict[str, Sequence[str] | None] = {}

    def read(path: str) -> Sequence[str] | None:
        if path not in cache:
            cache[path] = repo_files.read_lines(root, path)
        return cache[path]

    return read


def apply(findings: Sequence[Finding], root: Path | None = None,
          reader: LineReader | None = None) -> list[Finding]:
    """Findings with ``suppression`` set where their flagged line carries a matching comment.

    Secret findings are looked up too (the comment is on the line), but no line text is kept.
    Findings that already carry a suppression are left as they are.
    """
    if reader is None:
        if root is None:
            raise ValueError("apply() needs root or reader")
        reader = file_reader(root)
    out: list[Finding] = []
    for finding in findings:
        if finding.suppression is None:
            found = _on_flagged_lines(reader, finding)
            if found is not None:
                finding = replace(finding, suppression=found)
        out.append(finding)
    return out


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
