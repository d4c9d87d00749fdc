"""Scanned content (file names, messages) made inert for terminals and logs."""

from __future__ import annotations

from gate.report.escape import plain


def test_newlines_become_spaces_and_control_characters_question_marks() -> None:
    assert plain("first\nsecond") == "first second"
    assert plain("bell\x07 esc\x1b[31mred\r") == "bell? esc?[31mred?"
    assert plain("tab\there") == "tab?here"


def test_long_text_is_cut_with_an_ellipsis() -> None:
    assert plain("x" * 10, limit=5) == "xxxx…"
    assert plain("x" * 5, limit=5) == "xxxxx"
    assert len(plain("y" * 1000)) == 300
