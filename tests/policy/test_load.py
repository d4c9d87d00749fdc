"""Policy files: discovery, validation errors with file, line and key, ``gate policy check``."""

from __future__ import annotations

from pathlib import Path

import pytest

from gate.findings import Severity
from gate.policy.errors import PolicyError
from gate.policy.load import load
from tests.helpers import make_repo, run_gate


def _check(tmp_path: Path, text: str):
    (tmp_path / "p.toml").write_text(text)
    return run_gate("policy", "check", str(tmp_path / "p.toml"), cwd=tmp_path)


@pytest.mark.parametrize("text,line,words", [
    ('version = 1\nfail_onn = "high"\n', 2, ["fail_onn", "did you mean 'fail_on'", "report"]),
    ('version = 1\nfail_on = "severe"\n', 2, ["fail_on", "critical, high, medium"]),
    ('version = 1\n[scanners.bandit]\ntimeout = "fast"\n', 3, ["scanners.bandit.timeout",
                                                               "number of seconds"]),
    ('version = 1\n[scanners.banditt]\n', 2, ["banditt", "pip-audit"]),
    ('version = 1\nexclude = "tests"\n', 2, ["exclude", "list of strings"]),
    ('version = 1\n[[waivers]]\nrule = "B602"\nexpires = 2026-01-01\n', 2,
     ["waivers[0]", "reason"]),
    ('version = 1\n[[waivers]]\nrule = "B602"\nreason = "x"\nexpires = "soon"\n', 5,
     ["waivers[0].expires", "TOML date"]),
    ('version = 2\n', 1, ["version", "expected 1"]),
    ('version = 1\nfail_on = [\n', None, ["not valid TOML"]),
])
def test_bad_policies_exit_2_with_file_line_key(tmp_path: Path, text: str, line: int | None,
                                                words: list[str]) -> None:
    result = _check(tmp_path, text)
    assert result.code == 2, result.output
    assert "p.toml" in result.stderr
    if line:
        assert f"p.toml:{line}:" in result.stderr, result.stderr
    for word in words:
        assert word in result.stderr, result.stderr


def test_good_policy_checks(tmp_path: Path) -> None:
    text = "version = 1\nfail_on = \"medium\"\n[scanners.semgrep]\nenabled = false\n"
    result = _check(tmp_path, text)
    assert result.code == 0 and "policy OK" in result.stdout


def test_bad_policy_makes_scan_exit_2(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", files={"gate.toml": "version = 1\nbogus = 1\n",
                                            "a.py": "x = 1\n"})
    result = run_gate("scan", ".", cwd=repo)
    assert result.code == 2 and "bogus" in result.stderr


def test_discovery_order(tmp_path: Path) -> None:
    assert load(tmp_path).source == "preset:default"
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert load(tmp_path).source == "preset:default"
    (tmp_path / "pyproject.toml").write_text('[tool.gate]\nversion = 1\nfail_on = "low"\n')
    assert load(tmp_path).fail_on is Severity.LOW
    (tmp_path / ".gate.toml").write_text('version = 1\nfail_on = "critical"\n')
    assert load(tmp_path).fail_on is Severity.CRITICAL
    (tmp_path / "gate.toml").write_text("version = 1\n")
    with pytest.raises(PolicyError, match="keep exactly one"):
        load(tmp_path)


def test_pyproject_errors_point_into_tool_gate(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.gate]\n'
                                             'version = 1\nfail_on = "loud"\n')
    with pytest.raises(PolicyError) as info:
        load(tmp_path)
    assert "pyproject.toml:6:" in str(info.value)


def test_extends_merges_child_wins(tmp_path: Path) -> None:
    (tmp_path / "base.toml").write_text('version = 1\nfail_on = "low"\nreport = "low"\n'
                                        '[scanners.bandit]\ntimeout = 5\nconfidence = "high"\n')
    (tmp_path / "gate.toml").write_text('version = 1\nextends = "base.toml"\nfail_on = "high"\n'
                                        '[scanners.bandit]\ntimeout = 9\n')
    policy = load(tmp_path)
    assert policy.fail_on is Severity.HIGH and policy.report is Severity.LOW
    assert policy.scanner("bandit").timeout == 9
    assert policy.scanner("bandit").confidence.word == "high"
    assert policy.chain[-1].endswith("base.toml")


def test_presets_load() -> None:
    from gate.policy.load import load_preset
    assert load_preset("strict").fail_on is Severity.MEDIUM
    assert load_preset("monitor").fail_on is None


def test_a_timeout_too_large_for_a_float_is_a_policy_error() -> None:
    from gate.policy.load import load_text

    with pytest.raises(PolicyError, match=r"scanners\.bandit\.timeout"):
        load_text("version = 1\n[scanners.bandit]\ntimeout = 1" + "0" * 400 + "\n", "p.toml")
