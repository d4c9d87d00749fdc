"""The one credential scrubber for text that leaves the gate.

``scrub`` removes what is a credential whatever the context: the userinfo of a URL
(``scheme://user:pass@host`` -> ``scheme://[REDACTED]@host``) and values in well-known
credential formats (GitHub, GitLab, Slack, AWS, Google, npm, PyPI, Stripe tokens, JWTs,
PEM private keys). It is applied to every string from scanned content or the environment:
finding messages and texts of every scanner, run notes, errors and arguments, and so to the
cache entries built from them. Host names, paths, rule ids and fingerprints stay readable.

``scrub_error`` also removes long random-looking runs (hex and base64 tokens) and is applied
only to tool stderr and error text; git object ids, ``sha256:``/``sha512:`` digests and
``--hash=`` values are kept.
"""

from __future__ import annotations

import re
import urllib.parse

REDACTED = "[REDACTED]"

_USERINFO = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.\-]*://)(?P<userinfo>[^\s/?#@'\"<>`]+)@")
_SHAPES = re.compile(
    r"-----BEGIN[ A-Z0-9]*PRIVATE KEY-----(?:.*?-----END[ A-Z0-9]*PRIVATE KEY-----|.*\Z)"
    r"|\bgh[pousr]_[A-Za-z0-9]{20,}"
    r"|\bgithub_pat_[A-Za-z0-9_]{20,}"
    r"|\bglpat-[A-Za-z0-9_\-]{16,}"
    r"|\bxox[abposr]-[A-Za-z0-9\-]{10,}"
    r"|\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[A-Z0-9]{16}\b"
    r"|\bAIza[0-9A-Za-z_\-]{35}"
    r"|\bnpm_[A-Za-z0-9]{36}"
    r"|\bpypi-AgE[A-Za-z0-9_\-]{40,}"
    r"|\b[rs]k_(?:live|test)_[A-Za-z0-9]{16,}"
    r"|\beyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}",
    re.DOTALL,
)
# Random-looking runs in error text: long hex, or long mixed-case-and-digit tokens ('/' and
# '.' end a run, so paths, host names and versions stay readable).
_RUN = re.compile(r"(?P<lead>sha(?:256|384|512):|--hash=(?:sha\d+:)?)?"
                  r"(?P<run>[A-Za-z0-9_+\-]{20,}={0,2})")
# A quoted value after a credential-like label: ``password='hunter2'``.
_LABELLED = re.compile(r"(?i)(?P<label>\b(?:pass(?:word|wd)?|secret|token|api[_-]?key|auth\w*"
                       r"|credentials?)\s*[:=]\s*)(?P<q>['\"`])(?:\\.|(?!(?P=q)).)*(?P=q)")
_HEX = re.compile(r"[0-9a-fA-F]+")
_GIT_ID_LENGTHS = (40, 64)


def scrub(text: str) -> str:
    """``text`` with URL userinfo and credential-format values replaced by ``[REDACTED]``."""
    if not text:
        return text
    text = _USERINFO.sub(lambda m: f"{m['scheme']}{REDACTED}@", text)
    return _SHAPES.sub(REDACTED, text)


def scrub_error(text: str) -> str:
    """``scrub`` plus long random-looking runs, for tool stderr and error messages."""
    text = scrub(text)
    text = _LABELLED.sub(lambda m: f"{m['label']}{REDACTED}", text)
    return _RUN.sub(_error_run, text)


def _error_run(match: re.Match[str]) -> str:
    run = match["run"]
    if match["lead"]:
        return match.group(0)  # a digest or a pinned hash names a file, not a secret
    if _HEX.fullmatch(run.rstrip("=")):
        if len(run) in _GIT_ID_LENGTHS or len(run) < 32:
            return run
        return REDACTED
    if _looks_random(run):
        return REDACTED
    return run


def _looks_random(token: str) -> bool:
    """Mixed case and digits, like a key or password; not a word or a constant's name."""
    return (any(c.isupper() for c in token) and any(c.islower() for c in token)
            and any(c.isdigit() for c in token))


def without_userinfo(url: str) -> tuple[str, str | None, str | None]:
    """``url`` without its ``user:password@``, and the user and password (unquoted)."""
    parts = urllib.parse.urlsplit(url)
    if parts.username is None and parts.password is None:
        return url, None, None
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = host + (f":{parts.port}" if parts.port else "")
    clean = urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, parts.query,
                                     parts.fragment))
    user = urllib.parse.unquote(parts.username or "")
    password = urllib.parse.unquote(parts.password) if parts.password is not None else None
    return clean, user, password
