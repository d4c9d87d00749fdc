"""The gate's one error type: every expected failure carries its exit code and advice.

The CLI handles ``GateError`` in one place: it prints ``message`` and, when there is one,
the ``hint``, then exits with ``exit_code``. Any other exception is an internal error of the
gate (exit 3, no traceback unless ``GATE_DEBUG=1``).
"""

from __future__ import annotations

EXIT_PASS, EXIT_FAIL, EXIT_USAGE, EXIT_SCANNER = 0, 1, 2, 3
EXIT_INTERNAL = 3


class GateError(Exception):
    """An expected failure: bad input, bad configuration, or a scanner that cannot run.

    ``exit_code`` defaults to 2 (usage or configuration error); ``hint`` tells the user what
    to do about it.
    """

    exit_code: int = EXIT_USAGE

    def __init__(self, message: str, *, hint: str = "", exit_code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        if exit_code is not None:
            self.exit_code = exit_code

    def diagnostics(self) -> str:
        """The message, and the hint on its own line when there is one."""
        return f"{self.message}\n  hint: {self.hint}" if self.hint else self.message


class UsageError(GateError):
    """A bad flag or argument on the command line."""


class DiscoveryError(GateError):
    """A path to scan does not exist or cannot be read."""


class GitError(GateError):
    """A ref that does not exist, a path outside a git work tree, or git failing."""


class BaselineError(GateError):
    """The baseline file cannot be read or is not a gate baseline."""


class SarifImportError(GateError):
    """The input is not SARIF the gate can read."""


class CacheError(GateError):
    """The cache folder cannot be used (inside the scanned tree, tracked by git, unwritable)."""


class ShardError(GateError):
    """Shard reports that cannot be merged: one missing or twice, or they disagree."""

    exit_code = EXIT_SCANNER


class AdvisoryDataError(GateError):
    """Offline advisory data that cannot be read (a scanner error when met during a scan)."""

    exit_code = EXIT_SCANNER


def internal_error_message(version: str, error: BaseException) -> str:
    """The one paragraph shown for a bug in the gate itself (no traceback)."""
    return (f"gate: internal error: {type(error).__name__} in secops-gate {version}. This is a "
            "bug in the gate, not in your repository or policy; please report it with the "
            "command you ran (set GATE_DEBUG=1 to print the traceback).")
