"""The checks behind every policy value: None when valid, else what is wrong."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from gate.guards.validators import (
    BOOL,
    SEVERITY,
    STRING,
    choice,
    non_empty_string,
    non_negative_int,
    of_type,
    positive_seconds,
    string_list,
    toml_date,
)


def test_choice_names_the_valid_words() -> None:
    check = choice("fail", "warn")
    assert check("warn") is None
    assert check("WARN") == "expected one of fail, warn; got 'WARN'"
    assert check(1) == "expected one of fail, warn; got 1"
    assert SEVERITY("info") is None and SEVERITY("severe") is not None


def test_booleans_are_not_numbers_and_numbers_are_not_booleans() -> None:
    number = of_type((int, float), "a number")
    assert number(3) is None and number(2.5) is None
    assert number(True) == "expected a number; got True"
    assert BOOL(True) is None and BOOL(1) == "expected true or false; got 1"
    assert STRING("x") is None and STRING(None) == "expected a string; got None"


@pytest.mark.parametrize("value,valid", [
    (1, True), (0.5, True), (600, True), (0, False), (-1, False), (True, False),
    (math.inf, False), (math.nan, False), ("10", False),
])
def test_positive_seconds(value: object, valid: bool) -> None:
    assert (positive_seconds(value) is None) is valid


def test_days_dates_lists_and_strings() -> None:
    assert non_negative_int(0) is None and non_negative_int(14) is None
    assert non_negative_int(-1) is not None and non_negative_int(1.0) is not None
    assert non_negative_int(False) is not None
    assert toml_date(dt.date(2026, 12, 31)) is None
    assert "no quotes, no time" in (toml_date(dt.datetime(2026, 12, 31, 1, 0)) or "")
    assert toml_date("2026-12-31") is not None
    assert string_list(["a", "b"]) is None and string_list([]) is None
    assert string_list("tests/**") == "expected a list of strings; got 'tests/**'"
    assert string_list(["a", 1]) is not None
    assert non_empty_string("reason") is None
    assert non_empty_string("   ") == "expected a non-empty string; got '   '"
