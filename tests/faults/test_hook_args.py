"""File names are never options: staged files named ``--help``, ``-h``, ``--fail-on=none``
or ``--scanners=bidi`` cannot turn the commit hook off, every scanner reads files named
like flags, and a staged symlink reaches the hook and is scanned through its target.

The fast tests run ``gate scan --hook`` as pre-commit does; the slow ones run the real
pre-commit (``try-repo`` and ``run --all-files`` with a ``.pre-commit-config.yaml``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gate.cli.commands import main
from gate.cli.hook_args import after_dashes
from tests.faults.conftest import APP, WORKFLOW, github_token
from tests.helpers import FIXTURES, GateRun, git, make_repo, run_gate

OPTION_NAMES = ("--help", "-h", "--fail-on=none", "--scanners=bidi")
ADVICE = "end your `args:` in .pre-commit-config.yaml with `--`"
HELPER = "docs/helper.txt"  # holds the injection; ``helper.py`` links to it


def _staged(root: Path) -> Path:
    """A repository with ``app.py`` (B602 at line 6) and the option-named files staged."""
    repo = make_repo(root, {"README.md": "demo\n"})
    (repo / "app.py").write_text(APP, encoding="utf-8")
    for name in OPTION_NAMES:
        (repo / name).write_text("plain text\n", encoding="utf-8")
    git(repo, "add", "--", "app.py", *OPTION_NAMES)
    return repo


def _linked(root: Path) -> Path:
    """``docs/helper.txt`` (an injection, committed; no scanner of code reads ``.txt``), and
    staged: ``helper.py`` linking to it, ``elsewhere.py`` linking out of the repository."""
    repo = make_repo(root, {HELPER: APP})
    outside = root.parent / f"{root.name}-outside.py"
    outside.write_text(APP, encoding="utf-8")
    (repo / "helper.py").symlink_to(HELPER)
    (repo / "elsewhere.py").symlink_to(outside)
    git(repo, "add", "helper.py", "elsewhere.py")
    return repo


def _findings(done: GateRun, report: Path) -> set[tuple[str, str, str, int]]:
    assert report.exists(), done.output
    data = json.loads(report.read_text(encoding="utf-8"))
    return {(f["scanner"], f["rule_id"], f["path"], f["start_line"])
            for f in data["findings"]}


@pytest.mark.parametrize("name", OPTION_NAMES)
def test_hook_without_dashes_exits_2_before_any_name_is_read(tmp_path: Path, name: str) -> None:
    repo = _staged(tmp_path / "repo")
    done = run_gate("scan", "--hook", name, "app.py", cwd=repo)
    assert done.code == 2, done.output
    assert ADVICE in done.stderr and "--hook: the file names must follow `--`" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr  # one line
    assert "Usage:" not in done.output and "PASSED" not in done.output


def test_the_dashes_are_found_in_the_raw_arguments(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """In process, through the console entry point: click drops ``--``, the gate does not."""
    assert after_dashes(["--hook", "--", "--help", "--"]) == 2
    assert after_dashes(["--hook", "--help"]) is None
    monkeypatch.chdir(_staged(tmp_path / "repo"))
    for argv, message in [(["--hook", "--help", "app.py"], ADVICE),
                          (["--hook", "app.py", "--"], "1 came before it")]:
        with pytest.raises(SystemExit) as exited:
            main(["scan", *argv])
        assert exited.value.code == 2 and message in capsys.readouterr().err


def test_user_args_without_dashes_exit_2(tmp_path: Path) -> None:
    """A user's ``args: [--fail-on=high]`` replaces the hook's ``[--]``."""
    repo = _staged(tmp_path / "repo")
    done = run_gate("scan", "--hook", "--fail-on=high", *OPTION_NAMES, "app.py", cwd=repo)
    assert done.code == 2 and ADVICE in done.stderr, done.output


def test_a_file_name_before_the_dashes_exits_2(tmp_path: Path) -> None:
    repo = _staged(tmp_path / "repo")
    done = run_gate("scan", "--hook", "app.py", "--", "--help", cwd=repo)
    assert done.code == 2, done.output
    assert "--hook: every file name must follow `--`; 1 came before it" in done.stderr


def test_option_named_files_after_the_dashes_are_files(tmp_path: Path) -> None:
    repo = _staged(tmp_path / "repo")
    out = tmp_path / "out.json"
    done = run_gate("scan", "--hook", "--json", str(out), "--", *OPTION_NAMES, "app.py",
                    cwd=repo)
    assert done.code == 1, done.output
    assert ("bandit", "B602", "app.py", 6) in _findings(done, out)
    data = json.loads(out.read_text(encoding="utf-8"))
    assert sorted(data["scanned"]) == sorted([*OPTION_NAMES, "app.py"])


def test_every_scanner_reads_files_named_like_options(tmp_path: Path) -> None:
    """bandit (``-- ./-h.py``), semgrep and zizmor (``-- NAME``), kingfisher (a mirror
    folder, no names on its command line) and the bidi check each find their issue in a file
    whose name is an option. pip-audit never gets a file name: it reads requirement files
    the gate writes under names of its own."""
    token = github_token()
    workflow = ".github/workflows/--help.yml"
    files = {"-h.py": APP, "--fail-on=none": f"GH_PAT={token}\n",
             "--scanners=bidi": "Nothing to see \u202ehere.\n"}
    repo = make_repo(tmp_path / "repo", files, commit=False)
    (repo / workflow).parent.mkdir(parents=True)
    shutil.copy(FIXTURES / "config" / "zizmor-repo" / WORKFLOW, repo / workflow)
    out = tmp_path / "out.json"
    done = run_gate("scan", "--hook", "--scanners", "bandit,semgrep,zizmor,secrets,bidi",
                    "--json", str(out), "--", *files, workflow, cwd=repo)
    assert done.code == 1, done.output
    found = _findings(done, out)
    for expected in [("bandit", "B602", "-h.py", 6),
                     ("semgrep", "python-subprocess-shell-non-literal", "-h.py", 6),
                     ("zizmor", "dangerous-triggers", workflow, 3),
                     ("secrets", "betterleaks.github-pat", "--fail-on=none", 1),
                     ("bidi", "gate/bidi-control", "--scanners=bidi", 1)]:
        assert expected in found, (expected, found)
    assert token not in done.output


def test_a_staged_symlink_is_scanned_through_its_target(tmp_path: Path) -> None:
    repo = _linked(tmp_path / "repo")
    out = tmp_path / "out.json"
    done = run_gate("scan", "--hook", "--json", str(out), "--", "helper.py", "elsewhere.py",
                    cwd=repo)
    assert done.code == 1, done.output
    assert ("bandit", "B602", "helper.py", 6) in _findings(done, out)
    data = json.loads(out.read_text(encoding="utf-8"))
    assert {"path": "elsewhere.py",
            "reason": "symlink whose target is outside the repository, missing or a loop; "
                      "not followed"} in data["coverage"]["not_analysed"]
    assert "elsewhere.py" in done.stdout  # named in the console too


# --- the real pre-commit -------------------------------------------------------------------


def _pre_commit(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).parent / "pre-commit"
    return subprocess.run([str(exe) if exe.exists() else "pre-commit", *args], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=1800)


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A committed snapshot of this repository, and pre-commit's environment, as in
    tests/integrations/test_precommit.py (the Action's pins; this checkout off the path)."""
    from tests.integrations.test_precommit import _snapshot

    if shutil.which("pre-commit") is None and not (Path(sys.executable).parent /
                                                   "pre-commit").exists():
        pytest.skip("pre-commit is not installed")
    base = tmp_path_factory.mktemp("precommit")
    source = _snapshot(base / "hook-repo")
    pins = re.findall(r"^[\w.-]+==[^\s;\\]+", (source / "requirements" / "action.txt")
                      .read_text("utf-8"), re.M)
    (base / "pins.txt").write_text("\n".join(pins) + "\n", encoding="utf-8")
    env = {**os.environ, "PRE_COMMIT_HOME": str(base / "cache"),
           "PIP_CONSTRAINT": str(base / "pins.txt")}
    env.pop("GITHUB_ACTIONS", None)
    env.pop("PYTHONPATH", None)
    return source, env


# pre-commit installs the hook's environment from a snapshot of this repository (~30 s).
@pytest.mark.slow
@pytest.mark.parametrize("all_files", [False, True], ids=["staged", "all-files"])
def test_pre_commit_fails_despite_option_named_files(
        hook_repo: tuple[Path, dict[str, str]], tmp_path: Path, all_files: bool) -> None:
    source, env = hook_repo
    work = _staged(tmp_path / "work")
    if all_files:
        git(work, "commit", "-q", "-m", "option-named files")
    done = _pre_commit("try-repo", str(source), "gate", "--verbose",
                       *(["--all-files"] if all_files else []), cwd=work, env=env)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "app.py:6 semgrep/web-command-injection" in output, output
    assert "Usage:" not in output and "PASSED" not in output, output


# Slow for the same reason: the hook's environment is installed once per module.
@pytest.mark.slow
@pytest.mark.parametrize("args,refused", [(None, False), (["--fail-on=high"], True),
                                          (["--fail-on=high", "--"], False)],
                         ids=["hook-args", "user-args-without-dashes", "user-args-with-dashes"])
def test_pre_commit_run_all_files_with_a_config(
        hook_repo: tuple[Path, dict[str, str]], tmp_path: Path, args: list[str] | None,
        refused: bool) -> None:
    """``pre-commit run --all-files``: the hook's own args, a user's args that replace them
    without ``--`` (exit 2, with the advice), and a user's args ending with ``--``."""
    source, env = hook_repo
    work = _staged(tmp_path / "work")
    rev = git(source, "rev-parse", "HEAD").strip()
    hook = {"id": "gate", **({"args": args} if args is not None else {})}
    config = {"repos": [{"repo": str(source), "rev": rev, "hooks": [hook]}]}
    (work / ".pre-commit-config.yaml").write_text(json.dumps(config), encoding="utf-8")
    git(work, "add", ".pre-commit-config.yaml")
    git(work, "commit", "-q", "-m", "hook")
    done = _pre_commit("run", "--all-files", "--verbose", cwd=work, env=env)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "Passed" not in output and "PASSED" not in output, output
    if refused:
        assert ADVICE in output and "exit code: 2" in output, output
        assert "web-command-injection" not in output, output
    else:
        assert "app.py:6 semgrep/web-command-injection" in output, output


@pytest.mark.slow  # the hook's environment, as above
def test_pre_commit_passes_a_staged_symlink_to_the_hook(
        hook_repo: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    source, env = hook_repo
    work = _linked(tmp_path / "work")
    done = _pre_commit("try-repo", str(source), "gate", "--verbose", cwd=work, env=env)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "helper.py:6 semgrep/web-command-injection" in output, output
    assert "elsewhere.py" in output, output  # listed as a symlink not followed
    assert os.path.islink(work / "helper.py")
