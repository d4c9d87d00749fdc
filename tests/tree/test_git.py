"""The one place git runs: work trees, refs, files at a ref, changed files; and a scanned
repository's own git configuration never makes git start a program of its own."""

from __future__ import annotations

from pathlib import Path

import pytest

from gate.errors import GitError
from gate.tree import git as gate_git
from tests.helpers import git, make_repo


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = make_repo(tmp_path / "repo", {"a.py": "A = 1\n", "pkg/b.py": "B = 1\n",
                                         "gate.toml": "version = 1\n", ".gitignore": "*.log\n"})
    (root / "pkg" / "b.py").write_text("B = 2\n", encoding="utf-8")
    git(root, "commit", "-qam", "second")
    return root


def test_work_tree_and_listed_files(repo: Path, tmp_path: Path) -> None:
    (repo / "new.py").write_text("N = 1\n", encoding="utf-8")
    (repo / "debug.log").write_text("ignored\n", encoding="utf-8")
    assert gate_git.toplevel(repo / "pkg") == repo.resolve()
    assert gate_git.listed_files(repo) == [".gitignore", "a.py", "gate.toml", "new.py",
                                           "pkg/b.py"]
    assert gate_git.has_tracked_files(repo, "pkg")
    assert not gate_git.has_tracked_files(repo, "new.py")
    plain = tmp_path / "plain"
    plain.mkdir()
    assert gate_git.toplevel(plain) is None and gate_git.listed_files(plain) is None
    with pytest.raises(GitError, match="not a git work tree"):
        gate_git.require_work_tree(plain)


def test_refs(repo: Path) -> None:
    head = git(repo, "rev-parse", "HEAD").strip()
    assert gate_git.resolve(repo, "HEAD") == head
    assert gate_git.resolve(repo, "main") == head
    with pytest.raises(GitError, match="'no-such-branch' does not exist"):
        gate_git.resolve(repo, "no-such-branch")
    for bad in ("", "--output=/tmp/x"):
        with pytest.raises(GitError, match="not a git ref"):
            gate_git.resolve(repo, bad)


def test_files_as_they_are_at_a_ref(repo: Path) -> None:
    assert gate_git.read_from_ref(repo, "HEAD~1", "pkg/b.py") == "B = 1\n"
    assert gate_git.read_from_ref(repo, "HEAD", repo / "pkg" / "b.py") == "B = 2\n"
    assert gate_git.exists_in_ref(repo, "HEAD", "gate.toml")
    assert not gate_git.exists_in_ref(repo, "HEAD", "pkg")  # a tree, not a file
    assert not gate_git.exists_in_ref(repo, "HEAD", "../outside.toml")
    with pytest.raises(KeyError, match="does not exist at HEAD"):
        gate_git.read_from_ref(repo, "HEAD", "missing.toml")
    with pytest.raises(KeyError, match="outside the repository"):
        gate_git.read_from_ref(repo, "HEAD", "/etc/passwd")
    source = gate_git.RefSource.open(repo, "HEAD~1")
    assert source.reader()(repo / "pkg" / "b.py") == "B = 1\n"
    assert source.exists()(repo / "a.py") and not source.exists()(repo / "new.py")


def test_changed_files_since_the_merge_base(repo: Path) -> None:
    git(repo, "checkout", "-qb", "feature")
    (repo / "a.py").write_text("A = 2\n", encoding="utf-8")
    git(repo, "rm", "-q", "gate.toml")
    git(repo, "commit", "-qam", "feature work")
    (repo / "untracked.py").write_text("U = 1\n", encoding="utf-8")
    assert gate_git.merge_base(repo, "main") == git(repo, "rev-parse", "main").strip()
    # deleted files are left out; untracked ones are in
    assert gate_git.changed_files(repo, "main") == ["a.py", "untracked.py"]


def test_unrelated_history_has_no_merge_base(repo: Path) -> None:
    git(repo, "checkout", "-q", "--orphan", "other")
    git(repo, "commit", "-qm", "unrelated", "--allow-empty")
    with pytest.raises(GitError, match="no merge base"):
        gate_git.merge_base(repo, "main")


def test_the_repositorys_fsmonitor_and_hooks_never_run(repo: Path, tmp_path: Path) -> None:
    marker = tmp_path / "repository-code-ran"
    script = tmp_path / "evil.sh"
    script.write_text(f"#!/bin/sh\ntouch {marker}\n", encoding="utf-8")
    script.chmod(0o755)
    git(repo, "config", "core.fsmonitor", str(script))
    hooks = repo / ".git" / "hooks"
    hooks.mkdir(exist_ok=True)
    for name in ("post-checkout", "reference-transaction", "post-index-change"):
        (hooks / name).write_text(f"#!/bin/sh\ntouch {marker}\n", encoding="utf-8")
        (hooks / name).chmod(0o755)
    git(repo, "diff", "--name-only", "HEAD", "--")  # plain git runs the fsmonitor...
    assert marker.exists()
    marker.unlink()
    gate_git.listed_files(repo)  # ...the gate's git does not
    gate_git.changed_files(repo, "HEAD~1")
    gate_git.read_from_ref(repo, "HEAD", "a.py")
    assert not marker.exists()


def test_added_blobs_lists_each_file_version_the_commits_wrote(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "h", files={"a.txt": "one\n"})
    git(root, "branch", "base")
    (root / "a.txt").write_text("two\n")
    (root / "node_modules" / "x").mkdir(parents=True)
    (root / "node_modules" / "x" / "i.js").write_text("js\n")
    (root / "link").symlink_to("a.txt")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "change")
    git(root, "checkout", "-q", "-b", "side", "base")
    (root / "side.txt").write_text("side\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "side")
    git(root, "checkout", "-q", "main")
    git(root, "merge", "-q", "--no-edit", "side")
    git(root, "rm", "-q", "-r", "node_modules")
    git(root, "commit", "-q", "-m", "remove")
    base = git(root, "rev-parse", "base").strip()
    blobs = gate_git.added_blobs(root, base)
    assert sorted(b.path for b in blobs) == ["a.txt", "node_modules/x/i.js", "side.txt"]
    contents = dict(gate_git.read_blobs(root, [b.blob for b in blobs]))
    assert sorted(contents.values()) == [b"js\n", b"side\n", b"two\n"]
    every = gate_git.added_blobs(root, None)
    assert sorted(b.path for b in every) == ["a.txt", "a.txt", "node_modules/x/i.js",
                                              "side.txt"]
    assert gate_git.blob_sizes(root, [b.blob for b in blobs]) == {
        b.blob: len(contents[b.blob]) for b in blobs}
    with pytest.raises(GitError):
        gate_git.added_blobs(tmp_path, None)
