"""GitHub Actions output: workflow-command annotations, the fenced console report, and the
``$GITHUB_OUTPUT`` text. Renderers return strings; the CLI writes them.

Scanned content (file names, messages) is escaped per the workflow-command rules, and the
console report is fenced with ``::stop-commands::<random token>`` so that no line of it can
act as a workflow command.
"""

from __future__ import annotations

import secrets

from gate.findings import Severity
from gate.policy.decision import Decided, Decision, Disposition
from gate.report import text
from gate.report.groups import PackageGroup, count, entries

MAX_ANNOTATIONS = 10
MAX_PROPERTY = 200
# Bidirectional controls and invisible marks (a U+202E in a file name reverses its display).
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
                  "\u200e\u200f\u061c")


def escape_data(value: str) -> str:
    """A workflow-command message: ``%``, CR and LF percent-encoded."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    """A workflow-command property value: bidi and control characters dropped, then data
    escaping plus ``:`` and ``,``."""
    return escape_data(visible(value)).replace(":", "%3A").replace(",", "%2C")


def visible(value: str) -> str:
    """``value`` without bidi overrides and isolates, marks or other control characters."""
    return "".join(ch for ch in value if ch not in _BIDI and ch.isprintable())


def _command(entry: Decided | PackageGroup) -> str:
    if isinstance(entry, PackageGroup):  # one annotation per vulnerable pin
        item = entry.first
        f = item.finding
        severity = entry.severity
        message = f"{entry.headline()}: {entry.ids()}"
        title = f"gate {severity.word}: {f.scanner}/{len(entry.items)} advisories"
    else:
        item, f, severity = entry, entry.finding, entry.severity
        message = f"{f.rule_id}: {f.message}"
        title = f"gate {severity.word}: {f.scanner}/{f.rule_id}"
    loc = f.location
    kind = "error" if severity >= Severity.HIGH else "warning"
    props = {"title": title[:MAX_PROPERTY]}
    if _annotatable(loc.path):
        props = {"file": loc.path, "line": str(max(1, loc.start_line)), **props}
        if loc.end_line and loc.end_line >= loc.start_line:
            props["endLine"] = str(loc.end_line)
    else:  # never point at a file that does not exist: name it in the message instead
        message = f"{visible(loc.path)}:{loc.start_line}: {message}"
    joined = ",".join(f"{k}={escape_property(v)}" for k, v in props.items())
    return f"::{kind} {joined}::{escape_data(message[:1000])}"


def _annotatable(path: str) -> bool:
    """Whether ``path`` can stand whole and unchanged in an annotation's ``file=``."""
    return len(path) <= MAX_PROPERTY and visible(path) == path


def annotation_lines(decision: Decision, limit: int = MAX_ANNOTATIONS) -> str:
    """Annotations for the ``limit`` most severe failing findings, plus one line for the rest."""
    failing = entries([d for d in decision.with_disposition(Disposition.FAIL)
                       if d.duplicate_of is None])
    lines = [f"::warning title=secops-gate override::{escape_data(o)}"
             for o in decision.overrides]
    lines += [_command(d) for d in failing[:limit]]
    if len(failing) > limit:
        lines.append(f"::notice title=secops-gate::{count(failing[limit:])} more failing "
                     "finding(s) not annotated: see the step summary and the SARIF upload")
    if decision.policy_changed:
        lines.append(f"::warning title=secops-gate policy changed::"
                     f"{escape_data(decision.policy_changed)}")
    return "".join(line + "\n" for line in lines)


def fenced(content: str, token: str | None = None) -> str:
    """``content`` between ``::stop-commands::TOKEN`` and ``::TOKEN::``: inert in the log."""
    token = token or secrets.token_hex(16)
    while token in content:  # pragma: no cover - a 128-bit token does not collide
        token = secrets.token_hex(16)
    body = content if content.endswith("\n") or not content else content + "\n"
    return f"::stop-commands::{token}\n{body}::{token}::\n"


def console(decision: Decision, *, quiet: bool = False, token: str | None = None) -> str:
    """What the CLI prints in GitHub mode: annotations, then the fenced console report."""
    return annotation_lines(decision) + fenced(text.render(decision, quiet=quiet), token)


def output_values(decision: Decision, sarif_file: str = "") -> dict[str, str]:
    """The step outputs: verdict, counts and the SARIF path."""
    counts = decision.counts()
    shown = sum(counts[d.value] for d in (Disposition.FAIL, Disposition.WARN,
                                          Disposition.BASELINE))
    return {
        "verdict": decision.verdict.value,
        "exit-code": str(decision.exit_code),
        "findings": str(shown),
        "failing": str(counts[Disposition.FAIL.value]),
        "waived": str(counts[Disposition.WAIVED.value]),
        "sarif-file": sarif_file,
        "partial": "true" if decision.partial else "false",
        "policy-changed": "true" if decision.policy_changed else "false",
    }


def outputs(values: dict[str, str]) -> str:
    """``$GITHUB_OUTPUT`` text in the heredoc form, with a random delimiter per value."""
    out = []
    for name, value in values.items():
        delimiter = "gate_" + secrets.token_hex(16)
        while delimiter in value:  # pragma: no cover
            delimiter = "gate_" + secrets.token_hex(16)
        out.append(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")
    return "".join(out)
