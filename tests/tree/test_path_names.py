"""Names that are not UTF-8: shown with escapes, addressed in SARIF by their bytes."""

from __future__ import annotations

import os

from gate.tree.path_names import is_utf8, shown, uri


def test_a_latin1_name_is_shown_escaped_and_percent_encoded_as_bytes() -> None:
    name = os.fsdecode(b"conf/caf\xe9 prod.env")
    assert not is_utf8(name)
    assert shown(name) == "conf/caf\\xe9 prod.env"
    assert uri(name) == "conf/caf%E9%20prod.env"


def test_utf8_names_keep_their_encoding_and_never_escape_the_root() -> None:
    assert is_utf8("ça/100%.py")
    assert uri("ça/100%.py") == "%C3%A7a/100%25.py"
    assert uri("/../a/./b") == "a/b"
    assert uri("..") == "."
