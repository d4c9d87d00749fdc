"""Which files a scan looks at: git's view of the work tree, minus noise and policy excludes,
with every file left out for a reason the report can name."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gate import app
from gate.errors import DiscoveryError
from gate.tree.discovery import (
    BAD_NAME,
    LINK_OUT,
    MAX_FILE_BYTES,
    TOO_LARGE,
    discover,
    find_root,
)
from tests.helpers import make_repo

SHELL = "import subprocess\n\n\ndef run(cmd):\n    subprocess.call('x ' + cmd, shell=True)\n"


def test_git_decides_what_is_in_the_tree(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {".gitignore": "*.log\n", "a.py": "A = 1\n",
                                         "docs/guide.md": "# guide\n"})
    (repo / "debug.log").write_text("ignored by git\n", encoding="utf-8")
    (repo / "new.py").write_text("N = 1\n", encoding="utf-8")  # untracked, not ignored
    (repo / "node_modules" / "x").mkdir(parents=True)
    (repo / "node_modules" / "x" / "index.js").write_text("//\n", encoding="utf-8")
    assert discover(repo, [repo]).files == (".gitignore", "a.py", "docs/guide.md", "new.py",
                                            "node_modules/x/index.js")  # no folder by name
    assert discover(repo, [repo / "docs"]).files == ("docs/guide.md",)
    assert discover(repo, [repo], exclude=["docs/**", "*.py", "node_modules/"]).files == (
        ".gitignore",)


def test_outside_git_every_file_but_git_data_and_virtualenvs(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "a.py").write_text("A = 1\n", encoding="utf-8")
    for noise in (".venv", "__pycache__", ".git"):
        (tmp_path / noise).mkdir()
        (tmp_path / noise / "x.py").write_text("X = 1\n", encoding="utf-8")
    (tmp_path / ".venv" / "pyvenv.cfg").write_text("home = /usr\n", encoding="utf-8")
    assert find_root([tmp_path / "pkg" / "a.py"]) == (tmp_path / "pkg").resolve()
    found = discover(tmp_path, [tmp_path])
    assert found.files == ("__pycache__/x.py", "pkg/a.py")
    assert {s.path for s in found.skipped} == {".venv/pyvenv.cfg", ".venv/x.py"}


def test_large_files_links_and_bad_names_are_set_aside(tmp_path: Path) -> None:
    outside = tmp_path / "outside.py"
    outside.write_text(SHELL, encoding="utf-8")
    root = tmp_path / "root"
    root.mkdir()
    (root / "ok.py").write_text("x = 1\n", encoding="utf-8")
    with (root / "big.py").open("wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)
    (root / "link.py").symlink_to(outside)
    (root / "inner.py").symlink_to(root / "ok.py")
    (root / os.fsdecode(b"bad\xffname.py")).write_text("x = 1\n", encoding="utf-8")
    found = discover(root, [root])
    assert found.files == ("inner.py", "ok.py")  # a link inside the tree is scanned
    reasons = {s.path: s.reason for s in found.skipped}
    assert reasons == {"big.py": TOO_LARGE, "link.py": LINK_OUT, "bad\\xffname.py": BAD_NAME}
    assert found.outside == ("link.py",)


def test_paths_that_do_not_exist_or_leave_the_root(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"a.py": "A = 1\n"})
    with pytest.raises(DiscoveryError, match="path does not exist"):
        find_root([tmp_path / "nope"])
    with pytest.raises(DiscoveryError, match="path does not exist"):
        discover(repo, [repo / "nope"])
    with pytest.raises(DiscoveryError, match="outside the repository root"):
        discover(repo, [tmp_path])


def test_tracked_code_in_a_folder_named_build_is_scanned_or_reported(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"src/build/tasks.py": SHELL, "deploy/env/hooks.py": SHELL,
                                         "ok.py": "x = 1\n"})
    decision = app.scan(app.ScanRequest(paths=(repo,), scanners=("bandit",), use_cache=False))
    seen = {d.finding.location.path for d in decision.items} | {s.path for s in decision.skipped}
    assert {"src/build/tasks.py", "deploy/env/hooks.py"} <= seen
