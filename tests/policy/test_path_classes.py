"""Path classes (``[paths.tests]``, ``docs``, ``examples``): which files belong to each, how
their adjustments combine with the thresholds and ``--fail-on``, what is never relaxed, how
a bad ``[paths]`` table is reported, and the what-if per class."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from gate.findings import Finding, Severity
from gate.policy.decision import Disposition
from gate.policy.errors import PolicyError
from gate.policy.evaluate import Context, evaluate
from gate.policy.load import load_preset, load_text
from gate.policy.model import Level, Policy
from gate.policy.what_if import class_effects, what_if
from gate.scanners import is_secret_finding
from tests.helpers import finding as helper_finding
from tests.helpers import run_gate


def finding(rule: str = "B501", *args: Any, **kwargs: Any) -> Finding:
    """A constructed finding that fails under the default preset unless told otherwise:
    bandit's B501 (TLS verification off, high), since the preset warns on B602 (a shell
    sink with no known source)."""
    if rule == "B501":
        kwargs.setdefault("cwe", (295,))
    return helper_finding(rule, *args, **kwargs)

CTX = Context(today=dt.date(2026, 6, 1))
DEFAULT = load_preset("default")


def _decide(policy: Policy, *findings: Finding):  # type: ignore[no-untyped-def]
    return evaluate(policy, findings, [], CTX)


def _one(policy: Policy, item: Finding):  # type: ignore[no-untyped-def]
    [decided] = _decide(policy, item).items
    return decided


@pytest.mark.parametrize("path,klass", [
    ("tests/test_app.py", "tests"),
    ("tests/helpers/data.json", "tests"),
    ("src/pkg/tests/fixtures/app.py", "tests"),  # nested tests/ folders (numpy, Flask apps)
    ("pkg/test_x.py", "tests"),  # basename patterns match at any depth
    ("pkg/sub/x_test.py", "tests"),
    ("conftest.py", "tests"),
    ("src/conftest.py", "tests"),
    ("docs/conf.py", "docs"),
    ("docs/requirements.txt", "docs"),
    ("docs_src/tutorial/app.py", "docs"),
    ("examples/flaskr/app.py", "examples"),
    ("examples/a/requirements.txt", "examples"),
    ("benchmarks/run.py", "examples"),
    ("docs/tests/test_build.py", "tests"),  # the first class in order wins: tests
    ("app.py", None),
    ("src/pkg/testing.py", None),
    ("django/test/client.py", None),  # shipped test utilities are product code
    ("pkg/docs/index.py", None),  # docs/ and examples/ count at the root only
    ("latest_tests.py", None),
    ("requirements/tests-dev.txt", "tests"),  # requirements installed only for the tests
    ("test-requirements.txt", "tests"),
    ("requirements-test.txt", "tests"),
    ("requirements/base.txt", None),
    ("requirements-dev.txt", None),
])
def test_built_in_patterns(path: str, klass: str | None) -> None:
    found = DEFAULT.path_class(path)
    assert (found.name if found else None) == klass


def test_default_preset_reports_but_does_not_fail_below_critical() -> None:
    decision = _decide(DEFAULT, finding(path="tests/test_app.py", line=3),
                       finding(path="app.py", line=3),
                       finding(path="docs/x.py", severity=Severity.MEDIUM),
                       finding(path="examples/y.py", severity=Severity.CRITICAL))
    got = {(d.finding.location.path, d.disposition, d.path_class) for d in decision.items}
    assert got == {("tests/test_app.py", Disposition.WARN, "tests"),
                   ("app.py", Disposition.FAIL, None),
                   ("docs/x.py", Disposition.WARN, "docs"),
                   ("examples/y.py", Disposition.FAIL, "examples")}
    tests_item = next(d for d in decision.items if d.path_class == "tests")
    assert tests_item.reason == ("severity high below fail_on = critical ([paths.tests]); "
                                 "reaches report = medium")
    assert tests_item.path_effects == (
        "fail_on = critical by [paths.tests] (instead of high): kept from failing",)
    assert decision.class_counts() == {
        "tests": {"fail": 0, "warn": 1, "waived": 0, "baseline": 0, "hidden": 0},
        "docs": {"fail": 0, "warn": 1, "waived": 0, "baseline": 0, "hidden": 0},
        "examples": {"fail": 1, "warn": 0, "waived": 0, "baseline": 0, "hidden": 0},
        None: {"fail": 1, "warn": 0, "waived": 0, "baseline": 0, "hidden": 0}}


def test_credentials_are_never_relaxed_by_path() -> None:
    token = replace(finding("betterleaks.github-pat", "tests/test_app.py", scanner="secrets"),
                    secret=True)
    decided = _one(DEFAULT, token)
    assert decided.disposition is Disposition.FAIL
    assert decided.path_class == "tests"
    assert decided.path_effects == (
        'not relaxed by [paths.tests] fail_on = "critical": secrets findings (credentials) '
        "are never relaxed by path",)
    shifted = load_text('version = 1\n[paths.tests]\nseverity = { high = "info" }\n'
                        'fail_on = "none"\n', "p.toml")
    assert _one(shifted, token).disposition is Disposition.FAIL
    assert _one(shifted, token).severity is Severity.HIGH


@pytest.mark.parametrize("item", [
    finding("B105", "tests/test_settings.py", content="password = 'x'"),
    replace(finding("flask-hardcoded-secret-key", "tests/app.py", scanner="semgrep"),
            secret=True),
])
def test_hard_coded_keys_are_code_findings_for_their_disposition(item: Finding) -> None:
    """Path classes apply to them (in tests: reported, not failing); elsewhere they fail;
    redaction still treats them as secrets."""
    assert is_secret_finding(item)
    assert _one(DEFAULT, item).disposition is Disposition.WARN
    elsewhere = replace(item, location=replace(item.location, path="app/settings.py"))
    assert _one(DEFAULT, elsewhere).disposition is Disposition.FAIL


def test_fail_on_flag_then_class_on_top() -> None:
    """``--fail-on medium`` sets every threshold; the class still relaxes its files, and a
    class never fails what the rest of the policy passes (``--fail-on none``)."""
    policy = load_text('version = 1\n[paths.tests]\nfail_on = "high"\n', "p.toml")
    medium = policy.with_fail_on(Severity.MEDIUM)
    items = (finding(path="tests/t.py", severity=Severity.MEDIUM),
             finding(path="tests/t.py", line=2, severity=Severity.HIGH),
             finding(path="app.py", severity=Severity.MEDIUM))
    got = [(d.finding.location.path, d.severity, d.disposition)
           for d in _decide(medium, *items).items]
    assert got == [("tests/t.py", Severity.MEDIUM, Disposition.WARN),
                   ("tests/t.py", Severity.HIGH, Disposition.FAIL),
                   ("app.py", Severity.MEDIUM, Disposition.FAIL)]
    nothing = policy.with_fail_on(None)
    assert {d.disposition for d in _decide(nothing, *items).items} == {Disposition.WARN}
    critical = policy.with_fail_on(Severity.CRITICAL)
    assert _one(critical, items[1]).disposition is Disposition.WARN
    assert _one(critical, items[1]).path_effects == ()  # critical is already looser


@pytest.mark.parametrize("setting,tool,expected", [
    ("-1", Severity.HIGH, Severity.MEDIUM),
    ("-2", Severity.MEDIUM, Severity.INFO),
    ("-4", Severity.LOW, Severity.INFO),  # clamped at info
    ("1", Severity.CRITICAL, Severity.CRITICAL),  # clamped at critical
    ('{ high = "low" }', Severity.HIGH, Severity.LOW),
    ('{ high = "low" }', Severity.MEDIUM, Severity.MEDIUM),  # not in the table: unchanged
])
def test_severity_adjustment(setting: str, tool: Severity, expected: Severity) -> None:
    policy = load_text(f"version = 1\n[paths.docs]\nseverity = {setting}\n", "p.toml")
    decided = _one(policy, finding(path="docs/x.py", severity=tool))
    assert decided.severity is expected
    assert decided.finding.severity is tool
    if expected is not tool:
        assert decided.path_effects[0].startswith(f"severity {tool.word} -> {expected.word} "
                                                  f"by [paths.docs] severity = ")


def test_a_rules_severity_wins_over_the_class_shift() -> None:
    policy = load_text('version = 1\n[paths.tests]\nseverity = -2\n[[rules]]\nid = "B501"\n'
                       'severity = "critical"\n', "p.toml")
    decided = _one(policy, finding(path="tests/t.py"))
    assert (decided.severity, decided.disposition) == (Severity.CRITICAL, Disposition.FAIL)
    assert [r.index for r in decided.severity_rules] == [0]


def test_report_replaces_the_report_level_in_the_class() -> None:
    policy = load_text('version = 1\n[paths.examples]\nreport = "low"\n'
                       '[paths.docs]\nreport = "none"\n', "p.toml")
    low = finding(path="examples/x.py", severity=Severity.LOW)
    assert _one(policy, low).disposition is Disposition.WARN
    assert _one(policy, replace(low, location=replace(low.location, path="x.py"))
                ).disposition is Disposition.HIDDEN
    assert _one(policy, low).path_effects == (
        "report = low by [paths.examples] (instead of medium): reported",)
    medium = finding(path="docs/x.py", severity=Severity.MEDIUM)
    assert _one(policy, medium).disposition is Disposition.HIDDEN
    assert _one(policy, finding(path="docs/x.py", severity=Severity.HIGH)).path_effects == ()
    assert _one(policy, medium).reason == ("severity medium below report = none "
                                           "([paths.docs])")


def test_patterns_are_overridden_per_class_and_an_empty_list_turns_it_off() -> None:
    policy = load_text('version = 1\nextends = "default"\n[paths.tests]\n'
                       'patterns = ["spec/**"]\n[paths.docs]\npatterns = []\n', "p.toml")
    assert [d.disposition for d in _decide(
        policy, finding(path="spec/a.py"), finding(path="tests/a.py"),
        finding(path="docs/a.py")).items] == [Disposition.WARN, Disposition.FAIL,
                                               Disposition.FAIL]
    assert policy.path_class("docs/a.py") is None
    examples = policy.path_class("examples/a.py")
    assert examples is not None and examples.fail_on is Severity.CRITICAL  # from the preset


def test_dependency_findings_have_path_classes() -> None:
    item = finding("PYSEC-2020-1", "examples/app/requirements.txt", scanner="pip-audit",
                   cwe=())
    decided = _one(DEFAULT, item)
    assert (decided.path_class, decided.disposition) == ("examples", Disposition.WARN)


def _pin(manifest_class: str, path: str = "pyproject.toml") -> Finding:
    item = finding("PYSEC-2020-1", path, scanner="pip-audit", cwe=())
    why = (("manifest_class_why", "optional-dependencies group 'dev'"),)
    return replace(item, extra=(("manifest_class", manifest_class),
                                *(why if manifest_class != "production" else ())))


def test_a_development_manifest_entry_is_judged_in_its_class() -> None:
    """A vulnerable pin in a dev extra, a test group or docs requirements warns under the
    default preset; the same pin for production fails."""
    judged = {klass: _one(DEFAULT, _pin(klass))
              for klass in ("production", "dev", "test", "docs")}
    assert {k: (d.path_class, d.disposition) for k, d in judged.items()} == {
        "production": (None, Disposition.FAIL), "dev": ("tests", Disposition.WARN),
        "test": ("tests", Disposition.WARN), "docs": ("docs", Disposition.WARN)}
    assert judged["dev"].path_effects == (
        "judged in [paths.tests] as a dev manifest entry (optional-dependencies group 'dev')",
        'fail_on = critical by [paths.tests] (instead of high): kept from failing')
    # the file's own class comes first; a class turned off judges nothing
    assert _one(DEFAULT, _pin("dev", "examples/pyproject.toml")).path_class == "examples"
    off = load_text('version = 1\nextends = "default"\n[paths.tests]\npatterns = []\n',
                    "p.toml")
    assert (_one(off, _pin("dev")).path_class, _one(off, _pin("dev")).disposition) == (
        None, Disposition.FAIL)


@pytest.mark.parametrize("text,line,words", [
    ('version = 1\n[paths.test]\nfail_on = "high"\n', 2,
     ["[paths.test]", "did you mean 'tests'", "docs, examples"]),
    ('version = 1\n[paths.tests]\nfail_on = "severe"\n', 3,
     ["[paths.tests.fail_on]", "critical, high, medium, low, info, none"]),
    ('version = 1\n[paths.tests]\nseverity = "-1"\n', 3,
     ["[paths.tests.severity]", "write the number without quotes", "severity = -1",
      'severity = { high = "medium", medium = "low" }']),
    ('version = 1\n[paths.tests]\nseverity = 7\n', 3, ["from -4 to 4"]),
    ('version = 1\n[paths.tests]\nseverity = { high = "lowest" }\n', 3,
     ["[paths.tests.severity]", "critical, high, medium, low, info"]),
    ('version = 1\n[paths.docs]\npatterns = "docs/**"\n', 3,
     ["[paths.docs.patterns]", "list of strings"]),
    ('version = 1\n[paths.docs]\nfail = "high"\n', 3,
     ["unknown key 'fail'", "fail_on, patterns, report, severity"]),
    ('version = 1\npaths = ["tests/**"]\n', 2, ["[paths]", "[paths.tests]"]),
    ('version = 1\n[paths]\ntests = "tests/**"\n', 3,
     ["[paths.tests]", "fail_on, patterns, report, severity"]),
])
def test_bad_path_classes_say_file_line_and_what_is_valid(text: str, line: int,
                                                          words: list[str]) -> None:
    with pytest.raises(PolicyError) as info:
        load_text(text, "p.toml")
    message = str(info.value)
    assert message.startswith(f"p.toml:{line}:"), message
    for word in words:
        assert word in message, message


def test_policy_check_exits_2_on_a_bad_class(tmp_path: Path) -> None:
    (tmp_path / "p.toml").write_text('version = 1\n[paths.tests]\nseverity = "-1"\n',
                                     encoding="utf-8")
    result = run_gate("policy", "check", str(tmp_path / "p.toml"), cwd=tmp_path)
    assert result.code == 2, result.output
    assert "p.toml:3: [paths.tests.severity] expected a whole number of steps" in result.stderr
    assert "Traceback" not in result.output


def _what_if(policy: Policy, *items: Finding):  # type: ignore[no-untyped-def]
    current = _decide(policy, *items)
    return current, what_if(policy, items, [], CTX, current), class_effects(
        policy, items, [], CTX, current)


def test_what_if_counts_failing_per_class_and_each_class_effect() -> None:
    items = (finding(path="tests/t.py"), finding("B301", "tests/u.py", cwe=(502,)),
             finding(path="app.py", severity=Severity.MEDIUM),
             finding("B105", "docs/conf.py", severity=Severity.LOW, cwe=(259,)))
    current, rows, effects = _what_if(DEFAULT, *items)
    by_level: dict[Level, dict[str | None, int]] = {
        row.level: dict(row.by_class) for row in rows}
    assert by_level[Severity.HIGH] == {"tests": 0, "docs": 0, "examples": 0, None: 0}
    assert by_level[Severity.MEDIUM] == {"tests": 0, "docs": 0, "examples": 0, None: 1}
    assert by_level[Severity.LOW] == {"tests": 0, "docs": 0, "examples": 0, None: 1}
    assert [(e.name, e.issues, e.failing, e.failing_without, e.kept_from_failing)
            for e in effects] == [
        ("tests", 2, 0, 2, (("bandit", "B301"), ("bandit", "B501"))),
        ("docs", 1, 0, 0, ()),
        ("examples", 0, 0, 0, ())]
    assert effects[0].adjustments == '[paths.tests] fail_on = "critical"'
    assert current.verdict.value == "pass"


def test_classes_that_adjust_nothing_only_label() -> None:
    policy = load_text("version = 1\n", "p.toml")
    decided = _one(policy, finding(path="tests/t.py"))
    assert (decided.path_class, decided.disposition, decided.path_effects) == (
        "tests", Disposition.FAIL, ())
    assert class_effects(policy, [decided.finding], [], CTX, _decide(
        policy, decided.finding)) == ()


def test_policy_check_lists_the_classes_and_warns_about_an_idle_one(tmp_path: Path) -> None:
    (tmp_path / "p.toml").write_text('version = 1\nfail_on = "critical"\n[paths.docs]\n'
                                     'fail_on = "medium"\npatterns = []\n', encoding="utf-8")
    result = run_gate("policy", "check", str(tmp_path / "p.toml"), cwd=tmp_path)
    assert result.code == 0, result.output
    assert ("  path class tests: tests/**, **/tests/**, test_*.py, *_test.py, conftest.py, "
            "requirements/test*.txt, test-requirements*.txt, requirements-test*.txt; "
            "[paths.tests] (labels only)") in result.stdout
    assert '  path class docs: no patterns (off); [paths.docs] fail_on = "medium"' in (
        result.stdout)
    assert ("warning: [paths.docs] fail_on = medium is stricter than fail_on = critical: a "
            "path class only relaxes, so it changes nothing") in result.stdout


def test_explain_shows_each_class_with_where_its_values_come_from(tmp_path: Path) -> None:
    from gate.policy.provenance import origins
    from gate.report.explain import render_policy

    (tmp_path / "gate.toml").write_text('version = 1\nextends = "default"\n[paths.tests]\n'
                                        'severity = { high = "medium" }\n', encoding="utf-8")
    policy = load_text((tmp_path / "gate.toml").read_text(), str(tmp_path / "gate.toml"))
    text = render_policy(policy, origins(policy.chain), CTX.today)
    tests_part = text.split("[paths.tests]")[1].split("[paths.docs]")[0]
    assert '"requirements-test*.txt"] # built-in default' in tests_part
    assert 'fail_on = "critical"' in tests_part and "# preset:default" in tests_part
    assert 'severity = { high = "medium" }' in tests_part
    assert str(tmp_path / "gate.toml") in tests_part
