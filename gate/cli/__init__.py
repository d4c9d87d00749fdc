"""The ``gate`` command line: verbs and flags, output files, progress; errors in one place.

The top room: it may import any other, and only it writes files or prints."""

from gate.cli import ci_commands  # noqa: F401 - registers 'gate merge' and 'gate comment'
from gate.cli.commands import app, main

__all__ = ["app", "main"]
