"""Split one scan across N jobs (``gate scan --shard I/N``): which files each shard scans.

Files are cut into N contiguous ranges of the sorted path list, balanced by the bytes the
sharded scanners will read, so the split is the same on every runner and moves only the files
near a boundary when the tree changes. A scanner that must see the whole tree
(``whole_tree_only``) or reads git history (``scans_history``) runs in shard 1 only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from gate.errors import UsageError
from gate.scanners import REGISTRY

_SHARD = re.compile(r"^\s*(\d{1,4})\s*/\s*(\d{1,4})\s*$")


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` of ``count`` (1-based)."""

    index: int
    count: int

    @property
    def label(self) -> str:
        """``I/N``."""
        return f"{self.index}/{self.count}"

    @property
    def first(self) -> bool:
        """True for shard 1, which also runs the whole-tree scanners and reports skips."""
        return self.index == 1


def parse(text: str) -> Shard:
    """``"2/3"`` -> Shard(2, 3); UsageError for anything else."""
    match = _SHARD.match(text)
    if not match:
        raise UsageError(f"--shard: expected I/N such as 2/3; got {text!r}")
    index, count = int(match[1]), int(match[2])
    if not 1 <= index <= count:
        raise UsageError(f"--shard: I must be between 1 and N; got {index}/{count}")
    return Shard(index, count)


def whole_tree(name: str) -> bool:
    """True when scanner ``name`` runs in shard 1 only (its own facts decide)."""
    scanner = REGISTRY[name]
    return scanner.whole_tree_only or scanner.scans_history


def split(weights: Mapping[str, int], count: int) -> list[list[str]]:
    """``count`` contiguous ranges of the sorted paths, each near 1/count of the weight.

    A file goes to the range its weight's midpoint falls in, so the split depends only on the
    paths and their weights.
    """
    paths = sorted(weights)
    total = sum(max(1, weights[p]) for p in paths)
    out: list[list[str]] = [[] for _ in range(count)]
    before = 0
    for path in paths:
        weight = max(1, weights[path])
        middle = before + weight / 2
        out[min(count - 1, int(middle * count / total))].append(path)
        before += weight
    return out


def restrict(work: Mapping[str, Sequence[str]], root: Path, shard: Shard
             ) -> dict[str, list[str]]:
    """The part of the full plan ``work`` (scanner -> files) that ``shard`` scans."""
    weights: dict[str, int] = {}
    for name, files in work.items():
        if whole_tree(name):
            continue
        for path in files:
            weights[path] = weights.get(path, 0) + _size(root / path)
    mine = set(split(weights, shard.count)[shard.index - 1]) if weights else set()
    out: dict[str, list[str]] = {}
    for name, files in work.items():
        chosen = (list(files) if shard.first else []) if whole_tree(name) else [
            f for f in files if f in mine]
        if chosen:
            out[name] = chosen
    return out


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
