"""Where the gate's caches live by default: importable from anywhere (it imports nothing of
the gate), so that scanners and advisory data can name the folder without the store."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

APP_FOLDER = "secops-gate"

__all__ = ["APP_FOLDER", "default_dir"]


def default_dir(env: Mapping[str, str] | None = None) -> Path:
    """``$RUNNER_TEMP/secops-gate`` in CI, else the user's cache folder."""
    env = os.environ if env is None else env
    runner = env.get("RUNNER_TEMP", "")
    if runner and os.path.isabs(runner):
        return Path(runner) / APP_FOLDER
    xdg = env.get("XDG_CACHE_HOME", "")
    if xdg and os.path.isabs(xdg):
        return Path(xdg) / APP_FOLDER
    return Path.home() / ".cache" / APP_FOLDER
