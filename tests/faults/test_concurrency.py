"""Two gate scans of one repository at the same time give identical, correct results."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.faults.conftest import EXPECTED, AllScanners
from tests.helpers import run_gate, sarif_results, sarif_twins

# Two full five-scanner scans at once (~10 s).
pytestmark = pytest.mark.slow


def test_two_concurrent_scans_agree(all_scanners: AllScanners, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    extra: list[str] = []
    if "--cache-dir" in run_gate("scan", "--help", cwd=all_scanners.repo).stdout:
        extra = ["--cache-dir", str(cache)]  # the same cache for both runs
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    env.pop("GITHUB_ACTIONS", None)
    procs = []
    for n in (1, 2):
        args = [sys.executable, "-P", "-m", "gate", "scan", ".",
                "--policy", str(all_scanners.policy),
                "--sarif", str(tmp_path / f"{n}.sarif"),
                "--json", str(tmp_path / f"{n}.json"), *extra]
        procs.append(subprocess.Popen(args, cwd=all_scanners.repo, env=env,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    outputs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [1, 1], outputs
    first, second = (tmp_path / "1.sarif").read_bytes(), (tmp_path / "2.sarif").read_bytes()
    assert first == second
    found = sarif_results(json.loads(first)) + sarif_twins(json.loads(first))
    assert set(EXPECTED.values()) <= set(found)

    def stable(path: Path) -> dict:
        data = json.loads(path.read_text())
        for run in data["runs"]:
            run.pop("duration_seconds")
            # A scanner that finishes in milliseconds (the in-process bidi check) may reuse
            # the entries the other scan has just stored: the counters differ, nothing else.
            if run.pop("reused"):
                run["notes"] = [n for n in run["notes"] if not n.startswith("cache: ")]
        return data

    assert stable(tmp_path / "1.json") == stable(tmp_path / "2.json")
