"""``gate scan --pr-comment`` and ``gate comment`` against a loopback stand-in of the API."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from tests.helpers import make_repo, run_gate
from tests.integrations.github_api_standin import BOT, serve

pytestmark = pytest.mark.slow  # a loopback API stand-in per case

TOKEN = "test-token-4f9a"
MARKER = "<!-- secops-gate:comment workflow=ci category=gate -->"
HOSTILE = "x_<img src=x onerror=alert(1)>@admin.py"


HEAD = "4f0c2a" * 6 + "beef"  # the pull request's head commit
MERGE = "9" * 40  # GITHUB_SHA of a pull_request event: the merge commit


@pytest.fixture(scope="module")
def body(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The comment Markdown of a failing scan of a file with a hostile name, in a pull
    request's workflow (server, repository, event with the head commit)."""
    base = tmp_path_factory.mktemp("comment")
    repo = make_repo(base / "repo", {HOSTILE: "import pickle\npickle.loads(b'')\n"})
    event = base / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 7, "head": {
        "sha": HEAD, "repo": {"full_name": "owner/repo"}}}}), encoding="utf-8")
    out = base / "comment.md"
    result = run_gate("scan", "--scanners", "bandit", "--fail-on", "medium", "--no-cache",
                      "--pr-comment", str(out), cwd=repo, env={
                          "GITHUB_SERVER_URL": "https://github.example",
                          "GITHUB_REPOSITORY": "owner/repo", "GITHUB_SHA": MERGE,
                          "GITHUB_EVENT_PATH": str(event), "GATE_TODAY": "2026-06-01"})
    assert result.code == 1, result.output
    return out


def _event(tmp_path: Path, head: str = "owner/repo") -> Path:
    event = {"pull_request": {"number": 7, "head": {"repo": {"full_name": head}}}}
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event), encoding="utf-8")
    return path


def _comment(body: Path, tmp_path: Path, api: str, head: str = "owner/repo",
             event: str = "pull_request") -> tuple[int, str]:
    env = {"GITHUB_EVENT_NAME": event, "GITHUB_EVENT_PATH": str(_event(tmp_path, head)),
           "GITHUB_REPOSITORY": "owner/repo", "GITHUB_API_URL": api, "GITHUB_TOKEN": TOKEN,
           "GITHUB_WORKFLOW": "ci", "GITHUB_RUN_ID": "42",
           "GITHUB_SERVER_URL": "https://github.example"}
    result = run_gate("comment", str(body), cwd=tmp_path, env=env)
    assert TOKEN not in result.output
    return result.code, result.output


def test_the_body_is_the_escaped_summary(body: Path) -> None:
    text = body.read_text(encoding="utf-8")
    assert text.startswith("## secops-gate: ❌ FAILED (exit 1)")
    assert "bandit/B301" in text
    assert "<img" not in text and "&lt;img" in text and "@admin" not in text
    assert len(text) < 65_536


def test_one_post_then_one_update_found_by_marker_and_author_across_pages(
        body: Path, tmp_path: Path) -> None:
    with serve() as api:
        api.add("mallory", f"{MARKER}\nfake results")  # a pull-request author can post it too
        api.comments[5] = {"id": 5, "user": BOT, "body": None}  # odd answers: no crash
        api.comments[6] = {"id": "6", "user": {"login": BOT}, "body": MARKER}
        for i in range(120):
            api.add("someone", f"comment {i}")
        code, output = _comment(body, tmp_path, api.url)
        assert code == 0 and "posted a pull-request comment" in output, output
        assert api.writes() == [("POST", "/repos/owner/repo/issues/7/comments")]
        ours = max(api.comments)  # now on the second page of 100
        text = api.comments[ours]["body"]
        assert text.startswith(MARKER + "\n## secops-gate") and "bandit/B301" in text
        assert "(https://github.example/owner/repo/actions/runs/42)" in text
        # the row links to the file at the head commit and line, and says how to fix it
        link = (f"(https://github.example/owner/repo/blob/{HEAD}/x_%3Cimg%20src%3Dx%20"
                "onerror%3Dalert%281%29%3E%40admin.py#L2)")
        row = next(line for line in text.splitlines() if link in line)
        assert row.startswith("| medium | [x\\_&lt;img src\\=x onerror\\=alert")
        assert MERGE not in text
        assert row.endswith("| See https&#58;//bandit\\.readthedocs\\.io/en/1\\.9\\.4/blacklists/"
                            "blacklist\\_calls\\.html\\#b301\\-pickle |"), row
        assert "<details><summary>MEDIUM bandit/B301" in text
        assert 'rule = "B301"' in text.split("```toml")[1]
        code, output = _comment(body, tmp_path, api.url)
        assert code == 0 and f"updated the pull-request comment ({ours})" in output
        assert api.writes()[1] == ("PATCH", f"/repos/owner/repo/issues/comments/{ours}")
        assert api.comments[1001]["body"] == f"{MARKER}\nfake results"  # mallory's untouched
        assert [i for i, c in api.comments.items() if i > 1000 and c["user"]["login"] == BOT
                ] == [ours]
        assert any("page=2" in path for _, path, _ in api.requests)
        assert {auth for _, _, auth in api.requests} == {f"Bearer {TOKEN}"}


def test_forks_and_other_events_get_no_comment(body: Path, tmp_path: Path) -> None:
    with serve() as api:
        code, output = _comment(body, tmp_path, api.url, head="fork/repo")
        assert code == 0 and "pull request from a fork" in output
        code, output = _comment(body, tmp_path, api.url, event="push")
        assert code == 0 and "not a pull_request event" in output
        assert api.requests == []


def test_a_failed_post_is_a_notice_never_a_failure(body: Path, tmp_path: Path) -> None:
    with serve() as api:
        api.fail_writes = 403
        code, output = _comment(body, tmp_path, api.url)
    assert code == 0
    assert output.startswith("::notice title=secops-gate::the pull-request comment was not "
                             "posted: the token may not write comments (HTTP 403)"), output
    with serve() as api:
        api.fail_writes, api.fail_headers = 403, {"x-ratelimit-remaining": "0"}
        code, output = _comment(body, tmp_path, api.url)
    assert code == 0 and "rate limit was reached (HTTP 403)" in output, output
    with socket.socket() as sock:  # a port nothing listens on: no network
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}"
    code, output = _comment(body, tmp_path, closed)
    assert code == 0 and "cannot reach the GitHub API" in output
