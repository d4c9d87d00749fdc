"""Run the gate as a user would and measure it: exit code, output, peak memory, seconds."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Measured:
    """One gate run: what it printed, how it exited, its peak resident memory and time."""

    code: int
    stdout: str
    stderr: str
    peak_mb: float
    seconds: float


def run_measured(*args: str, cwd: Path, env: dict[str, str] | None = None,
                 timeout: float = 300) -> Measured:
    """``python -m gate ARGS`` with the peak RSS of the gate's own process (``wait4``);
    killed after ``timeout`` seconds (then the code is negative)."""
    full_env = {**os.environ, **(env or {})}
    full_env.pop("GITHUB_ACTIONS", None)
    started = time.monotonic()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen([sys.executable, "-P", "-m", "gate", *args], cwd=cwd,
                                env=full_env, stdout=out, stderr=err, text=True)
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Measured(proc.returncode, out.read(), err.read(), usage.ru_maxrss / 1024,
                        time.monotonic() - started)
