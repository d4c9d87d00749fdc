"""The one subprocess wrapper: no shell, allow-listed environment, process groups killed."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from gate.process import (
    ALLOWED_ENV,
    ProcessResult,
    command_for,
    packaged_binary,
    run,
    scanner_env,
    scrub_line,
)
from gate.scanners.secrets import SecretsScanner


def test_environment_is_allow_listed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "ghs_not-for-scanners")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-for-scanners")
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
    monkeypatch.delenv("LC_ALL", raising=False)
    env = scanner_env({"GH_TOKEN": "given on purpose"})
    assert "GITHUB_TOKEN" not in env and "AWS_SECRET_ACCESS_KEY" not in env
    assert env["HTTPS_PROXY"] == "http://proxy.invalid:3128"
    assert env["LC_ALL"] == "C.UTF-8" and env["PYTHONIOENCODING"] == "utf-8"
    assert env["GH_TOKEN"] == "given on purpose"
    set_by_gate = {"GH_TOKEN", "GIT_CONFIG_PARAMETERS", "GIT_TERMINAL_PROMPT"}
    assert set(env) - set_by_gate <= ALLOWED_ENV
    assert "'core.hooksPath'=" in env["GIT_CONFIG_PARAMETERS"]


def test_command_override_is_split_like_a_shell_line(monkeypatch: pytest.MonkeyPatch) -> None:
    assert command_for("pip-audit", ["pip-audit"]) == ["pip-audit"]
    monkeypatch.setenv("GATE_PIP_AUDIT_COMMAND", "'/opt/my tools/pip-audit' --verbose")
    assert command_for("pip-audit", ["pip-audit"]) == ["/opt/my tools/pip-audit", "--verbose"]


def test_a_timeout_kills_the_whole_process_group(tmp_path: Path) -> None:
    started, survived = tmp_path / "child-started", tmp_path / "child-survived"
    child = (f"import time; open({str(started)!r}, 'w').write(repr(time.time())); "
             f"time.sleep(1.5); open({str(survived)!r}, 'w').write('x')")
    parent = (f"import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', "
              f"{child!r}]); time.sleep(30)")
    clock = time.monotonic()
    result = run([sys.executable, "-c", parent], timeout=0.8)
    assert time.monotonic() - clock < 10
    assert result.timed_out and (result.failure((0,)) or "").startswith("timed out after")
    assert started.exists(), "the child did not start before the timeout"
    time.sleep(max(0.0, float(started.read_text()) + 1.8 - time.time()))
    assert not survived.exists()  # a surviving child would have written by now


@pytest.mark.parametrize("argv,reason", [
    ([], "could not start: empty command"),
    (["/nonexistent/tool"], "executable not found: '/nonexistent/tool'"),
])
def test_commands_that_cannot_start(argv: list[str], reason: str) -> None:
    assert run(argv).failure((0,)) == reason


def test_a_file_that_is_not_executable(tmp_path: Path) -> None:
    script = tmp_path / "tool.sh"
    script.write_text("#!/bin/sh\necho hi\n", encoding="utf-8")
    os.chmod(script, 0o644)
    assert run([str(script)]).failure((0,)) == "could not start: Permission denied"


def test_exit_codes_and_signals() -> None:
    code = run([sys.executable, "-c", "import sys; sys.stderr.write('a\\nlast\\n'); "
                "sys.exit(5)"])
    assert code.failure((0, 1)) == "exited with code 5: last"
    assert code.failure((5,)) is None
    killed = ProcessResult(("t",), -9, b"", b"", 0.1)
    assert killed.killed_by_signal == 9 and killed.failure((0,)) == "killed by signal SIGKILL"
    odd = ProcessResult(("t",), -200, b"", b"", 0.1)
    assert odd.failure((0,)) == "killed by signal 200"


def test_stdin_reaches_the_tool() -> None:
    echoed = run([sys.executable, "-c", "import sys; print(sys.stdin.read().upper())"],
                 stdin=b"requests==2.19.0")
    assert echoed.stdout.strip() == b"REQUESTS==2.19.0"


def test_scrub_line_keeps_words_and_drops_literals_and_tokens() -> None:
    assert scrub_line("error: bad password='hunter2' in config") == (
        "error: bad password=[REDACTED] in config")
    assert scrub_line("error: cannot reach host='api.osv.dev'") == (
        "error: cannot reach host='api.osv.dev'")
    assert scrub_line("see /usr/lib/python3.11/site-packages/x.py") == (
        "see /usr/lib/python3.11/site-packages/x.py")
    assert scrub_line("key AKIAabcdefgh1234567890 rejected") == "key [REDACTED] rejected"


def test_the_secrets_scanner_starts_the_packaged_binary_not_one_planted_in_the_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    planted = tmp_path / "kingfisher" / "bin" / "kingfisher"
    planted.parent.mkdir(parents=True)
    planted.write_text("#!/bin/sh\necho hijacked\n")
    planted.chmod(0o755)
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    found = packaged_binary("kingfisher", "kingfisher")
    assert found is not None and Path(found).is_relative_to(sys.prefix)
    assert SecretsScanner().command() == [found]
    assert packaged_binary("no-such-package", "tool") is None
    monkeypatch.setenv("GATE_SECRETS_COMMAND", "/bin/echo fake")
    assert SecretsScanner().command() == ["/bin/echo", "fake"]
