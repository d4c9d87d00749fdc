"""gate/guards/bounded.py: JSON and TOML nested too deep or too large are refused before parsing."""

from __future__ import annotations

import pytest

from gate.guards.bounded import TooComplex, check, loads_json, loads_toml


def test_depth_and_size_limits() -> None:
    assert loads_json('{"a": [[1, 2], {"b": "[[[["}]}') == {"a": [[1, 2], {"b": "[[[["}]}
    with pytest.raises(TooComplex, match="nested deeper than 5 levels"):
        loads_json("[" * 6 + "]" * 6, max_depth=5)
    with pytest.raises(TooComplex, match="larger than"):
        check("x" * 2048, max_chars=1024)


def test_toml_strings_and_comments_do_not_count() -> None:
    text = 'a = "[[[[[["  # [[[[[[\nb = [[1], [2]]\n[[waivers]]\nrule = "x"\n'
    assert loads_toml(text, max_depth=3)["b"] == [[1], [2]]
    with pytest.raises(TooComplex):
        loads_toml("a = " + "[" * 10 + "]" * 10 + "\n", max_depth=3)


def test_input_the_user_gave_says_where_it_breaks() -> None:
    from gate.errors import BaselineError
    from gate.guards.bounded import load_input

    with pytest.raises(BaselineError, match=r"b\.json: not JSON \(Expecting value at line 1\)"):
        load_input("[", "b.json", BaselineError)
    with pytest.raises(BaselineError, match=r"b\.json: cannot be read: nested deeper"):
        load_input("[" * 500, "b.json", BaselineError)
