"""scan, evaluate and merge share their report options: same names, same help."""

from __future__ import annotations

from pathlib import Path
from typing import get_args

import pytest

from gate.cli.report_options import (
    Category,
    CodeQuality,
    GitlabSast,
    NewOnly,
    SarifIncludeWaived,
)
from tests.helpers import run_gate


@pytest.mark.parametrize("verb", ["scan", "evaluate", "merge"])
def test_each_verb_offers_the_shared_report_options(verb: str, tmp_path: Path) -> None:
    result = run_gate(verb, "--help", cwd=tmp_path)
    assert result.code == 0, result.output
    for alias in (Category, NewOnly, SarifIncludeWaived, CodeQuality, GitlabSast):
        info = get_args(alias)[1]
        name = (info.param_decls or ("--category",))[0]
        assert name in result.output, (verb, name)
    assert "SARIF category" in result.output
