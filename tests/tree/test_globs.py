"""Gitignore-style patterns for policy ``exclude``, ``paths`` and waivers."""

from __future__ import annotations

import pytest

from gate.tree.globs import path_matches, spec


@pytest.mark.parametrize("patterns,path,matches", [
    (["tests/**"], "tests/unit/test_a.py", True),
    (["tests/**"], "src/tests.py", False),
    (["*.py"], "deep/down/module.py", True),  # no slash: any depth, as in .gitignore
    (["/app.py"], "app.py", True),
    (["/app.py"], "sub/app.py", False),  # a leading slash anchors to the root
    (["docs/"], "docs/index.md", True),
    (["vendor/**", "!vendor/ours/**"], "vendor/ours/a.py", False),
    (["vendor/**", "!vendor/ours/**"], "vendor/theirs/a.py", True),
    ([], "anything.py", False),
])
def test_path_matches(patterns: list[str], path: str, matches: bool) -> None:
    assert path_matches(patterns, path) is matches


def test_compiled_matchers_are_cached() -> None:
    assert spec(("a/**",)) is spec(("a/**",))
