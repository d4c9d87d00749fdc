"""gate.cli.outfiles: outputs replace a link at their name and refuse linked folders."""

from __future__ import annotations

from pathlib import Path

import pytest

from gate.cli.outfiles import checked_path, write_text
from gate.errors import UsageError


def test_a_link_at_the_name_is_replaced(tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("keep\n", encoding="utf-8")
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "gate.sarif").symlink_to(outside)
    write_text(tree / "gate.sarif", "{}\n", [tree])
    assert outside.read_text(encoding="utf-8") == "keep\n"
    assert not (tree / "gate.sarif").is_symlink()
    assert (tree / "gate.sarif").read_text(encoding="utf-8") == "{}\n"
    assert sorted(p.name for p in tree.iterdir()) == ["gate.sarif"]  # no temporary left


def test_a_linked_folder_inside_the_tree_is_refused(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    (tmp_path / "elsewhere").mkdir()
    tree.mkdir()
    (tree / "out").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    with pytest.raises(UsageError, match="is a link inside the scanned tree"):
        write_text(tree / "out" / "r.json", "{}", [tree])
    assert list((tmp_path / "elsewhere").iterdir()) == []
    # outside the tree a linked folder is the user's own choice
    (tmp_path / "link").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    write_text(tmp_path / "link" / "r.json", "{}", [tree])
    assert (tmp_path / "elsewhere" / "r.json").exists()


def test_a_folder_is_no_output(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="it is a folder"):
        checked_path(tmp_path, [tmp_path])
