"""Baseline files: matching by fingerprint when lines move, duplicate counts, file errors."""

from __future__ import annotations

import pytest

from gate import baseline
from gate.scan.run import number_duplicates
from tests.helpers import TODAY, finding


def test_baseline_survives_shifted_lines_and_counts_duplicates() -> None:
    original = number_duplicates([finding(line=10)])
    recorded = baseline.loads(baseline.dumps(baseline.create(original, TODAY)), "b.json")
    shifted = number_duplicates([finding(line=15)])
    states, absent = baseline.match(recorded, shifted)
    assert states == ["unchanged"] and absent == []
    twice = number_duplicates([finding(line=15), finding(line=3)])
    states, absent = baseline.match(recorded, twice)
    assert sorted(states) == ["new", "unchanged"] and absent == []


def test_baseline_counts_without_numbering() -> None:
    recorded = baseline.create([finding()], TODAY)
    states, _ = baseline.match(recorded, [finding(line=3), finding(line=9)])
    assert sorted(states) == ["new", "unchanged"]


def test_baseline_file_errors() -> None:
    with pytest.raises(baseline.BaselineError, match="not a gate baseline"):
        baseline.loads('{"entries": []}', "b.json")
    with pytest.raises(baseline.BaselineError, match=r"entries\[0\]"):
        baseline.loads('{"version": 1, "entries": [{"scanner": "x"}]}', "b.json")
