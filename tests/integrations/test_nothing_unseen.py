"""Nothing unseen: every file of the tree is analysed or listed with its reason, and each case
that once passed a build silently is now found at its real path and line (real tools)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.helpers import git, load_json, make_repo, run_gate, sarif_results

pytestmark = pytest.mark.slow  # a real scan per coverage case

# TLS verification off (B501, high) on line 2: fails the default preset on bandit's word alone.
HIT = "import requests\nrequests.get(input(), verify=False, timeout=5)\n"
POD = ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n"
       "    - name: c\n      image: nginx:1.27\n      securityContext:\n"
       "        privileged: true\n")
WORKFLOW = ("on: pull_request_target\npermissions: {}\njobs:\n  a:\n    runs-on: ubuntu-latest\n"
            "    steps:\n      - run: echo \"${{ github.event.pull_request.title }}\"\n")


def _scan(repo: Path, tmp: Path, *args: str) -> tuple[int, str, dict, dict]:
    result = run_gate("scan", ".", "--no-cache", "--sarif", str(tmp / "o.sarif"), "--json",
                      str(tmp / "o.json"), *args, cwd=repo)
    return result.code, result.stdout, load_json(tmp / "o.sarif"), load_json(tmp / "o.json")


def test_folders_once_skipped_by_name_are_scanned(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", files={
        "src/app/dist/handler.py": HIT, "deploy/env/prod/pod.yaml": POD,
        "build/docker/Dockerfile": "FROM python:3.12\nUSER root\n", ".vscode/tasks.py": HIT})
    code, out, sarif, report = _scan(repo, tmp_path, "--scanners", "bandit,semgrep")
    assert code == 1, out
    found = sarif_results(sarif)
    assert ("bandit", "B501", "src/app/dist/handler.py", 2) in found
    assert ("bandit", "B501", ".vscode/tasks.py", 2) in found
    assert any(r[2] == "deploy/env/prod/pod.yaml" for r in found)
    assert report["coverage"]["files"] == 4 and report["coverage"]["not_analysed"] == []


def test_an_untracked_virtualenv_is_listed_and_a_tracked_venv_folder_is_scanned(
        tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", files={"venv/tool.py": HIT})
    (repo / ".venv" / "lib").mkdir(parents=True)
    (repo / ".venv" / "pyvenv.cfg").write_text("home = /usr\n", encoding="utf-8")
    (repo / ".venv" / "lib" / "x.py").write_text(HIT, encoding="utf-8")
    code, out, sarif, report = _scan(repo, tmp_path, "--scanners", "bandit")
    assert code == 1
    assert [r[2] for r in sarif_results(sarif)] == ["venv/tool.py"]
    skipped = {s["path"]: s["reason"] for s in report["coverage"]["not_analysed"]}
    assert skipped[".venv/lib/x.py"].startswith("inside an untracked virtualenv")
    assert "not analysed: inside an untracked virtualenv (it has pyvenv.cfg) (2)" in out


def test_nested_workflows_and_dependabot_files_are_audited(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", files={
        "services/api/.github/workflows/ci.yml": WORKFLOW,
        ".github/workflows/root.yml": WORKFLOW})
    code, out, sarif, _ = _scan(repo, tmp_path, "--scanners", "zizmor")
    assert code == 1, out
    paths = {r[2] for r in sarif_results(sarif) if r[1] == "template-injection"}
    assert paths == {"services/api/.github/workflows/ci.yml", ".github/workflows/root.yml"}


def test_secrets_in_key_files_images_lock_files_and_binaries(tmp_path: Path) -> None:
    token = "ghp_" + "aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5"
    repo = make_repo(tmp_path / "r", files={
        "icon.svg": f"<svg><!-- {token} --></svg>\n",
        "package-lock.json": json.dumps({"token": token}) + "\n",
        "yarn.lock": f"token {token}\n", "node_modules/m/index.js": f"var t = '{token}';\n",
        "notes.txt": f"token = {token}\n"})
    (repo / "upload.db").write_bytes(b"SQLite format 3\0\0\0" + f"\nt={token}\n".encode())
    code, out, sarif, _ = _scan(repo, tmp_path, "--scanners", "secrets")
    assert code == 1, out
    paths = {r[2] for r in sarif_results(sarif)}
    assert paths >= {"icon.svg", "package-lock.json", "yarn.lock", "node_modules/m/index.js",
                     "notes.txt", "upload.db"}
    assert token not in out


def test_every_manifest_kind_is_read_and_ranges_in_libraries_are_low(tmp_path: Path) -> None:
    osv = tmp_path / "osv" / "starlette"
    osv.mkdir(parents=True)
    (osv / "PYSEC-1-1.json").write_text(json.dumps({
        "id": "PYSEC-1-1", "affected": [{"package": {"name": "starlette", "ecosystem": "PyPI"},
                                         "versions": ["0.17.1"]}]}), encoding="utf-8")
    repo = make_repo(tmp_path / "r", files={
        "dev-requirements.txt": "starlette==0.17.1\n",
        "setup.cfg": "[options]\ninstall_requires =\n    requests>=2\n",
        "setup.py": "from setuptools import setup\nDEPS = ['flask>=2']\n"
                    "setup(name='x', install_requires=DEPS)\n",
        "requirements.in": "django>=4\n",
        "pyproject.toml": '[tool.flit.metadata]\nmodule = "x"\nrequires = ["attrs>=20"]\n'})
    code, out, sarif, report = _scan(repo, tmp_path, "--scanners", "pip-audit",
                                     "--advisory-db", str(tmp_path / "osv"))
    assert code == 0, out  # the vulnerable pin is development-only: judged in tests, warns
    assert ("pip-audit", "PYSEC-1-1", "dev-requirements.txt", 1) in sarif_results(sarif)
    [pin] = [f for f in report["findings"] if f["rule_id"] == "PYSEC-1-1"]
    assert (pin["manifest_class"], pin["path_class"], pin["disposition"]) == (
        "dev", "tests", "warn")
    unpinned = {(f["path"], f["start_line"]): (f["severity"], f["disposition"])
                for f in report["findings"] if f["rule_id"] == "gate/unpinned-dependency"}
    assert unpinned == {("setup.cfg", 3): ("low", "warn"), ("setup.py", 2): ("low", "warn"),
                        ("requirements.in", 1): ("low", "warn"),
                        ("pyproject.toml", 3): ("low", "warn")}
    assert not (repo / "SETUP-RAN").exists()


def test_a_symlink_inside_the_tree_is_scanned_as_its_own_name(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", files={"docs/helper.txt": HIT})
    os.symlink("docs/helper.txt", repo / "helper.py")
    git(repo, "add", "helper.py")
    git(repo, "commit", "-q", "-m", "link")
    code, out, sarif, _ = _scan(repo, tmp_path, "--scanners", "bandit")
    assert code == 1, out
    assert ("bandit", "B501", "helper.py", 2) in sarif_results(sarif)


def test_submodules_and_nested_repositories_are_scanned_or_listed(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", files={"app.py": "x = 1\n"})
    make_repo(repo / "vendor" / "lib", files={"lib.py": HIT})  # a nested repository
    code, out, sarif, _ = _scan(repo, tmp_path, "--scanners", "bandit")
    assert code == 1, out
    assert ("bandit", "B501", "vendor/lib/lib.py", 2) in sarif_results(sarif)
    (repo / "gate.toml").write_text('version = 1\nsubmodules = "skip"\n', encoding="utf-8")
    code, out, sarif, report = _scan(repo, tmp_path, "--scanners", "bandit")
    assert code == 0, out
    skipped = {s["path"]: s["reason"] for s in report["coverage"]["not_analysed"]}
    assert skipped["vendor/lib"].startswith("a submodule or nested repository")


def test_a_policy_that_hides_everything_says_so(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", files={
        "app.py": HIT, "gate.toml": 'version = 1\n[[rules]]\nid = "*"\nignore = true\n'
                                    'reason = "quiet"\n'})
    result = run_gate("scan", ".", "--no-cache", "--scanners", "bandit", cwd=repo)
    assert result.code == 0
    assert "warning: [[rules]] #1 hides 1 of 1 finding(s) (every finding of bandit)" in \
        result.stdout.splitlines()[1]
    check = run_gate("policy", "check", cwd=repo)
    assert "[[rules]] #1 (id = '*') hides every finding" in check.stdout


def test_semgrep_files_it_silently_ignores_are_listed(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", files={"TOOL.PY": HIT, "ok.py": HIT,
                                            "Dockerfile-dev": "FROM python:3.12\nUSER root\n"})
    _, out, sarif, report = _scan(repo, tmp_path, "--scanners", "semgrep")
    (run,) = report["runs"]
    assert {"path": "TOOL.PY", "reason": "semgrep did not scan it (no language for its name?)"} \
        in run["skipped"]
    assert any(r[2] == "Dockerfile-dev" for r in sarif_results(sarif)), out


def test_lines_are_numbered_as_the_tool_numbers_them(tmp_path: Path) -> None:
    # U+2028 is not a line break for Python or semgrep: the comment on line 2 names nothing
    repo = make_repo(tmp_path / "r", files={
        "app.py": "x = '\u2028'  # gate: ignore[B501] not this line\n" + HIT})
    code, out, sarif, _ = _scan(repo, tmp_path, "--scanners", "bandit")
    assert code == 1, out
    assert ("bandit", "B501", "app.py", 3) in sarif_results(sarif)


def test_a_skip_the_change_caused_fails_and_an_old_one_warns(tmp_path: Path) -> None:
    big = "x = 1\n" * (2 * 1024 * 1024)  # 12 MB: over the gate's file limit
    repo = make_repo(tmp_path / "r", files={"old_big.py": big, "app.py": "x = 1\n"})
    result = run_gate("scan", ".", "--no-cache", "--scanners", "bandit", "--policy-ref", "HEAD",
                      cwd=repo)
    assert result.code == 0, result.output
    assert "warning: 1 file(s) skipped by a scanner: old_big.py" in result.stdout
    (repo / "new_big.py").write_text(big, encoding="utf-8")
    result = run_gate("scan", ".", "--no-cache", "--scanners", "bandit", "--policy-ref", "HEAD",
                      cwd=repo)
    assert result.code == 1, result.output
    assert "new_big.py (gate: larger than the gate's 10 MB file limit) (changed by this " \
        "change" in result.stdout


def test_a_secret_added_and_removed_inside_the_change_still_fails(tmp_path: Path) -> None:
    token = "ghp_" + "aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5"
    repo = make_repo(tmp_path / "r", files={
        "app.py": "x = 1\n",
        "gate.toml": 'version = 1\n[scanners.secrets]\ngit_history = "pr"\n'})
    git(repo, "branch", "base")
    (repo / "leak.txt").write_text(f"token = {token}\n", encoding="utf-8")
    git(repo, "add", "leak.txt")
    git(repo, "commit", "-q", "-m", "add")
    git(repo, "rm", "-q", "leak.txt")
    git(repo, "commit", "-q", "-m", "remove")
    out = tmp_path / "o.json"
    result = run_gate("scan", ".", "--no-cache", "--scanners", "secrets", "--policy-ref",
                      "base", "--json", str(out), cwd=repo)
    assert result.code == 1, result.output
    (finding,) = [f for f in load_json(out)["findings"] if "git-history" in f["tags"]]
    assert finding["path"] == "leak.txt" and finding["rule_id"] == "betterleaks.github-pat"
    assert "found in commit" in finding["message"] and token not in result.output
    no_base = run_gate("scan", ".", "--no-cache", "--scanners", "secrets", cwd=repo)
    assert no_base.code == 3 and "fetch-depth: 0" in no_base.stdout


def test_a_workflow_zizmor_cannot_load_is_listed_and_the_others_audited(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", files={".github/workflows/bad.yml": "on: push\njobs: [\n",
                                            ".github/workflows/good.yml": WORKFLOW})
    code, out, sarif, report = _scan(repo, tmp_path, "--scanners", "zizmor")
    assert code == 1, out
    assert any(r[1] == "template-injection" and r[2] == ".github/workflows/good.yml"
               for r in sarif_results(sarif))
    (run,) = report["runs"]
    assert run["skipped"] == [{"path": ".github/workflows/bad.yml",
                               "reason": "zizmor could not load it as a workflow"}]
