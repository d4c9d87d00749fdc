"""One error path: a GateError exits with its code and advice; anything else is a bug (3)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gate import __version__
from gate.cli import main
from gate.errors import (
    AdvisoryDataError,
    BaselineError,
    CacheError,
    DiscoveryError,
    GateError,
    GitError,
    SarifImportError,
    UsageError,
)
from gate.policy.errors import PolicyError, PolicyIssue
from gate.scanners import REGISTRY
from tests.helpers import make_repo

HIT = "import subprocess\nsubprocess.call(input(), shell=True)\n"


class _Broken:
    """A registry entry whose every attribute raises: a bug inside an adapter."""

    def __getattr__(self, name: str) -> object:
        raise RuntimeError(f"adapter bug reading {name}")


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    out, err = capsys.readouterr()
    code = exited.value.code
    return code if isinstance(code, int) else 1, out, err


def test_a_broken_adapter_exits_3_with_a_message_and_no_traceback(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    repo = make_repo(tmp_path / "r", files={"app.py": HIT})
    monkeypatch.setitem(REGISTRY, "bandit", _Broken())
    monkeypatch.delenv("GATE_DEBUG", raising=False)
    code, out, err = _run(["scan", str(repo), "--no-cache", "--scanners", "bandit"], capsys)
    assert code == 3
    assert "Traceback" not in out + err
    assert f"internal error: RuntimeError in secops-gate {__version__}" in err
    assert "please report it" in err and "GATE_DEBUG=1" in err


def test_gate_debug_shows_the_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    repo = make_repo(tmp_path / "r", files={"app.py": HIT})
    monkeypatch.setitem(REGISTRY, "bandit", _Broken())
    monkeypatch.setenv("GATE_DEBUG", "1")
    code, _, err = _run(["scan", str(repo), "--no-cache", "--scanners", "bandit"], capsys)
    assert code == 3
    assert "Traceback" in err and "adapter bug reading select" in err


def test_a_bug_inside_a_scan_fails_that_scanner_closed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    repo = make_repo(tmp_path / "r", files={"app.py": HIT})
    scanner = REGISTRY["bandit"]

    def explode(ctx: object) -> object:
        raise KeyError("oops")

    monkeypatch.setattr(type(scanner), "scan", lambda self, ctx: explode(ctx))
    code, out, _ = _run(["scan", str(repo), "--no-cache", "--scanners", "bandit"], capsys)
    assert code == 3
    assert "scanner bandit failed: internal error: KeyError" in out


@pytest.mark.parametrize(("error", "code"), [
    (UsageError("x"), 2), (DiscoveryError("x"), 2), (GitError("x"), 2),
    (BaselineError("x"), 2), (SarifImportError("x"), 2), (CacheError("x"), 2),
    (PolicyError([PolicyIssue("gate.toml", 3, "fail_on", "bad")]), 2),
    (AdvisoryDataError("x"), 3), (GateError("x", exit_code=3), 3),
])
def test_every_gate_error_carries_its_exit_code(error: GateError, code: int) -> None:
    assert error.exit_code == code


def test_a_bad_policy_says_file_line_and_how_to_check_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    repo = make_repo(tmp_path / "r", files={"gate.toml": "version = 1\nfail_onn = 'high'\n"})
    monkeypatch.chdir(repo)
    code, _, err = _run(["policy", "check"], capsys)
    assert code == 2
    assert "gate.toml:2: [fail_onn] unknown key 'fail_onn' (did you mean 'fail_on'?)" in err
    assert "hint: 'gate policy check FILE'" in err


@pytest.mark.parametrize(("argv", "message"), [
    (["scan", ".", "--fail-on", "severe"], "--fail-on: expected one of critical"),
    (["scan", ".", "--scanners", "nope"], "unknown scanner(s) nope; valid: bandit"),
    (["scan", ".", "--jobs", "0"], "--jobs: expected a number of at least 1"),
    (["scan", ".", "--format", "html5"], "--format: expected one of text"),
    (["scan", "no/such/path"], "path does not exist: no/such/path"),
])
def test_usage_errors_exit_2_with_the_valid_choices(
        argv: list[str], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    repo = make_repo(tmp_path / "r", files={"app.py": "x = 1\n"})
    monkeypatch.chdir(repo)
    code, _, err = _run(argv, capsys)
    assert code == 2
    assert f"gate: error: {message}" in err
    assert "Traceback" not in err
