"""GateError: every expected failure carries its exit code and the advice shown with it."""

from __future__ import annotations

import pytest

from gate.errors import (
    EXIT_FAIL,
    EXIT_PASS,
    EXIT_SCANNER,
    EXIT_USAGE,
    AdvisoryDataError,
    BaselineError,
    CacheError,
    DiscoveryError,
    GateError,
    GitError,
    SarifImportError,
    UsageError,
    internal_error_message,
)


def test_exit_codes_are_the_documented_ones() -> None:
    assert (EXIT_PASS, EXIT_FAIL, EXIT_USAGE, EXIT_SCANNER) == (0, 1, 2, 3)


@pytest.mark.parametrize("kind", [UsageError, DiscoveryError, GitError, BaselineError,
                                  SarifImportError, CacheError])
def test_configuration_problems_exit_2(kind: type[GateError]) -> None:
    error = kind("bad input")
    assert error.exit_code == 2 and str(error) == "bad input"


def test_unreadable_advisory_data_is_a_scanner_error() -> None:
    assert AdvisoryDataError("broken record").exit_code == 3


def test_hint_goes_on_its_own_line_and_exit_code_can_be_given() -> None:
    error = GateError("the cache folder is inside the tree", hint="use --no-cache",
                      exit_code=3)
    assert error.diagnostics() == "the cache folder is inside the tree\n  hint: use --no-cache"
    assert error.exit_code == 3
    assert GateError("plain").diagnostics() == "plain"
    assert GateError("plain").exit_code == 2


def test_internal_error_message_names_the_bug_not_its_details() -> None:
    text = internal_error_message("0.1.0", KeyError("secret-ish detail"))
    assert text.startswith("gate: internal error: KeyError in secops-gate 0.1.0.")
    assert "GATE_DEBUG=1" in text and "secret-ish detail" not in text
