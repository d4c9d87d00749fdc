"""The gate's one redaction pass for secret-class findings."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from gate.findings import Confidence, Finding, Location, Severity, fingerprint
from gate.guards.redact import (
    bandit_secret_fingerprint,
    preview,
    redact,
    scrub_quotes,
    value_free_token,
)
from gate.scan.run import redact_all
from gate.scanners import is_secret_finding


def bandit(rule: str, message: str, **kw: object) -> Finding:
    return Finding(
        scanner="bandit", rule_id=rule, rule_name="hardcoded_password_string", message=message,
        severity=Severity.LOW, confidence=Confidence.MEDIUM,
        location=Location("app/settings.py", 3), fingerprint="f" * 32, **kw,  # type: ignore[arg-type]
    )


def test_preview_four_characters_and_none_under_sixteen() -> None:
    assert preview("x" * 15) == ""
    assert preview("") == ""
    assert preview("AKIA" + "Z" * 12) == "AKIA…"


@given(st.text())
def test_preview_never_shows_more_than_four_characters(value: str) -> None:
    shown = preview(value)
    assert shown == "" or (shown == value[:4] + "…" and len(value) >= 16)


def test_bandit_b105_message_loses_the_password() -> None:
    f = redact(bandit("B105", "Possible hardcoded password: 'hunter2'"))
    assert f.message == "Possible hardcoded password (value redacted)"
    assert f.secret
    assert "hunter2" not in repr(f)


def test_double_quoted_and_embedded_literals_are_scrubbed() -> None:
    assert scrub_quotes('Possible hardcoded password: "s3cr3t pass"') == (
        "Possible hardcoded password (value redacted)"
    )
    assert scrub_quotes("token 'abc' and `def` used") == (
        "token (value redacted) and (value redacted) used"
    )
    assert scrub_quotes("no quotes here") == "no quotes here"


def test_redact_drops_code_fields_and_scrubs_the_rest() -> None:
    f = bandit(
        "B106", "Possible hardcoded password: 'tiger'",
        extra=(("code", 'connect(password="tiger")'), ("snippet", "tiger"), ("more_info", "url")),
    )
    out = redact(f)
    assert "tiger" not in repr(out)
    assert out.extra == (("more_info", "url"),)


def test_the_rules_own_advice_keeps_its_quotes() -> None:
    advice = 'Read it from the environment: SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]'
    out = redact(bandit("B105", "Possible hardcoded password: 'tiger'", remediation=advice))
    assert out.remediation == advice
    assert out.message == "Possible hardcoded password (value redacted)"


def test_is_secret_finding() -> None:
    assert is_secret_finding(bandit("B105", "m"))
    assert is_secret_finding(bandit("B107", "m"))
    assert not is_secret_finding(bandit("B602", "subprocess with shell=True: 'ls'"))
    semgrep = bandit("python.secrets.x", "m", secret=True)
    assert is_secret_finding(semgrep)


def test_non_secret_findings_pass_unchanged(tmp_path: Path) -> None:
    f = bandit("B602", "subprocess call with shell=True: 'ls'")
    assert redact_all(tmp_path, [f]) == [f] and redact_all(tmp_path, [f])[0] is f


def test_value_free_token() -> None:
    assert value_free_token('    password = "hunter2"') == "password ="
    assert value_free_token('db.connect(host, password="x")') == "db.connect(host, password="
    assert value_free_token("PASSWORD=abc123") == "PASSWORD="
    assert value_free_token("  password: abc123") == "password:"


def test_bandit_secret_fingerprint_ignores_value_and_indentation() -> None:
    a = bandit_secret_fingerprint("B105", "app/settings.py", 'PASSWORD = "hunter2"')
    b = bandit_secret_fingerprint("B105", "app/settings.py", '    PASSWORD = "rotated-value"')
    c = bandit_secret_fingerprint("B105", "app/settings.py", 'API_PASSWORD = "hunter2"')
    d = bandit_secret_fingerprint("B105", "app/settings.py", 'PASSWORD = "x"', occurrence=1)
    assert a == b
    assert len({a, c, d}) == 3
    assert a != fingerprint("B105", "app/settings.py", 'PASSWORD = "hunter2"')


def test_redact_with_line_recomputes_a_bandit_fingerprint() -> None:
    f = bandit("B105", "Possible hardcoded password: 'hunter2'")
    out = redact(f, line='PASSWORD = "hunter2"')
    assert out.fingerprint == bandit_secret_fingerprint("B105", "app/settings.py", "PASSWORD =")
