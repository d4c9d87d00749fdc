"""The progress line: only at a terminal, never in CI or with --quiet."""

from __future__ import annotations

import io
import time

from gate.cli import progress
from gate.runs import ScannerRun


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_wanted_only_at_a_terminal_outside_ci() -> None:
    assert progress.wanted(Tty(), quiet=False, env={})
    assert not progress.wanted(Tty(), quiet=True, env={})
    assert not progress.wanted(Tty(), quiet=False, env={"CI": "true"})
    assert not progress.wanted(Tty(), quiet=False, env={"GITHUB_ACTIONS": "true"})
    assert not progress.wanted(io.StringIO(), quiet=False, env={})
    assert progress.wanted(Tty(), quiet=False, env={"CI": "false"})


def test_progress_draws_after_the_delay_and_clears_its_line() -> None:
    stream = Tty()
    with progress.Progress(stream, enabled=True, delay=0.0) as display:
        display.done(ScannerRun("bandit", "bandit", "1", (), 0, None, 3))
        time.sleep(0.7)
    text = stream.getvalue()
    assert "gate: scanning" in text and "done: bandit" in text
    assert text.endswith("\r")


def test_short_scans_and_disabled_display_write_nothing() -> None:
    stream = Tty()
    with progress.Progress(stream, enabled=True, delay=5.0):
        pass
    with progress.Progress(stream, enabled=False, delay=0.0):
        time.sleep(0.1)
    assert stream.getvalue() == ""
