"""Outputs never follow links, and reports on standard output stay inert.

A pull request commits a symlink where a report will be written (``gate.sarif ->`` a file
outside the checkout); the gate used to write through it. Each output now replaces the
link (the outside file is untouched), a linked folder inside the tree is refused with exit
2 and one line, and a report written to standard output under GitHub Actions is fenced
like the console; HTML and JUnit show bidi and control characters instead of obeying them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import git, make_repo, run_gate

PRECIOUS = "do not overwrite\n"
OUTPUTS = ("--sarif", "--json", "--html", "--junit", "--sbom", "--pr-comment", "--codequality",
           "--gitlab-sast")
NEWLINE_NAME = "a\n::warning title=pwned::owned.txt"
BIDI_NAME = "evil\u202etxt.py.txt"


def _linked(tmp: Path) -> tuple[Path, Path]:
    """A repository whose committed ``out/<option>`` names link to one file outside it."""
    outside = tmp / "outside.txt"
    outside.write_text(PRECIOUS, encoding="utf-8")
    repo = make_repo(tmp / "r", {"notes.txt": "plain\n"}, commit=False)
    (repo / "out").mkdir()
    for option in (*OUTPUTS, "--shard"):
        (repo / "out" / option.strip("-")).symlink_to(outside)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "links")
    return repo, outside


# Every output goes through the same writer (gate/cli/outfiles.py): two stay in the fast tier,
# the others (a gate run each) are slow.
FAST_OUTPUTS = ("--sarif", "--html")


@pytest.mark.parametrize("option", [
    o if o in FAST_OUTPUTS else pytest.param(o, marks=pytest.mark.slow) for o in OUTPUTS])
def test_an_output_link_is_replaced_not_followed(tmp_path: Path, option: str) -> None:
    repo, outside = _linked(tmp_path)
    target = repo / "out" / option.strip("-")
    done = run_gate("scan", ".", "--no-cache", "--scanners", "bidi", option, str(target),
                    cwd=repo)
    assert done.code == 0, done.output
    assert outside.read_text(encoding="utf-8") == PRECIOUS
    assert not target.is_symlink() and target.stat().st_size > 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["outside.txt", "r"]


def test_a_shard_report_link_is_replaced(tmp_path: Path) -> None:
    """The Action's shard report: it overwrote a file outside the workspace."""
    repo, outside = _linked(tmp_path)
    target = repo / "out" / "shard"
    done = run_gate("scan", ".", "--no-cache", "--scanners", "bidi", "--shard", "1/2",
                    "--json", str(target), cwd=repo)
    assert done.code == 0, done.output
    assert outside.read_text(encoding="utf-8") == PRECIOUS
    assert not target.is_symlink() and '"shard"' in target.read_text(encoding="utf-8")


def test_a_linked_folder_inside_the_tree_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    repo = make_repo(tmp_path / "r", {"notes.txt": "plain\n"}, commit=False)
    (repo / "reports").symlink_to(outside, target_is_directory=True)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "link")
    done = run_gate("scan", ".", "--no-cache", "--scanners", "bidi", "--json",
                    "reports/gate.json", cwd=repo)
    assert done.code == 2, done.output
    errors = [line for line in done.stderr.splitlines() if "error" in line]
    assert errors == [f"gate: error: cannot write reports/gate.json: {repo / 'reports'} is "
                      "a link inside the scanned tree; outputs never follow links"]
    assert list(outside.iterdir()) == []


def _hostile(tmp: Path) -> Path:
    """Files whose names hold a line break with a workflow command, and a U+202E, each with
    a bidi control in its text (so the bidi check reports it)."""
    repo = make_repo(tmp / "r", {"README.md": "x\n"}, commit=False)
    for name in (NEWLINE_NAME, BIDI_NAME):
        (repo / name).write_text("Nothing \u202ehere\n", encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "hostile names")
    return repo


def _actions(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GITHUB_ACTIONS": "true"}
    for name in ("GITHUB_STEP_SUMMARY", "GITHUB_OUTPUT"):
        env.pop(name, None)
    return subprocess.run([sys.executable, "-P", "-m", "gate", *args], cwd=repo, env=env,
                          capture_output=True, text=True, timeout=300)


def _live_commands(stdout: str) -> list[str]:
    """Lines that GitHub would run as workflow commands (outside every fence)."""
    live, token = [], None
    for line in stdout.splitlines():
        if token is not None:
            if line == f"::{token}::":
                token = None
            continue
        if line.startswith("::stop-commands::"):
            token = line.removeprefix("::stop-commands::")
            continue
        if line.startswith("::"):
            live.append(line)
    return live


@pytest.mark.parametrize("option", ["--html", "--junit"])
def test_a_report_on_stdout_under_actions_is_fenced(tmp_path: Path, option: str) -> None:
    repo = _hostile(tmp_path)
    done = _actions(repo, "scan", ".", "--no-cache", "--scanners", "bidi", option, "-")
    assert done.returncode == 1, done.stderr
    assert "::warning title=pwned::owned.txt" in done.stdout  # the name is there ...
    assert _live_commands(done.stdout) == []  # ... but never live
    assert done.stdout.startswith("::stop-commands::")


@pytest.mark.parametrize("option", ["--html", "--junit"])
def test_reports_show_bidi_controls(tmp_path: Path, option: str) -> None:
    repo = _hostile(tmp_path)
    out = tmp_path / "report"
    done = run_gate("scan", ".", "--no-cache", "--scanners", "bidi", option, str(out),
                    cwd=repo)
    assert done.code == 1, done.output
    text = out.read_text(encoding="utf-8")
    assert "\u202e" not in text
    assert "evil\\u202etxt.py.txt" in text
