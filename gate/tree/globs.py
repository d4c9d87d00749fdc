"""Gitignore-style path patterns, as used by policy ``exclude``, ``paths`` and waivers."""

from __future__ import annotations

import functools
from collections.abc import Iterable

import pathspec


@functools.lru_cache(maxsize=256)
def spec(patterns: tuple[str, ...]) -> pathspec.GitIgnoreSpec:
    """A compiled matcher for ``patterns`` (cached)."""
    return pathspec.GitIgnoreSpec.from_lines(patterns)


def path_matches(patterns: Iterable[str], path: str) -> bool:
    """True when ``path`` (relative, ``/`` separators) matches any of ``patterns``."""
    return spec(tuple(patterns)).match_file(path)
