"""gate/report/waiver_hint.py: the exact [[waivers]] entry for a finding, as TOML."""

from __future__ import annotations

import datetime as dt

import tomli

from gate.findings import Confidence, Finding, Location, Severity
from gate.policy.decision import Decided, Disposition
from gate.report.groups import PackageGroup, entries
from gate.report.waiver_hint import entry, fix, for_entry, path_glob, rule_glob, toml_string
from gate.tree.globs import path_matches


def test_the_entry_names_exactly_one_rule_and_file() -> None:
    finding = Finding("semgrep", "rule[*]?", "r", "m", Severity.HIGH, Confidence.HIGH,
                      Location('we"ird [1]*.py', 3), "fp")
    lines = entry(Decided(finding, Disposition.FAIL, Severity.HIGH, "x"), dt.date(2026, 12, 1))
    waiver = tomli.loads("\n".join(lines))["waivers"][0]
    assert waiver["expires"] == dt.date(2026, 12, 31)
    assert waiver["rule"] == rule_glob("rule[*]?") == "rule[[][*]][?]"
    assert path_matches(waiver["paths"], 'we"ird [1]*.py')
    assert not path_matches(waiver["paths"], "sub/we\"ird [1]*.py")
    assert path_glob("a/b.py") == "a/b.py" and toml_string("\u202e") == '"\\u202E"'


def test_a_vulnerable_pins_advisories_each_get_an_entry_naming_the_package() -> None:
    def advisory(rule: str, severity: Severity) -> Decided:
        finding = Finding("pip-audit", rule, "r", "m", severity, Confidence.HIGH,
                          Location("requirements.txt", 1), rule, aliases=("CVE-1",),
                          remediation="Upgrade django.",
                          extra=(("package", "django"), ("version", "1.8\u202e3"),
                                 ("fixes_all", "1.8.19")))
        return Decided(finding, Disposition.FAIL, severity, "x")

    first, second = advisory("PYSEC-1", Severity.CRITICAL), advisory("PYSEC-2", Severity.HIGH)
    hints = {id(first): entry(first, dt.date(2026, 1, 1)),
             id(second): entry(second, dt.date(2026, 1, 1))}
    [group] = entries([first, second])
    assert isinstance(group, PackageGroup)
    lines = for_entry(group, hints)
    assert lines[0] == "# django 1.83: PYSEC-1 (also CVE-1)"  # the bidi override dropped
    assert lines.count("[[waivers]]") == 2 and "" in lines
    parsed = tomli.loads("\n".join(lines))["waivers"]
    assert [w["rule"] for w in parsed] == ["PYSEC-1", "PYSEC-2"]
    assert fix(group) == "Upgrade django to 1.8.19 or later: it fixes all of them."
    assert fix(first) == "Upgrade django." and for_entry(first, {}) == []
