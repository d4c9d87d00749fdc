"""pytest configuration: skip SARIF validation tests cleanly when the validator is absent."""

from __future__ import annotations

import pytest

from tests.helpers import VALIDATE_SARIF


@pytest.fixture
def sarif_validator() -> None:
    if not VALIDATE_SARIF.exists():
        pytest.skip(f"the SARIF validator is not on this machine ({VALIDATE_SARIF})")
