"""The CI verbs: ``gate merge`` (shard reports to one verdict) and ``gate comment`` (the
pull-request comment). Registered on the ``gate`` app by ``gate.cli``."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer

from gate import app as gate_app
from gate.cli import output as integrations
from gate.cli.commands import (
    PR_COMMENT,
    _category,
    _emit,
    _level,
    app,
)
from gate.cli.report_options import (
    BaselineFile,
    Category,
    CodeQuality,
    GitlabSast,
    NewOnly,
    SarifIncludeWaived,
    Vex,
)
from gate.cli.scan_options import pinned_today
from gate.github import pr_comment
from gate.policy.model import LEVEL_WORDS
from gate.report import comment as comment_text
from gate.report.github import escape_data


@app.command("merge")
def merge(
    reports: Annotated[list[Path], typer.Argument(help="Every shard's report (scan --shard "
                                                  "I/N --json FILE), each exactly once.")],
    root: Annotated[Path, typer.Option(help="The checkout the shards scanned.")] = Path("."),
    policy: Annotated[Path | None, typer.Option(help="Policy file (default: discovered).")] = None,
    policy_ref: Annotated[str | None, typer.Option(
        help="Read the policy from this git ref, as the shards did.")] = None,
    sarif: Annotated[Path | None, typer.Option(help="Write SARIF 2.1.0 here.")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the JSON report here.")
                        ] = None,
    fail_on: Annotated[str | None, typer.Option(
        help=f"Override every fail level, as the shards did: {', '.join(LEVEL_WORDS)}.")
                       ] = None,
    category: Category = "gate",
    baseline: BaselineFile = None,
    new_only: NewOnly = False,
    sarif_include_waived: SarifIncludeWaived = False,
    output_format: Annotated[str | None, typer.Option(
        "--format", help="Console format: text, markdown or github.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only the verdict and failures.")
                     ] = False,
    pr_comment_file: Annotated[Path | None, PR_COMMENT] = None,
    html: Annotated[Path | None, typer.Option(
        help="Write the self-contained HTML report here ('-': standard output).")] = None,
    junit: Annotated[Path | None, typer.Option(
        help="Write JUnit XML here ('-': standard output).")] = None,
    codequality: CodeQuality = None,
    gitlab_sast: GitlabSast = None,
    vex: Vex = None,
) -> None:
    """Merge the shard reports into the outputs of one full scan; exit like 'gate scan'.

    Exit 3 unless all N shards are there exactly once and agree with this checkout, policy
    and gate version.
    """
    request = gate_app.ScanRequest(
        paths=(root,), policy_file=policy, policy_ref=policy_ref,
        fail_on=_level(fail_on) if fail_on else None, fail_on_set=fail_on is not None,
        category=_category(category), today=pinned_today(), baseline_file=baseline,
        new_only=new_only, what_if=html is not None)
    integrations.stdout_report(sarif=sarif, json=json_out, junit=junit, html=html,
                               codequality=codequality, gitlab_sast=gitlab_sast, vex=vex)
    decision = gate_app.merge(reports, request)
    _emit(decision, sarif, json_out, sarif_include_waived,
          integrations.console_format(output_format), quiet,
          more=integrations.ReportFiles(junit, html, root, codequality=codequality,
                                        gitlab_sast=gitlab_sast, vex=vex),
          pr_comment=pr_comment_file)


@app.command("comment")
def comment(
    body: Annotated[Path, typer.Argument(help="The Markdown written by --pr-comment.")],
    category: Annotated[str, typer.Option(help="SARIF category: one comment per workflow "
                                          "and category.")] = "gate",
    workflow: Annotated[str | None, typer.Option(
        envvar="GATE_WORKFLOW", help="Workflow name (default: $GITHUB_WORKFLOW).")] = None,
) -> None:
    """Post or update the pull-request comment; a problem is a notice, never a failure.

    GitHub Actions, same-repository pull requests only; exits 0.
    """
    env = os.environ
    try:
        text = body.read_text(encoding="utf-8")
        event = json.loads(Path(env.get("GITHUB_EVENT_PATH", "")).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        _notice(f"no pull-request comment: cannot read its input ({type(exc).__name__})")
        raise typer.Exit(0) from None
    where = pr_comment.target(env, event)
    if isinstance(where, str):
        typer.echo(f"secops-gate: {where}")
        raise typer.Exit(0)
    mark = comment_text.marker(workflow or env.get("GITHUB_WORKFLOW", ""), category)
    run = env.get("GITHUB_RUN_ID", "")
    server = env.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/")
    url = f"{server}/{where.repository}/actions/runs/{run}" if run.isdigit() else ""
    try:
        done = pr_comment.post(where, comment_text.wrap(text, mark, url), mark)
        typer.echo(f"secops-gate: {done}")
    except pr_comment.CommentError as exc:
        _notice(f"the pull-request comment was not posted: {exc}")
    raise typer.Exit(0)


def _notice(message: str) -> None:
    typer.echo(f"::notice title=secops-gate::{escape_data(message)}")
