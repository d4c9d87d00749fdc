"""The report options that ``scan``, ``evaluate`` and ``merge`` share, declared once so their
names and help stay the same."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

Category = Annotated[str, typer.Option(help="SARIF category prefix.")]
BaselineFile = Annotated[Path | None, typer.Option(help="Baseline file.")]
NewOnly = Annotated[bool, typer.Option(
    "--new-only", help="Findings in the baseline cannot fail the gate.")]
SarifIncludeWaived = Annotated[bool, typer.Option(
    "--sarif-include-waived", help="Keep waived findings in the SARIF with suppressions.")]
CodeQuality = Annotated[Path | None, typer.Option(
    "--codequality", help="Write GitLab's Code Quality report (JSON) here ('-': standard "
    "output).")]
Vex = Annotated[Path | None, typer.Option(
    "--vex", help="Write an OpenVEX 0.2.0 document of the dependency advisories here "
    "('-': standard output; nothing is written when there is no advisory).")]
GitlabSast = Annotated[Path | None, typer.Option(
    "--gitlab-sast", help="Write GitLab's SAST report (JSON, schema 15) here ('-': standard "
    "output).")]
