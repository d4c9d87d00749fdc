"""The policy engine on constructed findings: dispositions and their order, expiry on the
boundary days, path scopes, baselines and inline suppressions as dispositions, cross-tool
duplicates. Baseline files and suppression comments themselves: tests/test_baseline.py and
tests/test_suppressions.py."""

from __future__ import annotations

import datetime as dt

import pytest

from gate import baseline
from gate.findings import Confidence, Finding, InlineSuppression, Location, Severity
from gate.policy.decision import Disposition
from gate.policy.evaluate import Context, evaluate
from gate.policy.load import load_text
from gate.runs import ScannerRun
from tests.helpers import TODAY, finding


def run(name: str = "bandit", ok: bool = True) -> ScannerRun:
    return ScannerRun(name, name, "1", (), 0, None if ok else "crashed", 1)


def decide(policy_text: str, findings: list[Finding], runs: list[ScannerRun] | None = None,
           **ctx: object):
    policy = load_text("version = 1\n" + policy_text, "test.toml")
    context = Context(today=ctx.pop("today", TODAY), **ctx)  # type: ignore[arg-type]
    return evaluate(policy, findings, runs or [run()], context)


def waiver(rule: str = "B602", expires: str = "2026-12-31", extra: str = "") -> str:
    return f'[[waivers]]\nrule = "{rule}"\nreason = "accepted"\nexpires = {expires}\n{extra}\n'


# --- dispositions and their order -------------------------------------------------------

def test_thresholds_fail_warn_hidden() -> None:
    d = decide("", [finding(severity=Severity.HIGH), finding("B301", line=2,
               severity=Severity.MEDIUM), finding("B101", line=3, severity=Severity.LOW)])
    assert [i.disposition for i in d.items] == [Disposition.FAIL, Disposition.WARN,
                                                Disposition.HIDDEN]
    assert d.exit_code == 1


def test_rule_ignore_beats_waiver_and_inline() -> None:
    nosec = InlineSuppression("nosec", (), "")
    d = decide('[[rules]]\nid = "B6*"\nignore = true\nreason = "not our code"\n' + waiver(),
               [finding(suppression=nosec)])
    assert d.items[0].disposition is Disposition.HIDDEN
    assert "not our code" in d.items[0].reason
    assert d.exit_code == 0


def test_waiver_beats_baseline_and_baseline_beats_threshold() -> None:
    f = finding()
    other = finding("B324", line=20, content="md5(x)", cwe=(328,))
    recorded = baseline.create([f, other], TODAY)
    d = decide(waiver(), [f, other], baseline=recorded, new_only=True)
    by_rule = {i.finding.rule_id: i for i in d.items}
    assert by_rule["B602"].disposition is Disposition.WAIVED
    assert by_rule["B324"].disposition is Disposition.BASELINE
    assert by_rule["B324"].baseline_state == "unchanged"
    assert d.exit_code == 0


def test_inline_suppression_beats_baseline_and_deny_ignores_it() -> None:
    f = finding(suppression=InlineSuppression("gate", ("B602",), "input is a constant"))
    recorded = baseline.create([f], TODAY)
    allowed = decide("", [f], baseline=recorded, new_only=True)
    assert allowed.items[0].disposition is Disposition.WAIVED
    assert "input is a constant" in allowed.items[0].reason
    denied = decide('inline_suppressions = "deny"\n', [f])
    assert denied.items[0].disposition is Disposition.FAIL


@pytest.mark.parametrize("comment", [InlineSuppression("gate", ("*",), "test key"),
                                     InlineSuppression("kingfisher", (), "")])
def test_no_inline_comment_accepts_a_credential_unless_the_policy_says_so(
        comment: InlineSuppression) -> None:
    token = finding("betterleaks.github-pat", path=".env", scanner="secrets",
                    suppression=comment)
    code = finding(suppression=InlineSuppression("gate", ("B602",), "constant"))
    by_default = decide("", [token, code], [run("secrets"), run()])
    dispositions = {i.finding.scanner: i for i in by_default.items}
    assert dispositions["secrets"].disposition is Disposition.FAIL
    assert "only a [[waivers]] entry of the policy can accept it" in \
        dispositions["secrets"].reason
    assert dispositions["bandit"].disposition is Disposition.WAIVED
    inline = decide('secret_suppressions = "inline"\n', [token], [run("secrets")])
    assert inline.items[0].disposition is Disposition.WAIVED
    by_waiver = decide(waiver("betterleaks.github-pat"), [token], [run("secrets")])
    assert by_waiver.items[0].disposition is Disposition.WAIVED


def test_baseline_without_new_only_only_sets_state() -> None:
    f = finding()
    d = decide("", [f], baseline=baseline.create([f], TODAY))
    assert d.items[0].disposition is Disposition.FAIL
    assert d.items[0].baseline_state == "unchanged"


def test_rule_severity_override_with_path_scope() -> None:
    rules = '[[rules]]\nid = "B3*"\npaths = ["tests/**"]\nseverity = "info"\n'
    inside = finding("B324", path="tests/test_a.py", cwe=(328,))
    outside = finding("B324", path="src/a.py", cwe=(327,))
    other_rule = finding("B602", path="tests/test_a.py")
    d = decide(rules, [inside, outside, other_rule])
    assert [i.disposition for i in d.items] == [Disposition.HIDDEN, Disposition.FAIL,
                                                Disposition.FAIL]
    assert d.items[0].severity is Severity.INFO


def test_rule_by_scanner_only() -> None:
    d = decide('[[rules]]\nscanner = "semgrep"\nseverity = "low"\n',
               [finding(), finding("shell", scanner="semgrep", line=30, cwe=())],
               [run(), run("semgrep")])
    assert [i.severity for i in d.items] == [Severity.HIGH, Severity.LOW]


def test_waiver_path_scope_and_fingerprint() -> None:
    f = finding(path="src/a.py")
    assert decide(waiver(extra='paths = ["src/**"]'), [f]).items[0].disposition \
        is Disposition.WAIVED
    assert decide(waiver(extra='paths = ["tests/**"]'), [f]).items[0].disposition \
        is Disposition.FAIL
    by_print = (f'[[waivers]]\nfingerprint = "{f.fingerprint}"\nreason = "ok"\n'
                f'expires = 2026-12-31\n')
    assert decide(by_print, [f]).items[0].disposition is Disposition.WAIVED


def test_waiver_matches_advisory_alias() -> None:
    f = Finding("pip-audit", "PYSEC-2024-1", "x", "m", Severity.HIGH, Confidence.HIGH,
                Location("requirements.txt", 1), "fp", aliases=("GHSA-aaaa-bbbb-cccc",))
    d = decide(waiver("GHSA-aaaa-bbbb-cccc"), [f], [run("pip-audit")])
    assert d.items[0].disposition is Disposition.WAIVED


# --- expiry on the boundary days ---------------------------------------------------------

@pytest.mark.parametrize("today,expected", [
    (dt.date(2026, 11, 26), Disposition.WAIVED),
    (dt.date(2026, 11, 27), Disposition.WAIVED),   # active through its whole expiry date
    (dt.date(2026, 11, 28), Disposition.FAIL),
])
def test_expiry_boundary(today: dt.date, expected: Disposition) -> None:
    d = decide(waiver(expires="2026-11-27"), [finding()], today=today)
    assert d.items[0].disposition is expected
    if expected is Disposition.FAIL:
        assert d.exit_code == 1
        assert any("waiver #1 (B602) expired on 2026-11-27" in r for r in d.reasons)
        assert "expired on 2026-11-27" in d.items[0].reason


@pytest.mark.parametrize("days,warned", [(14, True), (0, True), (15, False)])
def test_warn_before_days(days: int, warned: bool) -> None:
    expires = TODAY + dt.timedelta(days=days)
    d = decide(waiver(expires=expires.isoformat()), [finding()])
    assert any("expires" in w and expires.isoformat() in w for w in d.warnings) is warned
    assert d.waivers[0].expiring is warned


def test_warn_before_days_setting_is_used() -> None:
    d = decide("warn_before_days = 30\n" + waiver(expires="2026-12-20"), [finding()])
    assert d.waivers[0].expiring


# --- unused waivers ------------------------------------------------------------------------

def test_unused_waiver_warns_or_fails() -> None:
    d = decide(waiver("B999"), [finding()], scope={"bandit": frozenset({"app.py"})})
    assert d.waivers[0].status == "unused"
    assert any("matched no finding" in w for w in d.warnings)
    strict = decide('unused_waivers = "fail"\n' + waiver("B999") + waiver(), [finding()],
                    scope={"bandit": frozenset({"app.py"})})
    assert strict.exit_code == 1
    assert any("waiver #1 (B999) matched no finding" in r for r in strict.reasons)


def test_unused_judged_only_over_succeeded_scanners_and_scanned_files() -> None:
    policy = 'unused_waivers = "fail"\non_scanner_error = "warn"\n'
    # bandit failed: a bandit waiver cannot be called unused
    d = decide(policy + waiver("B602"), [], [run("bandit", ok=False), run("semgrep")],
               scope={"bandit": frozenset({"app.py"}), "semgrep": frozenset({"app.py"})})
    assert d.waivers[0].status == "not judged" and d.exit_code == 0
    # the waiver's paths were not scanned
    d = decide(policy + waiver(extra='paths = ["other/**"]'), [], [run()],
               scope={"bandit": frozenset({"app.py"})})
    assert d.waivers[0].status == "not judged" and d.exit_code == 0
    # a waiver for a semgrep rule while semgrep failed and bandit succeeded
    d = decide(policy + waiver("subprocess-shell-true"), [],
               [run("bandit"), run("semgrep", ok=False)],
               scope={"bandit": frozenset({"app.py"}), "semgrep": frozenset({"app.py"})})
    assert d.waivers[0].status == "not judged" and d.exit_code == 0


# --- cross-tool duplicates ------------------------------------------------------------------

def test_cross_tool_duplicate_counted_once_with_both_tools_named() -> None:
    b = finding("B602", line=6)
    s = finding("subprocess-shell-true", scanner="semgrep", line=6)
    d = decide("", [b, s], [run(), run("semgrep")])
    assert d.counts()["fail"] == 1
    assert d.reasons[0].startswith("1 finding(s)")
    leads = [i for i in d.items if i.duplicate_of is None]
    assert len(leads) == 1 and len(d.items) == 2
    other = {"bandit": "semgrep", "semgrep": "bandit"}[leads[0].finding.scanner]
    assert leads[0].also_found_by == (other,)
    from gate.report import sarif

    # one SARIF result, in the lead's run, the other tool named in its properties
    runs = {r["tool"]["driver"]["name"]: r for r in sarif.to_dict(d)["runs"]}
    lead = leads[0].finding.scanner
    assert len(runs[lead]["results"]) == 1 and len(runs[other]["results"]) == 0
    named = runs[lead]["results"][0]["properties"]["gate/also-found-by"]
    assert [(t["tool"], t["startLine"]) for t in named] == [(other, 6)]


def test_same_line_different_cwe_is_not_a_duplicate() -> None:
    d = decide("", [finding("B602", line=6), finding("x", scanner="semgrep", line=6, cwe=(94,))],
               [run(), run("semgrep")])
    assert d.counts()["fail"] == 2


# --- baselines ------------------------------------------------------------------------------

def test_baseline_absent_judged_only_over_scanned_files_and_ok_scanners() -> None:
    recorded = baseline.create([finding(path="a.py"), finding(path="b.py")], TODAY)
    d = decide("", [], [run()], baseline=recorded, scope={"bandit": frozenset({"a.py"})})
    assert [a["path"] for a in d.absent] == ["a.py"]
    failed = decide('on_scanner_error = "warn"\n', [], [run(ok=False)], baseline=recorded,
                    scope={"bandit": frozenset({"a.py", "b.py"})})
    assert failed.absent == ()
