"""Shared helpers for the scanner adapter tests."""

from __future__ import annotations

import shlex
import shutil
import sys
from pathlib import Path

import pytest

# The pip-audit adapter tests use the dependency fixtures: a test OSV database, the fixture
# application and a file:// index.
from tests.deps.conftest import app, index_url, osv_db, shared_db  # noqa: F401

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "config"


def all_files(root: Path) -> list[str]:
    """Every file under ``root`` as a relative posix path, sorted."""
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def fake_command(tmp_path: Path, body: str, name: str = "fake_tool.py") -> str:
    """A ``GATE_<NAME>_COMMAND`` value running a small Python stand-in script."""
    script = tmp_path / name
    script.write_text("import json, os, sys\n" + body, encoding="utf-8")
    return f"{shlex.quote(sys.executable)} {shlex.quote(str(script))}"


@pytest.fixture
def zizmor_repo(tmp_path: Path) -> Path:
    """A writable copy of the zizmor fixture repository."""
    root = tmp_path / "repo"
    shutil.copytree(FIXTURES / "zizmor-repo", root)
    return root
