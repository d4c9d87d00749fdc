"""``until_fixed = true`` and ``vex``/``justification`` on ``[[waivers]]``: validation with file
and line, and a waiver that a fixed version ends early (findings built by the dependency
audit's own constructor, as the scanner builds them)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from gate.deps import findings as dep
from gate.deps.manifests import Declared
from gate.findings import Finding, Severity
from gate.policy.decision import Disposition, WaiverStatus
from gate.policy.errors import PolicyError
from gate.policy.evaluate import Context, evaluate
from gate.policy.load import load_text
from gate.runs import ScannerRun
from tests.helpers import TODAY, run_gate

RUN = ScannerRun("pip-audit", "pip-audit", "2.10.1", (), 0, None, 1)


def pin(name: str, version: str, advisory: str, fixes: list[str], line: int = 1) -> Finding:
    """A vulnerable pin in requirements.txt, as the audit reports it."""
    vuln: dict[str, Any] = {"id": advisory, "fix_versions": fixes, "aliases": []}
    return dep.vulnerability("pip-audit", Declared("requirements.txt", line, name, version,
                                                   f"{name}=={version}"),
                             version, vuln, records=[], default_severity=Severity.HIGH)


def until_fixed(rule: str, extra: str = "") -> str:
    return (f'[[waivers]]\nrule = "{rule}"\nreason = "waiting for upstream"\n'
            f"expires = 2026-12-31\nuntil_fixed = true\n{extra}")


def decide(policy: str, findings: list[Finding]):  # type: ignore[no-untyped-def]
    return evaluate(load_text("version = 1\n" + policy, "gate.toml"), findings, [RUN],
                    Context(today=TODAY))


def test_a_fixed_version_ends_the_waiver_and_the_finding_fails() -> None:
    d = decide(until_fixed("PYSEC-2024-1"), [pin("requests", "2.19.0", "PYSEC-2024-1",
                                                 ["2.20.0"])])
    (item,) = d.items
    assert item.disposition is Disposition.FAIL
    assert item.waiver is None and item.waiver_ended == 0
    assert item.reason.endswith("; waiver #1 (PYSEC-2024-1) ended: version 2.20.0 fixes it "
                                "(until_fixed)")
    assert d.exit_code == 1
    assert ("waiver #1 (PYSEC-2024-1) ended (until_fixed): requests 2.20.0 fixes "
            "PYSEC-2024-1 and no longer waives 1 failing finding(s): waiting for upstream"
            ) in d.reasons
    (state,) = d.waivers
    assert state.status is WaiverStatus.FIXED
    assert state.fixed_by == "requests 2.20.0 fixes PYSEC-2024-1"


def test_without_a_fix_above_the_pin_the_waiver_holds() -> None:
    # no fix at all; a fix only below the pin (another branch) does not end it either
    d = decide(until_fixed("PYSEC-2024-1") + until_fixed("GHSA-aaaa-bbbb-cccc"),
               [pin("requests", "2.19.0", "PYSEC-2024-1", []),
                pin("django", "4.2.1", "GHSA-aaaa-bbbb-cccc", ["3.2.20"], line=2)])
    assert [i.disposition for i in d.items] == [Disposition.WAIVED, Disposition.WAIVED]
    assert [s.status for s in d.waivers] == [WaiverStatus.USED, WaiverStatus.USED]
    assert d.exit_code == 0


def test_a_fix_below_the_threshold_only_warns_and_expiry_still_applies() -> None:
    low = replace(pin("requests", "2.19.0", "PYSEC-2024-1", ["2.20.0"]),
                  severity=Severity.MEDIUM)
    d = decide(until_fixed("PYSEC-2024-1"), [low])
    assert d.items[0].disposition is Disposition.WARN
    assert d.exit_code == 0
    assert any("ended (until_fixed)" in w for w in d.warnings)
    expired = evaluate(load_text("version = 1\n" + until_fixed("PYSEC-2024-1").replace(
        "2026-12-31", "2026-01-01"), "gate.toml"), [pin("requests", "2.19.0", "PYSEC-2024-1",
                                                       [])], [RUN], Context(today=TODAY))
    assert expired.waivers[0].status is WaiverStatus.EXPIRED
    assert expired.exit_code == 1


@pytest.mark.parametrize("entry,key,words", [
    (until_fixed("B602"), "until_fixed", ["only for a dependency advisory",
                                          "rule = 'B602'"]),
    (until_fixed("PYSEC-*"), "until_fixed", ["one advisory id", "no glob"]),
    ('[[waivers]]\nfingerprint = "abc"\nreason = "x"\nexpires = 2026-12-31\n'
     "until_fixed = true\n", "until_fixed", ["got no 'rule'"]),
    ('[[waivers]]\nrule = "PYSEC-1"\nreason = "x"\nexpires = 2026-12-31\n'
     'vex = "not_affected"\n', "vex", ["needs a 'justification'",
                                       "vulnerable_code_not_in_execute_path"]),
    ('[[waivers]]\nrule = "B602"\nreason = "x"\nexpires = 2026-12-31\n'
     'vex = "not_affected"\njustification = "component_not_present"\n', "vex",
     ["only for dependency advisories"]),
    ('[[waivers]]\nrule = "PYSEC-1"\nreason = "x"\nexpires = 2026-12-31\n'
     'vex = "not_affected"\njustification = "not_reachable"\n', "justification",
     ["expected one of component_not_present"]),
    ('[[waivers]]\nrule = "PYSEC-1"\nreason = "x"\nexpires = 2026-12-31\n'
     'justification = "component_not_present"\n', "justification",
     ['add vex = "not_affected"']),
])
def test_advisory_keys_are_checked(entry: str, key: str, words: list[str]) -> None:
    with pytest.raises(PolicyError) as raised:
        load_text("version = 1\n" + entry, "gate.toml")
    (issue,) = raised.value.issues
    assert issue.key == f"waivers[0].{key}"
    text = "version = 1\n" + entry
    assert issue.line == next(n for n, line in enumerate(text.splitlines(), 1)
                              if line.startswith(key + " ="))
    for word in words:
        assert word in issue.message, issue.message


def test_policy_check_names_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "p.toml").write_text("version = 1\n" + until_fixed("B602"), encoding="utf-8")
    result = run_gate("policy", "check", str(tmp_path / "p.toml"), cwd=tmp_path)
    assert result.code == 2
    assert "p.toml:6:" in result.stderr and "waivers[0].until_fixed" in result.stderr
    good = load_text("version = 1\n" + until_fixed(
        "GHSA-aaaa-bbbb-cccc", 'vex = "not_affected"\n'
        'justification = "inline_mitigations_already_exist"\n'), "gate.toml")
    (waiver,) = good.waivers
    assert (waiver.until_fixed, waiver.vex, waiver.justification) == (
        True, "not_affected", "inline_mitigations_already_exist")
