"""Which console format the CLI prints, and the GitHub files it appends to."""

from __future__ import annotations

from pathlib import Path

import pytest

from gate.cli.output import console, console_format, github_files
from gate.errors import UsageError
from tests.report.decisions import make_decision, make_finding


def test_format_follows_the_flag_then_github_actions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    assert console_format(None) == "text"
    assert console_format(" Markdown ") == "markdown"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    assert console_format(None) == "github"
    assert console_format("text") == "text"
    with pytest.raises(UsageError, match="--format: expected one of text, markdown, github"):
        console_format("html")


def test_console_renders_each_format() -> None:
    decision = make_decision([make_finding(1)])
    assert console(decision, "markdown").startswith("## secops-gate: ❌ FAILED (exit 1)")
    assert "::stop-commands::" in console(decision, "github")
    assert "FAILED" in console(decision, "text").splitlines()[0]


def test_github_files_are_appended_only_when_named(monkeypatch: pytest.MonkeyPatch,
                                                   tmp_path: Path) -> None:
    written: dict[Path, str] = {}

    def append(path: Path, text: str) -> None:
        written[path] = written.get(path, "") + text

    decision = make_decision([make_finding(1)])
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    monkeypatch.delenv("GITHUB_OUTPUT", raising=False)
    github_files(decision, "gate.sarif", append)
    assert written == {}
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "summary.md"))
    monkeypatch.setenv("GITHUB_OUTPUT", str(tmp_path / "output.txt"))
    github_files(decision, "gate.sarif", append)
    assert written[tmp_path / "summary.md"].startswith("## secops-gate")
    assert "sarif-file<<" in written[tmp_path / "output.txt"]
    assert "\ngate.sarif\n" in written[tmp_path / "output.txt"]
