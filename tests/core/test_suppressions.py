"""Inline suppression comments: which comment names which rule, and what is a comment."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from gate import suppressions
from gate.findings import InlineSuppression
from tests.helpers import finding


@pytest.mark.parametrize("line,rule,scanner,applies", [
    ("x()  # nosec", "B602", "bandit", True),
    ("x()  # nosec B602", "B602", "bandit", True),
    ("x()  # nosec: B602,B603", "B603", "bandit", True),
    ("x()  # nosec B101", "B602", "bandit", False),
    ("x()  # nosec", "shell", "semgrep", False),
    ("x()  # nosemgrep", "shell", "semgrep", True),
    ("x()  # nosemgrep: shell", "shell", "semgrep", True),
    ("x()  # nosemgrep: other", "shell", "semgrep", False),
    ("uses: a/b@v1  # zizmor: ignore[unpinned-uses]", "unpinned-uses", "zizmor", True),
    ("uses: a/b@v1  # zizmor: ignore[artipacked]", "unpinned-uses", "zizmor", False),
    ("x()  # gate: ignore[B602] constant input", "B602", "bandit", True),
    ("x()  # gate: ignore[B6*] constant input", "B602", "bandit", True),
    ("x()  # gate: ignore[B101] constant input", "B602", "bandit", False),
    ("x()  # a comment", "B602", "bandit", False),
])
def test_inline_suppression_names_the_rule(line: str, rule: str, scanner: str,
                                           applies: bool) -> None:
    f = finding(rule, scanner=scanner, line=1)
    out = suppressions.apply([f], reader=lambda _p: [line])
    assert (out[0].suppression is not None) is applies


def test_a_finding_inside_an_archive_member_takes_no_comment_of_the_file() -> None:
    f = finding("betterleaks.github-pat", path="bundle.zip", line=1, scanner="secrets")
    inside = replace(f, extra=(("member", "key.pem"),))
    out = suppressions.apply([inside, f], reader=lambda _p: ["PK# gate: ignore[*] x"])
    assert out[0].suppression is None
    assert out[1].suppression is not None


def test_gate_ignore_reason_is_kept() -> None:
    f = finding(line=2)
    out = suppressions.apply([f], reader=lambda _p: ["", "x()  # gate: ignore[B602] fixed input"])
    assert out[0].suppression == InlineSuppression("gate", ("B602",), "fixed input")


def test_suppressions_read_real_files(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("import os\nos.system(x)  # nosec B605 reviewed\n")
    out = suppressions.apply([finding("B605", path="a.py", line=2)], root=tmp_path)
    assert out[0].suppression is not None and out[0].suppression.reason == "reviewed"


def test_suppression_text_inside_a_string_is_not_a_comment() -> None:
    from gate.suppressions import comment_of, parse

    assert parse('assert "bandit/B602" in out and "# nosec B602" in out') == []
    assert comment_of("x = 'a # b'  # nosec B105") == "# nosec B105"
    assert [s.rules for s in parse('call("#", shell=True)  # nosec B602 reviewed')] == [("B602",)]
