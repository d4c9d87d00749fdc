"""Files written for a newer Python than the gate's: the skip names the Python they need."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from gate.scanners.bandit.adapter import BanditScanner
from gate.scanners.bandit.syntax import required_python, skip_reason
from gate.scanners.interface import ScanContext

NESTED_F_STRING = 'def greet(names):\n    return f"hello {", ".join(names)}"\n'


@pytest.mark.parametrize("text,needed", [
    (NESTED_F_STRING, (3, 12)),
    ('x = f"{d["key"]}"\n', (3, 12)),
    ("type Pair = tuple[int, int]\n", (3, 12)),
    ("def first[T](xs: list[T]) -> T:\n    return xs[0]\n", (3, 12)),
    ("class Box[T]:\n    pass\n", (3, 12)),
    ("def first[T = int](xs: list[T]) -> T:\n    return xs[0]\n", (3, 13)),
    ('def page(x):\n    return t"<p>{x}</p>"\n', (3, 14)),
    ("try:\n    pass\nexcept ValueError, TypeError:\n    pass\n", (3, 14)),
])
def test_the_newest_feature_names_the_python_a_file_needs(text: str, needed: tuple[int, int]
                                                          ) -> None:
    found = required_python(text)
    assert found is not None and found[0] == needed


@pytest.mark.parametrize("text", [
    "x = f\"{'a'}\" + f'{\"b\"}' + \"don't\" + f\"{{braces}}\"\n",
    "type_ = 1\ntypes = [type(x) for x in range(3)]\n",
    "try:\n    pass\nexcept (ValueError, TypeError):\n    pass\n",
    "items = d['t'] + r'\\d' + b'x'\n",
    "def broken(:\n    pass\n",
])
def test_older_syntax_and_plain_errors_name_nothing(text: str) -> None:
    assert required_python(text) is None
    assert skip_reason(text, "syntax error while parsing AST from file") == (
        "syntax error while parsing AST from file")


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="the gate's Python parses 3.12 syntax")
def test_the_real_bandit_skip_names_the_python_the_file_needs(tmp_path: Path) -> None:
    (tmp_path / "modern.py").write_text(NESTED_F_STRING + "import os\nos.system(input())\n")
    (tmp_path / "old.py").write_text("import os\nos.system(input())\n")
    scanner = BanditScanner()
    result = scanner.scan(ScanContext(root=tmp_path, files=("modern.py", "old.py"), timeout=120))
    assert result.run.ok
    assert [(f.rule_id, f.location.path) for f in result.findings] == [("B605", "old.py")]
    (skip,) = result.run.skipped
    running = f"{sys.version_info[0]}.{sys.version_info[1]}"
    assert skip.path == "modern.py"
    assert skip.reason == (
        "needs Python 3.12+ (quotes or a backslash inside an f-string, PEP 701); the gate's "
        f"Python {running} cannot parse it: run the gate on Python 3.12 or newer")
