"""``--changed-since`` and ``--policy-ref`` on real git repositories with the real scanners,
and the scope module (narrowed targets, hook files, the policy at a ref) in process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gate.policy.from_ref import policy_from_ref
from gate.runs import SkippedFile
from gate.tree.discovery import LINK_OUT, TOO_LARGE, Targets
from gate.tree.scope import hook_files, restrict
from tests.helpers import git, load_json, make_repo, run_gate

# Request data in a shell command: fails the default preset (web-command-injection, with
# bandit's B602 and semgrep's pattern rule on the same call).
SHELL = ("import subprocess\nfrom flask import request\n\n\ndef run():\n"
         "    return subprocess.call(request.args['cmd'], shell=True)\n")


def test_changed_since_scans_only_the_changed_file_of_200(tmp_path: Path) -> None:
    files = {f"pkg/mod{i:03}.py": f"VALUE = {i}\n" for i in range(200)}
    repo = make_repo(tmp_path / "repo", files)
    (repo / "pkg/mod123.py").write_text(SHELL, encoding="utf-8")
    git(repo, "commit", "-qam", "change one file")
    out = tmp_path / "out"
    result = run_gate("scan", "--changed-since", "HEAD~1", "--json", str(out / "r.json"),
                      "--sarif", str(out / "r.sarif"), cwd=repo)
    assert result.code == 1, result.output
    report = load_json(out / "r.json")
    assert report["partial"] is True
    assert report["scanned"] == ["pkg/mod123.py"]
    assert report["files_scanned"] == 1
    assert {r["scanner"]: r["files"] for r in report["runs"]}["bandit"] == 1
    assert {(f["rule_id"], f["path"]) for f in report["findings"]} >= {("B602", "pkg/mod123.py")}
    assert "scanned: pkg/mod123.py" in result.stdout
    sarif = load_json(out / "r.sarif")
    ids = {run["automationDetails"]["id"] for run in sarif["runs"]}
    assert ids and all(i.startswith("gate-partial/") for i in ids), ids


def test_changed_since_counts_uncommitted_and_untracked_files(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"a.py": "A = 1\n", "b.py": "B = 1\n"})
    (repo / "b.py").write_text("B = 2\n", encoding="utf-8")
    (repo / "new.py").write_text("N = 1\n", encoding="utf-8")
    out = tmp_path / "r.json"
    result = run_gate("scan", "--scanners", "bandit", "--changed-since", "HEAD", "--json",
                      str(out), cwd=repo)
    assert result.code == 0, result.output
    assert load_json(out)["scanned"] == ["b.py", "new.py"]


def test_unknown_ref_and_no_work_tree_exit_2(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"a.py": "A = 1\n"})
    for flag in ("--changed-since", "--policy-ref"):
        result = run_gate("scan", flag, "no-such-branch", cwd=repo)
        assert result.code == 2, result.output
        assert "no-such-branch" in result.stderr and "does not exist" in result.stderr
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "a.py").write_text("A = 1\n", encoding="utf-8")
    for flag in ("--changed-since", "--policy-ref"):
        result = run_gate("scan", flag, "HEAD", cwd=plain)
        assert result.code == 2, result.output
        assert "not a git work tree" in result.stderr


def test_policy_ref_applies_the_old_policy_when_the_change_loosens_fail_on(tmp_path: Path
                                                                          ) -> None:
    repo = make_repo(tmp_path / "repo", {"gate.toml": 'version = 1\nfail_on = "high"\n',
                                         "app.py": SHELL})
    (repo / "gate.toml").write_text('version = 1\nfail_on = "none"\n', encoding="utf-8")
    git(repo, "commit", "-qam", "loosen the gate")

    loosened = run_gate("scan", "--scanners", "bandit", cwd=repo)
    assert loosened.code == 0, loosened.output

    out = tmp_path / "r.json"
    guarded = run_gate("scan", "--scanners", "bandit", "--policy-ref", "HEAD~1", "--json",
                       str(out), cwd=repo)
    assert guarded.code == 1, guarded.output
    assert "POLICY CHANGED" in guarded.stdout and "gate.toml" in guarded.stdout
    assert "policy read from git ref HEAD~1" in guarded.stdout
    report = load_json(out)
    assert report["policy"]["fail_on"] == "high"
    assert report["policy_changed"].startswith("POLICY CHANGED")

    same = run_gate("scan", "--scanners", "bandit", "--policy-ref", "HEAD", cwd=repo)
    assert same.code == 0 and "POLICY CHANGED" not in same.output


def test_policy_ref_reads_the_extends_chain_and_waivers_from_the_ref(tmp_path: Path) -> None:
    base = 'version = 1\nfail_on = "high"\n'
    repo = make_repo(tmp_path / "repo", {
        "gate.toml": 'version = 1\nextends = "config/base.toml"\n',
        "config/base.toml": base, "app.py": SHELL})
    waiver = ('\n[[waivers]]\nrule = "B602"\nreason = "sneaky"\nexpires = 2999-01-01\n'
              '[[waivers]]\nrule = "python-subprocess-shell-non-literal"\nreason = "sneaky"\n'
              'expires = 2999-01-01\n')
    (repo / "config/base.toml").write_text(base + waiver, encoding="utf-8")
    git(repo, "commit", "-qam", "waive it in the base policy")
    assert run_gate("scan", "--scanners", "bandit", cwd=repo).code == 0

    out = tmp_path / "r.json"
    guarded = run_gate("scan", "--scanners", "bandit", "--policy-ref", "HEAD~1", "--json",
                       str(out), cwd=repo)
    assert guarded.code == 1, guarded.output
    report = json.loads(out.read_text(encoding="utf-8"))
    assert "config/base.toml" in report["policy_changed"]
    assert [Path(p).name for p in report["policy"]["chain"]] == ["gate.toml", "base.toml"]


def test_policy_ref_ignores_pyproject_edits_outside_tool_gate(tmp_path: Path) -> None:
    pyproject = '[project]\nname = "x"\nversion = "1"\n\n[tool.gate]\nversion = 1\n'
    repo = make_repo(tmp_path / "repo", {"pyproject.toml": pyproject, "a.py": "A = 1\n"})
    (repo / "pyproject.toml").write_text(pyproject.replace('"1"', '"2"'), encoding="utf-8")
    result = run_gate("scan", "--scanners", "bandit", "--policy-ref", "HEAD", cwd=repo)
    assert result.code == 0 and "POLICY CHANGED" not in result.output, result.output
    (repo / "pyproject.toml").write_text(pyproject + 'fail_on = "none"\n', encoding="utf-8")
    result = run_gate("scan", "--scanners", "bandit", "--policy-ref", "HEAD", cwd=repo)
    assert "POLICY CHANGED: this change modifies pyproject.toml" in result.stdout


# --- the scope module in process -------------------------------------------------------------


def test_restrict_keeps_only_the_given_targets(tmp_path: Path) -> None:
    targets = Targets(tmp_path, ("a.py", "pkg/b.py", "pkg/c.py"),
                      (SkippedFile("big.py", TOO_LARGE), SkippedFile("link.py", LINK_OUT)))
    narrowed = restrict(targets, ["./pkg/b.py", "pkg\\c.py", "big.py", "not-there.py"])
    assert narrowed.files == ("pkg/b.py", "pkg/c.py")
    assert narrowed.skipped == (SkippedFile("big.py", TOO_LARGE),) and narrowed.outside == ()


def test_hook_files_are_made_relative_and_outsiders_dropped(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_repo(tmp_path / "repo", {"src/a.py": "A = 1\n"})
    monkeypatch.chdir(root / "src")
    assert hook_files(root, [Path("a.py"), root / "src" / "a.py", tmp_path / "elsewhere.py",
                             Path("../src/./a.py")]) == ["src/a.py", "src/a.py", "src/a.py"]


def test_moving_the_policy_file_is_called_out(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"gate.toml": 'version = 1\nfail_on = "high"\n'})
    git(repo, "mv", "gate.toml", ".gate.toml")
    (repo / ".gate.toml").write_text('version = 1\nfail_on = "none"\n', encoding="utf-8")
    found = policy_from_ref(repo.resolve(), None, "HEAD")
    assert found.ref == "HEAD" and found.policy.fail_on is not None
    assert found.changed.startswith("POLICY CHANGED: this change moves the policy from "
                                    "gate.toml (at HEAD) to .gate.toml")


def test_an_explicit_policy_path_is_read_at_the_ref(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo(tmp_path / "repo", {"ci/policy.toml": 'version = 1\nfail_on = "low"\n'})
    (repo / "ci" / "policy.toml").write_text('version = 1\nfail_on = "none"\n',
                                             encoding="utf-8")
    monkeypatch.chdir(repo / "ci")
    found = policy_from_ref(repo.resolve(), Path("policy.toml"), "HEAD")
    assert found.policy.fail_on is not None and found.policy.fail_on.word == "low"
    assert found.changed == ("POLICY CHANGED: this change modifies ci/policy.toml; the policy "
                             "at HEAD applies, not the modified one")
