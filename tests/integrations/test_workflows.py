"""The action and workflows of this repository: actionlint, zizmor and the gate's own scan."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.helpers import REPO_ROOT, run_gate

# The Action and the workflows, checked by actionlint, zizmor and the gate itself.
pytestmark = pytest.mark.slow

WORKFLOWS = sorted((REPO_ROOT / ".github" / "workflows").glob("*.y*ml"))


def _tool(name: str) -> str:
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if not found:
        pytest.skip(f"{name} is not installed")
    return found


def test_workflows_pass_actionlint() -> None:
    assert WORKFLOWS
    proc = subprocess.run([_tool("actionlint"), "-no-color", *map(str, WORKFLOWS)],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_action_and_workflows_have_no_zizmor_findings() -> None:
    proc = subprocess.run([_tool("zizmor"), "--offline", "--format", "plain",
                           str(REPO_ROOT / "action.yml"), *map(str, WORKFLOWS)],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "No findings to report" in proc.stdout


def test_gate_scan_of_action_and_workflows_passes() -> None:
    paths = ["action.yml", *(str(p.relative_to(REPO_ROOT)) for p in WORKFLOWS)]
    result = run_gate("scan", *paths, cwd=REPO_ROOT)
    assert result.code == 0, result.output
    assert "0 fail, 0 warn" in result.stdout, result.stdout


def test_action_inputs_reach_scripts_only_through_env() -> None:
    action = yaml.safe_load((REPO_ROOT / "action.yml").read_text(encoding="utf-8"))
    steps = action["runs"]["steps"]
    for step in steps:
        assert "${{" not in step.get("run", ""), step["name"]
        uses = step.get("uses", "")
        if uses and not uses.startswith("./"):
            assert len(uses.split("@", 1)[1]) == 40, uses  # pinned by full commit SHA
    upload = next(s for s in steps if "upload-sarif" in s.get("uses", ""))
    assert upload["if"].startswith("always()")
    assert steps[-1]["if"] == "always()" and "exit" in steps[-1]["run"]
    assert set(action["outputs"]) >= {"verdict", "findings", "failing", "sarif-file"}
    assert set(action["inputs"]) >= {"paths", "policy", "policy-ref", "category", "sarif-file",
                                     "upload-sarif", "baseline", "new-only", "changed-since",
                                     "python-version", "args"}


def test_dogfood_workflow_has_least_privileges() -> None:
    workflow = yaml.safe_load((REPO_ROOT / ".github/workflows/gate.yml").read_text("utf-8"))
    assert workflow["permissions"] == {}
    job = workflow["jobs"]["gate"]
    assert job["permissions"] == {"contents": "read", "security-events": "write"}
    checkout = job["steps"][0]
    assert checkout["with"]["persist-credentials"] is False
    assert any(s.get("uses") == "./" for s in job["steps"])
    assert "pull_request_target" not in workflow[True]  # yaml reads "on" as True


def test_pre_commit_hook_definition() -> None:
    hooks = yaml.safe_load((REPO_ROOT / ".pre-commit-hooks.yaml").read_text("utf-8"))
    hook = next(h for h in hooks if h["id"] == "gate")
    assert hook["entry"] == "gate scan --hook"
    assert hook["args"][-1] == "--"  # a staged file named "--help" is never an option
    assert hook["require_serial"] is True and hook["pass_filenames"] is True
    # binaries carry secrets too; symlinks reach the hook (pre-commit's default types drop them)
    assert hook["types"] == [] and hook["types_or"] == ["file", "symlink"]
    assert hook["stages"] == ["pre-commit", "pre-push", "manual"]
    assert hook["minimum_pre_commit_version"] == "3.2.0"  # the first to know those stages


def test_action_constraints_pin_the_scanners_at_the_pyproject_versions() -> None:
    import tomli
    from packaging.requirements import Requirement

    project = tomli.loads((REPO_ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    text = (REPO_ROOT / "requirements/action.txt").read_text("utf-8")
    pins = {m[1].lower(): m[2] for m in re.finditer(r"^([\w.-]+)==([^\s;\\]+)", text, re.M)}
    for dep in map(Requirement, project["dependencies"]):
        assert dep.name.lower() in pins, dep.name
        assert dep.specifier.contains(pins[dep.name.lower()]), (dep, pins[dep.name.lower()])
