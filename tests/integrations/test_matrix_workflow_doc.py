"""The copy-paste matrix workflow in docs/integrations.md passes actionlint and zizmor."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import REPO_ROOT

pytestmark = pytest.mark.slow  # actionlint and zizmor, like the other workflow checks

DOC = REPO_ROOT / "docs" / "integrations.md"


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if not found:
        pytest.skip(f"{name} is not installed")
    return found


def _matrix_workflow() -> str:
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("### Splitting a scan across a job matrix"):]
    block = re.search(r"```yaml\n(.*?)```", section, re.S)
    assert block is not None
    # the placeholder a user fills in, as a full commit SHA
    return block[1].replace("<owner>/secops-gate@<commit-sha>", "owner/secops-gate@" + "a" * 40)


def test_matrix_workflow_is_clean(tmp_path: Path) -> None:
    workflow = tmp_path / ".github" / "workflows" / "secops-gate.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text(_matrix_workflow(), encoding="utf-8")
    assert "shard: ${{ matrix.shard }}" in workflow.read_text(encoding="utf-8")
    lint = subprocess.run([_tool("actionlint"), "-no-color", str(workflow)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    audit = subprocess.run([_tool("zizmor"), "--offline", "--format", "plain", str(workflow)],
                           cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert audit.returncode == 0, audit.stdout + audit.stderr
    assert "No findings to report" in audit.stdout
