"""One redaction pass for secret-class findings from every scanner.

A secret finding may show its rule, its location and at most a 4-character preview of the
value (none for values under 16 characters). Messages, rule names and extra fields lose
every quoted literal; fields that carry source code are dropped. The remediation is the
rule's own advice (rule pack, tool documentation, the gate's text), the same for every
finding of the rule and never the scanned line: it keeps its quotes (``scrub`` still takes
credential formats out of it, as out of every text).
"""

from __future__ import annotations

import dataclasses
import re
from typing import TYPE_CHECKING

from gate.findings import Finding, normalise_code, secret_fingerprint
from gate.guards.scrub import scrub, scrub_error

if TYPE_CHECKING:  # the adapters import this module: the registry must not load first
    from gate.runs import ScannerRun

PREVIEW_CHARS = 4
PREVIEW_MIN_LENGTH = 16
REDACTED = "[REDACTED]"
VALUE_REDACTED = "(value redacted)"
# What this module does to a finding, part of every result-cache key: 2 = the remediation
# is no longer redacted (entries written before kept ``os.environ[(value redacted)]``).
VERSION = 2

# ``extra`` keys whose values are source text or tool commands that embed the value.
CODE_KEYS = frozenset(
    {
        "code", "snippet", "lines", "line", "match", "matched", "value", "secret", "raw",
        "fix", "fixed_lines", "validate_command", "blast_radius_command", "context",
    }
)

# A quoted literal: '...', "..." or `...` (escapes honoured), on one line.
_QUOTED = re.compile(r"""(?P<q>['"`])(?:\\.|(?!(?P=q)).)*(?P=q)""")
# "label: 'value'" and "label = 'value'" collapse to "label (value redacted)".
_LABELLED = re.compile(r"""\s*[:=]\s*(?P<q>['"`])(?:\\.|(?!(?P=q)).)*(?P=q)""")


def preview(value: str) -> str:
    """The first 4 characters and an ellipsis; empty for values under 16 characters."""
    if len(value) < PREVIEW_MIN_LENGTH:
        return ""
    return value[:PREVIEW_CHARS] + "…"


def scrub_quotes(text: str) -> str:
    """Replace every quoted literal in ``text`` with ``(value redacted)``."""
    text = _LABELLED.sub(" " + VALUE_REDACTED, text)
    return _QUOTED.sub(VALUE_REDACTED, text)


def redact(f: Finding, *, line: str | None = None) -> Finding:
    """A copy of a secret finding with no quoted literal left in any text field.

    ``line`` is the flagged line's text; when given, the fingerprint is recomputed from a
    value-free token of it (see ``value_free_token``): leave it out for findings that carry
    the tool's own value-free fingerprint. Non-secret findings are returned unchanged.
    """
    extra = tuple(
        (key, scrub_quotes(value)) for key, value in f.extra if key.lower() not in CODE_KEYS
    )
    fingerprint = f.fingerprint
    if line is not None:
        fingerprint = bandit_secret_fingerprint(f.rule_id, f.location.path, line)
    return dataclasses.replace(
        f,
        message=scrub_quotes(f.message),
        rule_name=scrub_quotes(f.rule_name),
        extra=extra,
        fingerprint=fingerprint,
        secret=True,
    )


def value_free_token(line: str) -> str:
    """What a secret's line says without its value: the code up to the first ``=`` or ``:``.

    Quoted literals are emptied first, so ``password = "hunter2"`` gives ``password =``,
    ``connect(host, password="x")`` gives ``connect(host, password=`` and ``PASSWORD=abc``
    gives ``PASSWORD=``. White space is normalised, so re-indenting does not change it.
    """
    emptied = _QUOTED.sub("''", line)
    head = re.match(r"[^=:]*[=:]", emptied)
    return normalise_code(head.group(0) if head else emptied)


def bandit_secret_fingerprint(rule_id: str, path: str, line: str, occurrence: int = 0) -> str:
    """Fingerprint for bandit's B105-B107: rule + path + value-free token, never the value.

    Stable under line moves and value rotation; ``occurrence`` tells apart two findings of
    the same rule with the same token in one file.
    """
    token = value_free_token(line)
    if occurrence:
        token = f"{token}#{occurrence}"
    return secret_fingerprint(rule_id, path, "token:" + token)


def scrub_finding(f: Finding) -> Finding:
    """Every text of a finding without URL credentials or credential-format values; the
    path, rule id and fingerprint are left as they are."""
    return dataclasses.replace(
        f, message=scrub(f.message), rule_name=scrub(f.rule_name),
        remediation=scrub(f.remediation), help_uri=scrub(f.help_uri),
        extra=tuple((key, scrub(value)) for key, value in f.extra))


def scrub_run(run: ScannerRun) -> ScannerRun:
    """A run record whose error, notes and arguments carry no credential."""
    return dataclasses.replace(
        run, error=scrub_error(run.error) if run.error is not None else None,
        notes=tuple(scrub(n) for n in run.notes), data=scrub(run.data),
        warnings=tuple(scrub(w) for w in run.warnings),
        arguments=tuple(scrub(a) for a in run.arguments),
        skipped=tuple(dataclasses.replace(s, reason=scrub_error(s.reason)) for s in run.skipped))
