"""Per-file cache entries packed per run: links and foreign packs are never trusted."""

from __future__ import annotations

import json
from pathlib import Path

from gate.cache.packs import PACKS, PackStore


def _store(folder: Path) -> PackStore:
    return PackStore(folder, 2, lambda scanner, key, payload: f"{scanner}:{key}:{payload}",
                     lambda name: name)


def _links_ok(path: Path) -> bool:
    return True


def test_two_writers_keep_their_own_packs_and_a_reader_sees_both(tmp_path: Path) -> None:
    first, second = _store(tmp_path), _store(tmp_path)
    first.put("bandit", "k1", {"n": 1})
    second.put("bandit", "k2", {"n": 2})
    first.flush("bandit", _links_ok)
    second.flush("bandit", _links_ok)
    reader = _store(tmp_path)
    assert reader.get("bandit", "k1") == {"n": 1} and reader.get("bandit", "k2") == {"n": 2}
    assert len(list((tmp_path / "bandit" / PACKS).glob("*.json"))) == 2


def test_a_linked_pack_or_one_of_another_scanner_is_not_read(tmp_path: Path) -> None:
    writer = _store(tmp_path)
    writer.put("semgrep", "k", {"n": 1})
    writer.flush("semgrep", _links_ok)
    [pack] = (tmp_path / "semgrep" / PACKS).glob("*.json")
    folder = tmp_path / "bandit" / PACKS
    folder.mkdir(parents=True)
    (folder / "copied.json").write_bytes(pack.read_bytes())  # semgrep's pack under bandit
    (folder / "linked.json").symlink_to(pack)
    reader = _store(tmp_path)
    assert reader.get("bandit", "k") is None
    assert sorted(p.name for p in folder.iterdir()) == []  # both deleted, the target kept
    assert json.loads(pack.read_text(encoding="utf-8"))["scanner"] == "semgrep"
