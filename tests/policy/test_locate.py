"""Finding the line of a policy key in TOML text, for error messages."""

from __future__ import annotations

import pytest

from gate.policy.locate import locate

POLICY = """\
version = 1
fail_on = "high"   # a comment
"quoted" = 1

[scanners.bandit]
timeout = 5
scanners.semgrep.enabled = false

[[waivers]]
rule = "B602"

[[waivers]]
rule = "B301"
expires = 2026-01-01

[ scanners . "pip-audit" ]
resolve = "full"
"""


@pytest.mark.parametrize("key_path,line", [
    (("fail_on",), 2),
    (("quoted",), 3),
    (("scanners", "bandit"), 5),
    (("scanners", "bandit", "timeout"), 6),
    (("waivers", 0), 9),
    (("waivers", 1, "expires"), 14),
    (("waivers", 1, "owner"), 12),       # not there: the entry it belongs to
    (("scanners", "pip-audit", "resolve"), 17),
    (("scanners", "bandit", "timeout", "x"), 6),
    (("nowhere",), None),
])
def test_locate(key_path: tuple[str | int, ...], line: int | None) -> None:
    assert locate(POLICY, key_path) == line


def test_dotted_keys_inside_a_table_count_as_their_full_path() -> None:
    text = "version = 1\n[scanners]\nsemgrep.timeout = 9\n"
    assert locate(text, ("scanners", "semgrep", "timeout")) == 3
