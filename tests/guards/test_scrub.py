"""gate/guards/scrub.py: credentials leave every text; hosts, paths, ids and digests stay."""

from __future__ import annotations

import pytest

from gate.guards.scrub import REDACTED, scrub, scrub_error, without_userinfo

GHP = "ghp_" + "aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5"


@pytest.mark.parametrize(("text", "expected"), [
    ("https://deploy:pw@files.example/p.tar.gz", f"https://{REDACTED}@files.example/p.tar.gz"),
    ("git+https://oauth2:tok@gitlab.example/g.git", f"git+https://{REDACTED}@gitlab.example/g.git"),
    (f"token {GHP} here", f"token {REDACTED} here"),
    ("key AKIA" + "ABCDEFGHIJKLMNOP ok", f"key {REDACTED} ok"),
    ("-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----", REDACTED),
    ("see /usr/lib/python3.11/site-packages/x.py", "see /usr/lib/python3.11/site-packages/x.py"),
    ("mail me at a@example.org", "mail me at a@example.org"),
])
def test_scrub(text: str, expected: str) -> None:
    assert scrub(text) == expected


def test_scrub_error_keeps_ids_and_digests_and_drops_random_tokens() -> None:
    line = (f"commit {'b' * 40} sha256:{'a' * 64} --hash=sha256:{'c' * 64} "
            "token 0123456789abcdef0123456789abcdef99 Zq9Wm2Lp8Rt4Yx7Vb3Nc6")
    out = scrub_error(line)
    assert "b" * 40 in out and f"sha256:{'a' * 64}" in out and "c" * 64 in out
    assert "0123456789abcdef0123456789abcdef99" not in out and "Zq9Wm2Lp8Rt4Yx7Vb3Nc6" not in out


def test_without_userinfo_splits_the_credentials_off() -> None:
    assert without_userinfo("https://ci:p%40ss@idx.example:8443/simple") == (
        "https://idx.example:8443/simple", "ci", "p@ss")
    assert without_userinfo("https://idx.example/simple") == (
        "https://idx.example/simple", None, None)
