"""``gate scan --hook``: the file names pre-commit appends are never read as options.

pre-commit runs ``entry`` + ``args`` + the staged file names, with no ``--`` of its own, so
a staged file named ``--help`` or ``--fail-on=none`` would be taken for that option and the
hook would pass. The hook's ``args`` end with ``--``; a user's own ``args:`` in
``.pre-commit-config.yaml`` replace the hook's instead of extending them, so in hook mode
the gate refuses to run (exit 2) unless ``--`` precedes the file names on its own command
line. click drops the ``--`` while parsing, so it is looked for in the raw arguments, before
click reads any of them (``--help`` is acted on as soon as it is parsed).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import typer
from typer.core import TyperCommand

from gate.errors import UsageError

HOOK_FLAG = "--hook"
END_OF_OPTIONS = "--"
# ctx.meta key: how many arguments followed the first "--" (absent: there was none).
AFTER_DASHES = "gate.arguments_after_dashes"
NO_DASHES = ("--hook: the file names must follow `--`, or a staged file named like an option "
             "(--help, --fail-on=none) is read as one; end your `args:` in "
             ".pre-commit-config.yaml with `--` (e.g. args: [--fail-on=high, --])")


def after_dashes(args: Sequence[str]) -> int | None:
    """How many arguments follow the first ``--`` in ``args``, or None without one."""
    if END_OF_OPTIONS not in args:
        return None
    return len(args) - list(args).index(END_OF_OPTIONS) - 1


def check_hook_argv(args: Sequence[str]) -> None:
    """UsageError when ``--hook`` is given without a ``--`` after it (nothing is parsed yet,
    so a file name cannot have acted as an option)."""
    if END_OF_OPTIONS not in args and HOOK_FLAG in args:
        raise UsageError(NO_DASHES)


def check_hook_paths(ctx: typer.Context, given: int) -> None:
    """UsageError unless all ``given`` file names of a hook run came after ``--``."""
    count = ctx.meta.get(AFTER_DASHES)
    if count is None:
        raise UsageError(NO_DASHES)
    if given > count:
        raise UsageError("--hook: every file name must follow `--`; "
                         f"{given - count} came before it")


class FileNamesCommand(TyperCommand):
    """A command that records where ``--`` was in its raw arguments (``AFTER_DASHES``) and
    refuses ``--hook`` without one before click parses anything."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        """Check the raw arguments, then parse them as usual. (``ctx`` is click's Context:
        recent typer releases vendor click, so its type has no public name that holds for
        every supported typer.)"""
        if not ctx.resilient_parsing:
            check_hook_argv(args)
        count = after_dashes(args)
        if count is not None:
            ctx.meta[AFTER_DASHES] = count
        return super().parse_args(ctx, args)
