"""A one-line progress display on stderr for long scans at a terminal (never in CI logs)."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Mapping
from types import TracebackType
from typing import TextIO

from gate.runs import ScannerRun

DELAY_SECONDS = 2.0
INTERVAL_SECONDS = 0.5


def wanted(stream: TextIO, quiet: bool, env: Mapping[str, str] | None = None) -> bool:
    """Show progress only at a terminal, outside CI, and without ``--quiet``."""
    env = os.environ if env is None else env
    if quiet or any(env.get(name, "").lower() not in ("", "0", "false")
                    for name in ("CI", "GITHUB_ACTIONS")):
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def line(elapsed: float, finished: list[str]) -> str:
    """The status text: elapsed time and the scanners done so far."""
    done = f"  done: {', '.join(finished)}" if finished else ""
    return f"gate: scanning… {elapsed:4.0f}s{done}"


class Progress:
    """Redraws one status line after ``delay`` seconds; ``done`` is ``run_scanners``' on_done."""

    def __init__(self, stream: TextIO, enabled: bool, delay: float = DELAY_SECONDS) -> None:
        self.stream = stream
        self.enabled = enabled
        self.delay = delay
        self._finished: list[str] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._drawn = 0
        self._started = time.monotonic()
        self._thread: threading.Thread | None = None

    def done(self, run: ScannerRun) -> None:
        """Record a finished scanner."""
        with self._lock:
            self._finished.append(run.scanner if run.ok else f"{run.scanner} (error)")

    def __enter__(self) -> Progress:
        self._started = time.monotonic()
        if self.enabled:
            self._thread = threading.Thread(target=self._loop, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self._drawn:
            self._write("\r" + " " * self._drawn + "\r")

    def _loop(self) -> None:
        if self._stop.wait(self.delay):
            return
        while not self._stop.is_set():
            with self._lock:
                text = line(time.monotonic() - self._started, list(self._finished))
            padding = " " * max(0, self._drawn - len(text))
            self._write("\r" + text + padding)
            self._drawn = max(self._drawn, len(text))
            self._stop.wait(INTERVAL_SECONDS)

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):
            self._stop.set()
