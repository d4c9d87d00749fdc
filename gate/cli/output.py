"""Glue between the CLI and the GitHub/Markdown renderers: which format, which files."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from gate.decision import Decision
from gate.errors import UsageError
from gate.report import github, markdown, text

FORMATS = ("text", "markdown", "github")


def console_format(requested: str | None) -> str:
    """The console format: ``requested``, else ``github`` under GitHub Actions, else text."""
    if requested is None:
        return "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"
    word = requested.strip().lower()
    if word not in FORMATS:
        raise UsageError(f"--format: expected one of {', '.join(FORMATS)}; got {requested!r}")
    return word


def console(decision: Decision, fmt: str, *, quiet: bool = False,
            annotations: bool = True) -> str:
    """What the CLI prints for ``fmt`` (in GitHub mode without annotations when asked: a
    shard's findings are annotated once, by the merge)."""
    if fmt == "markdown":
        return markdown.render(decision)
    if fmt == "github":
        if not annotations:
            return github.fenced(text.render(decision, quiet=quiet))
        return github.console(decision, quiet=quiet)
    return text.render(decision, quiet=quiet)


def github_files(decision: Decision, sarif_file: str,
                 append: Callable[[Path, str], None]) -> None:
    """Append the step summary and the outputs to the files GitHub names, when it names them."""
    summary = os.environ.get("GITHUB_STEP_SUMMARY", "")
    if summary:
        append(Path(summary), markdown.render(decision))
    output = os.environ.get("GITHUB_OUTPUT", "")
    if output:
        append(Path(output), github.outputs(github.output_values(decision, sarif_file)))
