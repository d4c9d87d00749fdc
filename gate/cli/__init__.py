"""The ``gate`` command line: verbs and flags, output files, progress; errors in one place."""

from gate.cli import ci_commands  # noqa: F401 - registers 'gate merge' and 'gate comment'
from gate.cli.commands import app, main

__all__ = ["app", "main"]
