"""Workflow permissions (issue 24, item 9): a blanket write grant at the workflow level
(``permissions: write-all``, ``contents: write``) gives every job a token that can push code
and releases; the regular persona of zizmor drops it, so the gate reads it back from the
pedantic run. Run with the real zizmor."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import load_json, make_repo, run_gate

JOB = ("jobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n"
       "      - run: echo building\n")


def _scan(tmp_path: Path, permissions: str) -> tuple[int, list[dict[str, object]]]:
    workflow = f"name: ci\non: push\n{permissions}{JOB}"
    repo = make_repo(tmp_path / "repo", {".github/workflows/ci.yml": workflow})
    run = run_gate("scan", ".", "--scanners", "zizmor", "--no-cache", "--json",
                   str(tmp_path / "r.json"), cwd=repo)
    findings = [f for f in load_json(tmp_path / "r.json")["findings"]
                if f["rule_id"] == "excessive-permissions"]
    return run.code, findings


@pytest.mark.parametrize(("permissions", "line"), [("permissions: write-all\n", 3),
                                                   ("permissions:\n  contents: write\n", 4)])
def test_a_blanket_write_grant_fails_the_gate(tmp_path: Path, permissions: str,
                                              line: int) -> None:
    code, findings = _scan(tmp_path, permissions)
    assert code == 1
    assert [(f["path"], f["start_line"], f["severity"], f["cwe"], f["disposition"])
            for f in findings] == [(".github/workflows/ci.yml", line, "high", [250], "fail")]


def test_read_grants_and_pedantic_smells_stay_out(tmp_path: Path) -> None:
    code, findings = _scan(tmp_path, "permissions: read-all\n")
    assert (code, findings) == (0, [])
    report = load_json(tmp_path / "r.json")
    assert {f["rule_id"] for f in report["findings"]} <= {"artipacked", "unpinned-uses"}
