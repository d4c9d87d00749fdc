"""Split one scanner's file list into size-balanced shards that run as parallel processes."""

from __future__ import annotations

import heapq
import os
from collections.abc import Sequence
from pathlib import Path

# Below this many bytes per extra process, a second process costs more than it saves.
DEFAULT_SHARD_BYTES = 512 * 1024
SHARD_BYTES_VARIABLE = "GATE_SHARD_MIN_BYTES"


def min_shard_bytes() -> int:
    """Bytes of source that justify one more process (``GATE_SHARD_MIN_BYTES`` for tests/bench)."""
    value = os.environ.get(SHARD_BYTES_VARIABLE, "").strip()
    if value.isdigit():
        return max(1, int(value))
    return DEFAULT_SHARD_BYTES


def file_sizes(root: Path, files: Sequence[str]) -> list[int]:
    """The size of each file (0 when it cannot be read)."""
    sizes: list[int] = []
    for name in files:
        try:
            sizes.append((root / name).stat().st_size)
        except OSError:
            sizes.append(0)
    return sizes


def shard_count(total_bytes: int, budget: int, min_bytes: int | None = None) -> int:
    """How many processes to use: at most ``budget``, each with at least ``min_bytes``."""
    per = min_bytes or min_shard_bytes()
    return max(1, min(budget, total_bytes // per))


def shards(root: Path, files: Sequence[str], budget: int,
           min_bytes: int | None = None) -> list[list[str]]:
    """``files`` split into at most ``budget`` shards balanced by bytes; each shard sorted.

    Greedy longest-first: the largest remaining file goes to the lightest shard.
    """
    sizes = file_sizes(root, files)
    count = min(len(files), shard_count(sum(sizes), budget, min_bytes))
    if count <= 1:
        return [list(files)] if files else []
    heap: list[tuple[int, int]] = [(0, i) for i in range(count)]
    out: list[list[str]] = [[] for _ in range(count)]
    for size, name in sorted(zip(sizes, files, strict=True), key=lambda p: (-p[0], p[1])):
        load, index = heapq.heappop(heap)
        out[index].append(name)
        heapq.heappush(heap, (load + size, index))
    return [sorted(s) for s in out if s]
