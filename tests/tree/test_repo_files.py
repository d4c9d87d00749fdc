"""Reading files of the scanned repository: never failing, undecodable bytes replaced."""

from __future__ import annotations

from pathlib import Path

from gate.tree.repo_files import head, read_lines, read_text


def test_undecodable_bytes_are_replaced(tmp_path: Path) -> None:
    (tmp_path / "latin.py").write_bytes(b"# caf\xe9\nx = 1\n")
    assert read_text(tmp_path, "latin.py") == "# caf\ufffd\nx = 1\n"
    assert read_lines(tmp_path, "latin.py") == ["# caf\ufffd", "x = 1"]


def test_missing_or_unreadable_is_none(tmp_path: Path) -> None:
    (tmp_path / "folder").mkdir()
    for name in ("absent.py", "folder"):
        assert read_text(tmp_path, name) is None
        assert read_lines(tmp_path, name) is None
        assert head(tmp_path, name, 10) is None


def test_head_reads_only_the_start(tmp_path: Path) -> None:
    (tmp_path / "big.yaml").write_text("apiVersion: v1\n" + "x: 1\n" * 10_000, encoding="utf-8")
    assert head(tmp_path, "big.yaml", 14) == "apiVersion: v1"


def test_looks_binary(tmp_path: Path) -> None:
    from gate.tree.repo_files import looks_binary

    (tmp_path / "a.txt").write_text("FROM alpine\n", encoding="utf-8")
    (tmp_path / "b.bin").write_bytes(b"FROM\0alpine")
    assert not looks_binary(tmp_path, "a.txt")
    assert looks_binary(tmp_path, "b.bin") and not looks_binary(tmp_path, "missing")
