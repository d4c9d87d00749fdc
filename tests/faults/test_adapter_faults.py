"""Every scanner adapter, called directly, turns a misbehaving tool into a failed run.

The end-to-end fault matrix (``test_fault_matrix.py``) checks what the gate makes of these
runs; this checks each adapter's own record: exit code, the one quoted stderr line, no
findings, and no raw output anywhere in the result.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import tomli

from gate.runs import ScanResult
from gate.scanners import REGISTRY
from gate.scanners.interface import ScanContext
from gate.tree.discovery import discover
from tests.faults.conftest import AllScanners
from tests.helpers import fake_tool

ENV_NAMES = {name: "GATE_" + name.upper().replace("-", "_") + "_COMMAND" for name in REGISTRY}
# Scanners that start a tool; an in-process check has no executable to replace.
SUBPROCESS = sorted(name for name, scanner in REGISTRY.items() if not scanner.in_process)


def _scan(name: str, setup: AllScanners) -> ScanResult:
    scanner = REGISTRY[name]
    root = setup.repo.resolve()
    files = tuple(scanner.select(discover(root, [root]).files, root))
    assert files, f"the fixture repository gives {name} nothing to scan"
    policy = tomli.loads(setup.policy.read_text(encoding="utf-8"))
    options = policy.get("scanners", {}).get(name, {})
    return scanner.scan(ScanContext(root=root, files=files, timeout=60, options=options))


@pytest.mark.parametrize("name", SUBPROCESS)
def test_unexpected_exit_code_is_a_failed_run(name: str, all_scanners: AllScanners,
                                              tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    body = 'print("{}")\nprint("error: unexpected argument", file=sys.stderr)\nsys.exit(2)'
    monkeypatch.setenv(ENV_NAMES[name], fake_tool(tmp_path / "fake.py", body))
    result = _scan(name, all_scanners)
    assert not result.run.ok
    assert result.run.exit_code == 2
    assert result.run.error is not None
    print(repr(result.run.error))
    assert "exited with code 2: error: unexpected argument" in result.run.error
    assert result.findings == ()


@pytest.mark.parametrize("name", SUBPROCESS)
def test_garbage_output_is_a_failed_run_without_echoing_it(
        name: str, all_scanners: AllScanners, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    body = 'print("GARBAGE-OUTPUT <html>not json</html>")\nsys.exit(0)'
    monkeypatch.setenv(ENV_NAMES[name], fake_tool(tmp_path / "fake.py", body))
    result = _scan(name, all_scanners)
    assert not result.run.ok
    assert result.run.error is not None and "JSON" in result.run.error
    assert result.findings == ()
    assert "GARBAGE" not in repr(result)
