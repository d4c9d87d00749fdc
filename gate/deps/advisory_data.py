"""What identifies a copy of offline advisory data, for cache keys."""

from __future__ import annotations

import os
from pathlib import Path

from gate.guards.bounded import walk


def data_version(path: Path) -> str:
    """A zip's size and modification time, or a folder's record count, total size and
    newest modification; ``unreadable`` when it cannot be read."""
    try:
        if path.is_file():
            stat = path.stat()
            return f"zip:{stat.st_size}:{stat.st_mtime_ns}"
        count = size = newest = 0
        for folder, _, names in walk(str(path)):
            for name in names:
                stat = os.stat(os.path.join(folder, name))
                count, size = count + 1, size + stat.st_size
                newest = max(newest, stat.st_mtime_ns)
        return f"dir:{count}:{size}:{newest}"
    except OSError:
        return "unreadable"
