"""``gate policy explain``: the effective policy with each value's origin, and why each
finding of a decision fails or is waived."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from gate.findings import Severity
from gate.policy.evaluate import Context, evaluate
from gate.policy.load import load
from gate.policy.provenance import origins
from gate.report.explain import BUILT_IN, render_decision, render_policy
from gate.runs import ScannerRun
from tests.helpers import TODAY, finding

CHILD = '''version = 1
extends = "base.toml"
fail_on = "medium"

[scanners.semgrep]
fail_on = "critical"

[[waivers]]
rule = "B602"
reason = "constant input, reviewed"
expires = 2026-12-01

[[waivers]]
rule = "B301"
reason = "legacy"
expires = 2026-11-01

[[waivers]]
rule = "B999"
reason = "due today"
expires = 2026-11-27
'''
BASE = '''version = 1
report = "low"

[scanners.bandit]
timeout = 30

[[rules]]
id = "B324"
severity = "critical"
'''


@pytest.fixture
def policy_dir(tmp_path: Path) -> Path:
    (tmp_path / "base.toml").write_text(BASE, encoding="utf-8")
    (tmp_path / "gate.toml").write_text(CHILD, encoding="utf-8")
    return tmp_path


def test_every_value_names_the_file_that_set_it(policy_dir: Path) -> None:
    policy = load(policy_dir)
    text = render_policy(policy, origins(policy.chain), TODAY)
    lines = text.splitlines()
    child, base = policy.chain[0], policy.chain[1]
    assert lines[0] == f"# effective policy: {child} <- {base}"
    line: dict[str, str] = {}  # the first line setting each key (the top level comes first)
    for ln in lines:
        if " = " in ln and not ln.startswith("#"):
            line.setdefault(ln.split(" = ")[0], ln)
    assert line["fail_on"].startswith('fail_on = "medium"') and line["fail_on"].endswith(child)
    assert line["report"].endswith(base)
    assert line["on_scanner_error"].endswith(f"# {BUILT_IN}")
    assert "[scanners.bandit]" in lines and "[scanners.semgrep]" in lines
    assert line["timeout"].startswith("timeout = 30") and line["timeout"].endswith(base)
    assert f"[[rules]]  # #1, {base}" in lines
    assert 'severity = "critical"' in lines
    waivers = [ln for ln in lines if ln.startswith("[[waivers]]")]
    assert waivers == [
        f"[[waivers]]  # waiver #1 (B602), {child}; expires in 4 day(s) - within "
        "warn_before_days = 14",
        f"[[waivers]]  # waiver #2 (B301), {child}; expired 26 day(s) ago",
        f"[[waivers]]  # waiver #3 (B999), {child}; expires today - within "
        "warn_before_days = 14",
    ]
    assert "expires = 2026-12-01" in lines


def test_why_each_finding_fails_or_is_waived(policy_dir: Path) -> None:
    policy = load(policy_dir)
    findings = [finding("B602", line=6), finding("B301", line=14, content="pickle"),
                finding("B324", line=18, content="md5", severity=Severity.MEDIUM),
                finding("python-yaml-unsafe-load", scanner="semgrep", line=22, cwe=(502,))]
    runs = [ScannerRun(n, n, "1", (), 1, None, 1) for n in ("bandit", "semgrep")]
    decision = evaluate(policy, findings, runs, Context(today=TODAY))
    where = origins(policy.chain)
    text = render_decision(decision, where, TODAY, "gate.sarif")
    lines = text.splitlines()
    assert lines[0] == "# gate.sarif: 4 issue(s): 2 fail, 1 warn, 1 waived"
    assert lines[1] == "verdict under this policy: fail (exit 1)"
    child, base = policy.chain[0], policy.chain[1]
    assert "FAILING (2):" in lines and "WAIVED (1):" in lines
    assert f"      fails by fail_on = \"medium\" ({child})" in lines
    assert f"      severity set to critical by [[rules]] #1 (id = 'B324', {base})" in lines
    assert "      waiver #2 (B301) matches but expired on 2026-11-01" in lines
    assert ("      waiver #1 (B602) applies until 2026-12-01 (4 day(s) left, within "
            "warn_before_days = 14): constant input, reviewed") in lines
    assert ("  warning: waiver #1 (B602) expires in 4 day(s), on 2026-12-01 "
            "(warn_before_days = 14)") in lines
    assert "WAIVERS EXPIRING WITHIN 14 DAY(S):" in lines
    assert "  waiver #2 (B301) expired on 2026-11-01" in lines
    # semgrep's own fail level is critical: its high finding only warns, and is not listed
    assert not any("semgrep/python-yaml-unsafe-load" in ln for ln in lines)


def test_a_scanner_fail_level_is_named_as_its_own_key(policy_dir: Path) -> None:
    policy = load(policy_dir)
    loud = finding("python-eval", scanner="semgrep", line=3, severity=Severity.CRITICAL)
    decision = evaluate(policy, [loud], [ScannerRun("semgrep", "semgrep", "1", (), 1, None, 1)],
                        Context(today=dt.date(2026, 1, 1)))
    text = render_decision(decision, origins(policy.chain), dt.date(2026, 1, 1), "x.sarif")
    assert f'fails by scanners.semgrep.fail_on = "critical" ({policy.chain[0]})' in text
