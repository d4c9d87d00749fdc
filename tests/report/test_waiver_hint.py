"""gate/report/waiver_hint.py: the exact [[waivers]] entry for a finding, as TOML."""

from __future__ import annotations

import datetime as dt

import tomli

from gate.findings import Confidence, Finding, Location, Severity
from gate.policy.decision import Decided, Disposition
from gate.report.waiver_hint import entry, path_glob, rule_glob, toml_string
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
