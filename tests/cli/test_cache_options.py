"""``GATE_CACHE_DIR`` names the result cache; ``--prune-cache`` keeps it to the current tree;
the summary says how many files the cache gave back."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import cache_entries, load_json, make_repo, run_gate

SCAN = ("scan", "--scanners", "bandit,secrets", "--format", "markdown")


def _entries(cache: Path) -> set[tuple[str, str]]:
    return cache_entries(cache)


@pytest.mark.slow  # three scans on a new cache folder, kingfisher building its rule cache
# (~15 s); pruning is tested on the store in tests/cache/test_store.py, GATE_CACHE_DIR below
def test_gate_cache_dir_is_the_cache_and_prune_keeps_the_current_tree(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"a.py": "x = 1\n", "b.py": "y = 2\n"})
    cache = tmp_path / "cache"
    env = {"GATE_CACHE_DIR": str(cache)}
    cold = run_gate(*SCAN, "--json", str(tmp_path / "cold.json"), cwd=repo, env=env)
    assert cold.code == 0, cold.output
    assert "Scanned 2 file(s); cache: 0 of 4 file(s) reused." in cold.stdout
    first = _entries(cache)
    assert len(first) == 4  # two scanners, two files

    (repo / "b.py").unlink()
    (repo / "c.py").write_text("z = 3\n", encoding="utf-8")
    warm = run_gate(*SCAN, "--prune-cache", "--json", str(tmp_path / "warm.json"), cwd=repo,
                    env=env)
    assert warm.code == 0, warm.output
    assert "Scanned 2 file(s); cache: 2 of 4 file(s) reused." in warm.stdout
    runs = {r["scanner"]: r["reused"] for r in load_json(tmp_path / "warm.json")["runs"]}
    assert runs == {"bandit": 1, "secrets": 1}
    second = _entries(cache)
    assert len(second) == 4 and len(first & second) == 2  # b.py's entries are gone

    off = run_gate(*SCAN, "--no-cache", cwd=repo, env=env)
    assert "Scanned 2 file(s)." in off.stdout and "cache:" not in off.stdout


def test_gate_cache_dir_inside_the_tree_is_refused(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"a.py": "x = 1\n"})
    result = run_gate(*SCAN, cwd=repo, env={"GATE_CACHE_DIR": str(repo / "cache")})
    assert result.code == 2 and "inside the scanned tree" in result.stderr
