"""Glue between the CLI and the renderers: which console format, colour or not, which report
goes to standard output, the JUnit, HTML and GitLab files, and GitHub's summary and outputs
files."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from gate.errors import UsageError
from gate.guards.bounded import loads_json
from gate.policy.decision import Decision
from gate.report import github, markdown, text

FORMATS = ("text", "markdown", "github")
STDOUT = "-"  # an output file named "-" is standard output


def console_format(requested: str | None) -> str:
    """The console format: ``requested``, else ``github`` under GitHub Actions, else text."""
    if requested is None:
        return "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"
    word = requested.strip().lower()
    if word not in FORMATS:
        raise UsageError(f"--format: expected one of {', '.join(FORMATS)}; got {requested!r}")
    return word


def console(decision: Decision, fmt: str, *, quiet: bool = False, color: bool = False,
            annotations: bool = True) -> str:
    """What the CLI prints for ``fmt`` (``color`` applies to the text format only; in GitHub
    mode without annotations when asked: a shard's findings are annotated once, by the
    merge)."""
    if fmt == "markdown":
        return markdown.render(decision, links=source_links())
    if fmt == "github":
        if not annotations:
            return github.fenced(text.render(decision, quiet=quiet))
        return github.console(decision, quiet=quiet)
    return text.render(decision, quiet=quiet, color=color)


def colour(stream: TextIO) -> bool:
    """ANSI colour only at a terminal, and never with ``NO_COLOR`` set or ``TERM=dumb``."""
    if os.environ.get("NO_COLOR", "") or os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty is not None and isatty())


def is_stdout(path: Path | None) -> bool:
    """True for the output name ``-``."""
    return path is not None and str(path) == STDOUT


def stdout_report(**outputs: Path | None) -> bool:
    """True when one report goes to standard output (then the console report goes to
    stderr); UsageError when several ask for it."""
    named = [f"--{name}" for name, path in outputs.items() if is_stdout(path)]
    if len(named) > 1:
        raise UsageError(f"{' and '.join(named)}: only one output can be '-' (standard output)")
    return bool(named)


@dataclass(frozen=True)
class ReportFiles:
    """The JUnit, HTML and GitLab reports asked for; ``root`` locates the policy for its
    provenance, ``source`` names what was evaluated."""

    junit: Path | None = None
    html: Path | None = None
    root: Path = Path(".")
    source: str = ""
    codequality: Path | None = None
    gitlab_sast: Path | None = None
    vex: Path | None = None


def reports(decision: Decision, *, junit: Path | None, html: Path | None,
            origins: Callable[[], Mapping[str, str]], source: str = "",
            codequality: Path | None = None, gitlab_sast: Path | None = None,
            vex: Path | None = None) -> list[tuple[Path, str]]:
    """The JUnit, HTML, GitLab and OpenVEX reports asked for, as (file, text); ``origins``
    gives the policy's provenance (read only when the HTML report is wanted). A VEX document
    with nothing to state is left out."""
    from gate.report import gitlab
    from gate.report import html as html_report
    from gate.report import junit as junit_report
    from gate.report import vex as vex_report

    out: list[tuple[Path, str]] = []
    if junit is not None:
        out.append((junit, junit_report.render(decision)))
    if html is not None:
        out.append((html, html_report.render(decision, origins(), source)))
    if codequality is not None:
        out.append((codequality, gitlab.render_code_quality(decision)))
    if gitlab_sast is not None:
        out.append((gitlab_sast, gitlab.render_sast(decision)))
    if vex is not None:
        text = vex_report.render(decision)
        if text:
            out.append((vex, text))
    return out


def source_links(env: Mapping[str, str] | None = None) -> markdown.SourceLinks | None:
    """Where GitHub shows the scanned files: ``GITHUB_SERVER_URL``, ``GITHUB_REPOSITORY``
    and the commit, the pull request's head (from the event file) or else ``GITHUB_SHA``
    (on a pull request that is a merge commit nobody pushed). None when a value is missing."""
    env = os.environ if env is None else env
    sha = _head_sha(env.get("GITHUB_EVENT_PATH", "")) or env.get("GITHUB_SHA", "")
    return markdown.source_links(env.get("GITHUB_SERVER_URL", ""),
                                 env.get("GITHUB_REPOSITORY", ""), sha)


def _head_sha(event_path: str) -> str:
    """The ``pull_request.head.sha`` of the event file, or ""."""
    if not event_path:
        return ""
    try:
        event = loads_json(Path(event_path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    pull = event.get("pull_request") if isinstance(event, dict) else None
    head = pull.get("head") if isinstance(pull, dict) else None
    sha = head.get("sha") if isinstance(head, dict) else None
    return sha if isinstance(sha, str) else ""


def github_files(decision: Decision, sarif_file: str,
                 append: Callable[[Path, str], None],
                 links: markdown.SourceLinks | None = None) -> None:
    """Append the step summary and the outputs to the files GitHub names, when it names them."""
    summary = os.environ.get("GITHUB_STEP_SUMMARY", "")
    if summary:
        append(Path(summary), markdown.render(decision, links=links))
    output = os.environ.get("GITHUB_OUTPUT", "")
    if output:
        append(Path(output), github.outputs(github.output_values(decision, sarif_file)))


def stdout_text(content: str) -> str:
    """A report for standard output: under GitHub Actions fenced with ``::stop-commands::``
    like the console (a file name holding a line break and ``::warning`` stays inert),
    unless it is JSON, which holds no raw line break inside a string."""
    if os.environ.get("GITHUB_ACTIONS") == "true" and content[:1] not in ("{", "["):
        return github.fenced(content)
    return content


def error_text(message: str) -> str:
    """An error for stderr; under GitHub Actions fenced with ``::stop-commands::`` so that
    no line of it (a policy key, a path) can act as a workflow command."""
    text = message if message.endswith("\n") else message + "\n"
    if os.environ.get("GITHUB_ACTIONS") == "true":
        return github.fenced(text)
    return text
