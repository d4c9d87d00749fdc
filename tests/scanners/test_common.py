"""The run skeleton every adapter shares: one wording for the same trouble, whatever the tool."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from gate.process import ProcessResult, package_version
from gate.scanners import REGISTRY
from gate.scanners.common import (
    BadOutput,
    ToolFailure,
    as_int,
    command_version,
    decode_json,
    invoke,
    optional_list,
    parse_output,
    relative_path,
    require_list,
    safe_argv_paths,
    version_word,
)
from gate.scanners.interface import ScanContext


def result(stdout: bytes, code: int = 0) -> ProcessResult:
    return ProcessResult(("tool",), code, stdout, b"", 0.1)


@pytest.mark.parametrize("text,reason", [
    ("", "produced no output"),
    ("   \n", "produced no output"),
    ("<html>", "printed output that is not JSON (Expecting value at char 0)"),
    ('{"results": [', "printed output that is not JSON (Expecting value at char 13)"),
    ("[1, 2]", "printed JSON that is not an object"),
])
def test_decode_json_failures_are_worded_once(text: str, reason: str) -> None:
    with pytest.raises(BadOutput) as info:
        decode_json(text)
    assert str(info.value) == reason


def test_decode_json_of_a_list() -> None:
    assert decode_json("[1]", list) == [1]
    with pytest.raises(BadOutput, match="not a list"):
        decode_json("{}", list)


def test_parse_output_turns_shape_errors_into_a_failure() -> None:
    assert parse_output(result(b'{"results": [1]}'), lambda d: d["results"]) == [1]
    missing = parse_output(result(b"{}", 1), lambda d: require_list(d, "results"))
    assert missing == ToolFailure("printed JSON without its 'results' list", 1)
    shape = parse_output(result(b'{"results": 5}'), lambda d: d["results"][0])
    assert shape == ToolFailure("printed JSON in an unexpected shape (TypeError)", 0)
    assert parse_output(result(b""), lambda d: d) == ToolFailure("produced no output", 0)


def test_result_lists() -> None:
    assert require_list({"results": []}, "results") == []
    assert optional_list({}, "errors") == []
    with pytest.raises(BadOutput, match="'errors' in its JSON is not a list"):
        optional_list({"errors": "none"}, "errors")


def test_paths_from_tools_and_to_tools() -> None:
    assert relative_path("./././src/app.py") == "src/app.py"
    assert relative_path("src\\pkg\\mod.py") == "src/pkg/mod.py"
    assert safe_argv_paths(["-rf.py", "a b.py"]) == ["./-rf.py", "./a b.py"]


def test_numbers_from_json() -> None:
    assert as_int(7) == 7
    assert as_int(True) == 1 and as_int(None) == 1 and as_int("7", 0) == 0


@pytest.mark.parametrize("text,word", [
    ("zizmor 1.32.0\n", "1.32.0"),
    ("kingfisher v2.14.0", "v2.14.0"),
    ("semgrep 1.185.0-beta.1", "1.185.0-beta.1"),
    ("error: token ghp_abcdefghijklmnopqrstuvwxyz0123456789 rejected", ""),
    ("", ""),
])
def test_only_a_version_word_is_kept(text: str, word: str) -> None:
    assert version_word(text) == word


def test_versions_of_installed_and_replaced_tools(monkeypatch: pytest.MonkeyPatch) -> None:
    assert package_version("bandit", "bandit") == "1.9.4"
    assert package_version("no-such-distribution-anywhere", "bandit") == "unknown"
    monkeypatch.setenv("GATE_BANDIT_COMMAND", "/opt/other/bandit")
    assert package_version("bandit", "bandit") == "unknown"
    assert command_version([sys.executable, "-c", "print('tool 9.8.7')"]) == "9.8.7"
    assert command_version([sys.executable, "-c", "import sys; sys.exit(4)"]) == ""


def test_invoke_checks_the_scanners_exit_codes(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    scanner = REGISTRY["bandit"]
    ctx = ScanContext(root=tmp_path, files=(), timeout=30)
    monkeypatch.setenv("GATE_BANDIT_COMMAND", f"{sys.executable} -c")
    ok = invoke(scanner, ["import sys; print('{}'); sys.exit(1)"], ctx)
    assert isinstance(ok, ProcessResult) and ok.returncode == 1 and ok.stdout.strip() == b"{}"
    bad = invoke(scanner, ["import sys; sys.stderr.write('no such option\\n'); sys.exit(2)"],
                 ctx)
    assert bad == ToolFailure("exited with code 2: no such option", 2)
    cwd = invoke(scanner, ["import os; print(os.getcwd())"], ctx)
    assert isinstance(cwd, ProcessResult) and cwd.stdout.decode().strip() == str(tmp_path)
