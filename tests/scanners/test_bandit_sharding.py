"""Bandit split across processes finds exactly what one process finds."""

from __future__ import annotations

from pathlib import Path

import pytest

from gate.scanners.bandit import BanditScanner, sharding
from gate.scanners.interface import ScanContext
from tests.findings_repo import make_findings_repo
from tests.helpers import run_gate


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_findings_repo(tmp_path / "repo")


def test_shards_are_balanced_by_bytes(tmp_path: Path) -> None:
    sizes = {"a.py": 900, "b.py": 500, "c.py": 400, "d.py": 100}
    for name, size in sizes.items():
        (tmp_path / name).write_text("#" * size)
    parts = sharding.shards(tmp_path, list(sizes), budget=2, min_bytes=1)
    assert parts == [["a.py", "d.py"], ["b.py", "c.py"]]
    assert sharding.shards(tmp_path, list(sizes), budget=2, min_bytes=10_000) == [list(sizes)]
    assert sharding.shards(tmp_path, list(sizes), budget=8, min_bytes=1) == [
        ["a.py"], ["b.py"], ["c.py"], ["d.py"]]


def test_sharded_bandit_equals_one_process(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = tuple(sorted(f.relative_to(repo).as_posix() for f in repo.rglob("*.py")))
    one = BanditScanner().scan(ScanContext(root=repo, files=files, timeout=300, jobs=1))
    monkeypatch.setenv(sharding.SHARD_BYTES_VARIABLE, "1")
    assert len(sharding.shards(repo, files, 3)) == 3
    many = BanditScanner().scan(ScanContext(root=repo, files=files, timeout=300, jobs=3))
    assert one.run.ok and many.run.ok
    assert sorted(one.findings, key=repr) == sorted(many.findings, key=repr)
    assert sorted(one.run.skipped, key=repr) == sorted(many.run.skipped, key=repr)
    assert (one.run.exit_code, one.run.arguments, one.run.files) == (
        many.run.exit_code, many.run.arguments, many.run.files)
    assert {f.rule_id for f in many.findings} >= {"B602", "B324", "B506"}
    assert [s.path for s in many.run.skipped] == ["pkg/broken.py"]


@pytest.mark.slow  # two full gate scans; the adapter-level test above stays fast
def test_sharded_gate_sarif_equals_unsharded(repo: Path, tmp_path: Path) -> None:
    outs = []
    for n, env in enumerate(({}, {sharding.SHARD_BYTES_VARIABLE: "1"})):
        sarif = tmp_path / f"{n}.sarif"
        result = run_gate("scan", ".", "--no-cache", "--jobs", "3", "--sarif", str(sarif),
                          cwd=repo, env=env)
        assert result.code == 1, result.output
        outs.append(sarif.read_bytes())
    assert outs[0] == outs[1]
