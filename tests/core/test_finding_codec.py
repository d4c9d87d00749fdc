"""The Finding <-> JSON codec of the cache and the JSON report: round trips, strict reads."""

from __future__ import annotations

import json

import pytest

from gate.finding_codec import (
    findings_from,
    from_dict,
    run_from_dict,
    run_to_dict,
    skipped_from,
    skipped_to,
    to_dict,
)
from gate.findings import Confidence, Finding, InlineSuppression, Location, Severity
from gate.runs import ScannerRun, SkippedFile

FULL = Finding(
    scanner="pip-audit", rule_id="PYSEC-2018-28", rule_name="requests leaks credentials",
    message="requests 2.19.0 is affected", severity=Severity.CRITICAL,
    confidence=Confidence.MEDIUM, location=Location("requirements.txt", 3, 1, 3, 17),
    fingerprint="f" * 32, cwe=(522, 200), help_uri="https://osv.dev/vulnerability/PYSEC-2018-28",
    remediation="Upgrade", tags=("dependency", "security"), aliases=("CVE-2018-18074",),
    secret=False, suppression=InlineSuppression("gate", ("PYSEC-*",), "vendored"),
    extra=(("package", "requests"), ("version", "2.19.0")),
)


def test_a_finding_survives_json_with_readable_words() -> None:
    data = json.loads(json.dumps(to_dict(FULL)))
    assert data["severity"] == "critical" and data["confidence"] == "medium"
    assert data["suppression"] == {"kind": "gate", "rules": ["PYSEC-*"], "reason": "vendored"}
    assert from_dict(data) == FULL
    plain = Finding("bandit", "B602", "r", "m", Severity.HIGH, Confidence.HIGH,
                    Location("a.py", 1), "fp")
    assert findings_from([to_dict(plain), to_dict(FULL)]) == (plain, FULL)


@pytest.mark.parametrize("key,value", [
    ("start_line", True),            # a bool is not a line number
    ("start_line", "3"),
    ("severity", "severe"),
    ("secret", "no"),
    ("cwe", "522"),
    ("extra", [["package"]]),        # pairs only
    ("suppression", "nosec"),
    ("tags", ["ok", 1]),
])
def test_damaged_fields_are_rejected(key: str, value: object) -> None:
    data = to_dict(FULL)
    data[key] = value
    with pytest.raises((TypeError, ValueError, KeyError)):
        from_dict(data)


def test_missing_fields_and_wrong_containers_are_rejected() -> None:
    data = to_dict(FULL)
    del data["fingerprint"]
    with pytest.raises(KeyError):
        from_dict(data)
    with pytest.raises(TypeError):
        from_dict([to_dict(FULL)])
    with pytest.raises(TypeError):
        findings_from({"findings": []})


def test_run_records_keep_what_a_cache_hit_needs() -> None:
    run = ScannerRun("bandit", "bandit", "1.9.4", ("-f", "json"), 1, "ignored", 9,
                     skipped=(SkippedFile("broken.py", "syntax error"),), notes=("n",),
                     duration=2.5)
    back = run_from_dict(json.loads(json.dumps(run_to_dict(run))))
    assert back.error is None and back.duration == 0.0  # neither is kept
    assert (back.scanner, back.version, back.arguments, back.exit_code, back.files) == (
        "bandit", "1.9.4", ("-f", "json"), 1, 9)
    assert back.skipped == run.skipped and back.notes == ("n",)
    with pytest.raises(TypeError):
        run_from_dict("bandit")
    assert skipped_from(skipped_to(run.skipped)) == run.skipped
    with pytest.raises(TypeError):
        skipped_from([["a.py", "why", "extra"]])
