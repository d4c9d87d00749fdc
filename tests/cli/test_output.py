"""Which console format the CLI prints, and the GitHub files it appends to."""

from __future__ import annotations

from pathlib import Path

import pytest

from gate.cli import output
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


def test_source_links_use_the_pull_requests_head_else_github_sha(tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    event.write_text('{"pull_request": {"head": {"sha": "' + "ab" * 20 + '"}}}',
                     encoding="utf-8")
    env = {"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "o/r",
           "GITHUB_SHA": "cd" * 20, "GITHUB_EVENT_PATH": str(event)}
    links = output.source_links(env)
    assert links is not None and links.sha == "ab" * 20
    push = output.source_links({**env, "GITHUB_EVENT_PATH": str(tmp_path / "missing.json")})
    assert push is not None and push.sha == "cd" * 20
    assert output.source_links({**env, "GITHUB_SERVER_URL": ""}) is None
    assert output.source_links({}) is None
