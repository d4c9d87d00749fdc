"""pytest configuration: the SARIF validator fixture (fails under CI when it is missing), and
how many workers ``-n auto`` starts."""

from __future__ import annotations

import os

import pytest

from tests.helpers import VALIDATE_SARIF, require_shared


@pytest.fixture
def sarif_validator() -> None:
    require_shared(VALIDATE_SARIF, "the SARIF validator")


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto``: one worker more than the machine has cores (PYTEST_XDIST_AUTO_NUM_WORKERS
    still decides when set). The tests spend much of their time waiting for the scanners'
    processes, timeouts and loopback servers; on 2 cores the fast tier took 3:00 with 2
    workers, 2:09 with 3 and 2:21 with 4."""
    configured = os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS", "")
    if configured.isdigit() and int(configured) > 0:
        return int(configured)
    return (os.cpu_count() or 1) + 1
