"""The README's two test commands are what CI runs and what a fresh machine needs."""

from __future__ import annotations

import re

from tests.helpers import REPO_ROOT


def _fenced_after(text: str, words: str) -> str:
    start = text.index(words)
    block = re.search(r"```sh\n(.*?)\n```", text[start:], re.S)
    assert block, f"no command block after {words!r}"
    return block.group(1).strip()


def test_ci_runs_exactly_the_readme_test_command() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    full = _fenced_after(readme, "**Run the tests.**")
    fast = _fenced_after(readme, "The fast tier")
    ci_lines = (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert full in ci_lines
    assert full.startswith("bash tests/install-prerequisites.sh && ")
    assert fast == full + ' -m "not slow"'
    assert (REPO_ROOT / "tests" / "install-prerequisites.sh").is_file()
