"""Checks for policy values: each returns None when a value is valid, else what is wrong.

Shared by the policy schema and by scanners, which declare their own policy options with
these checks (``Scanner.options``).
"""

from __future__ import annotations

import datetime as dt
import enum
import math
from collections.abc import Callable
from typing import Any

Check = Callable[[Any], str | None]


class FailOrWarn(enum.StrEnum):
    """A policy mode that either fails the gate or only warns."""

    FAIL = "fail"
    WARN = "warn"


SEVERITY_WORDS = ("critical", "high", "medium", "low", "info")


def choice(*choices: str) -> Check:
    """One of ``choices``."""
    def check(value: Any) -> str | None:
        if isinstance(value, str) and value in choices:
            return None
        return f"expected one of {', '.join(choices)}; got {value!r}"

    return check


def of_type(kind: type | tuple[type, ...], label: str) -> Check:
    """A value of ``kind`` (``bool`` only when ``kind`` names it)."""
    kinds = kind if isinstance(kind, tuple) else (kind,)

    def check(value: Any) -> str | None:
        if isinstance(value, bool) and bool not in kinds:
            return f"expected {label}; got {value!r}"
        return None if isinstance(value, kinds) else f"expected {label}; got {value!r}"

    return check


def string_list(value: Any) -> str | None:
    """A list of strings."""
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return None
    return f"expected a list of strings; got {value!r}"


MAX_SECONDS = 24 * 3600
MAX_DAYS = 3650


def positive_seconds(value: Any) -> str | None:
    """A finite number of seconds above 0, at most a day."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and \
            (isinstance(value, int) or math.isfinite(value)) and 0 < value <= MAX_SECONDS:
        return None  # an int is compared as it is: one too large for a float never converts
    return f"expected a number of seconds greater than 0 and at most {MAX_SECONDS}; got {value!r}"


def non_negative_int(value: Any) -> str | None:
    """A whole number of days, 0 to ten years."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_DAYS:
        return None
    return f"expected a whole number of days from 0 to {MAX_DAYS}; got {value!r}"


def toml_date(value: Any) -> str | None:
    """A TOML local date."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return None
    return f"expected a TOML date like 2026-12-31 (no quotes, no time); got {value!r}"


def non_empty_string(value: Any) -> str | None:
    """A string with something other than white space in it."""
    if isinstance(value, str) and value.strip():
        return None
    return f"expected a non-empty string; got {value!r}"


STRING = of_type(str, "a string")
BOOL = of_type(bool, "true or false")
SEVERITY = choice(*SEVERITY_WORDS)
