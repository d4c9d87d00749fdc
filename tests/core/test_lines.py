"""gate/lines.py: a lone carriage return ends a line for Python's tokenizer, not for most tools."""

from __future__ import annotations

from gate.lines import NEWLINE_LINES, PYTHON_LINES, ambiguous_lines, split_lines


def test_python_and_newline_numbering_differ_only_on_a_lone_carriage_return() -> None:
    text = "a = 1\rb = 2\r\nc = 3\n"
    assert split_lines(text, PYTHON_LINES) == ["a = 1", "b = 2", "c = 3"]
    assert split_lines(text, NEWLINE_LINES) == ["a = 1\rb = 2", "c = 3"]
    assert ambiguous_lines(text) and not ambiguous_lines("a\r\nb\n")


def test_no_break_on_unicode_line_separators() -> None:
    assert split_lines("x = '\u2028'\x0cy\n") == ["x = '\u2028'\x0cy"]
