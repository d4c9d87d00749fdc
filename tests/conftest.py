"""pytest configuration: the SARIF validator fixture (fails under CI when it is missing)."""

from __future__ import annotations

import pytest

from tests.helpers import VALIDATE_SARIF, require_shared


@pytest.fixture
def sarif_validator() -> None:
    require_shared(VALIDATE_SARIF, "the SARIF validator")
