"""The project passes its own gate, under its own committed policy."""

from __future__ import annotations

import pytest

from tests.helpers import ADVISORY_DB, REPO_ROOT, in_ci, require_shared, run_gate

# All six scanners over the whole project (~13 s).
pytestmark = pytest.mark.slow


def test_gate_passes_on_its_own_repository() -> None:
    if not (REPO_ROOT / ".git").exists():
        pytest.skip("not a git checkout of the project")
    args = ["scan", str(REPO_ROOT)]
    if ADVISORY_DB.is_dir() or in_ci():  # in CI the whole gate must run: no fallback
        args += ["--advisory-db", str(require_shared(ADVISORY_DB, "the PyPA advisory database"))]
    else:
        # Without offline advisory data the audit needs the OSV service (no network in tests).
        args += ["--scanners", "bandit,semgrep,zizmor,secrets,bidi"]
    result = run_gate(*args, cwd=REPO_ROOT)
    assert result.code == 0, result.output
    assert "gate.toml" in result.stdout
