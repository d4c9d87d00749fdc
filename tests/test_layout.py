"""The test tree's own rule: every module of gate/ is imported by at least one test file.

A module that only ever runs behind the whole gate is tested far from where it breaks; this
keeps each one named by a test beside it (see DESIGN: "tests/ mirrors gate/")."""

from __future__ import annotations

import ast

import pytest

from tests.helpers import REPO_ROOT

TESTS = REPO_ROOT / "tests"


def gate_modules() -> set[str]:
    out = set()
    for path in (REPO_ROOT / "gate").rglob("*.py"):
        parts = path.relative_to(REPO_ROOT).with_suffix("").parts
        out.add(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return out


def imported_by_tests(known: set[str]) -> set[str]:
    """Modules named by an import (or run with runpy) in tests/, and their packages."""
    found: set[str] = set()
    for path in TESTS.rglob("*.py"):
        if "fixtures" in path.relative_to(TESTS).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                  and node.func.attr == "run_module" and node.args
                  and isinstance(node.args[0], ast.Constant)):
                names = [f"{node.args[0].value}.__main__"]
            for name in names:
                parts = name.split(".")
                found.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
    return found & known


def test_every_gate_module_is_imported_by_a_test() -> None:
    modules = gate_modules()
    assert len(modules) > 60
    assert sorted(modules - imported_by_tests(modules)) == []


@pytest.mark.slow  # one fresh interpreter per module
def test_every_gate_module_imports_on_its_own() -> None:
    """No import cycle hides behind the order the suite happens to import modules in."""
    import subprocess
    import sys

    failed = [name for name in sorted(gate_modules() - {"gate.__main__"})
              if subprocess.run([sys.executable, "-P", "-c", f"import {name}"], cwd=REPO_ROOT,
                                capture_output=True, timeout=60).returncode != 0]
    assert failed == []
