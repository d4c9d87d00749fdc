"""In-process checks of the CI modules the Action tests drive through run-action: the
pull-request comment's target and text, and the shard report's identity digests."""

from __future__ import annotations

from gate.cli import ci_commands
from gate.github import pr_comment
from gate.policy.load import load_preset
from gate.report import comment
from gate.shards import report as shard_report

ENV = {"GITHUB_EVENT_NAME": "pull_request", "GITHUB_REPOSITORY": "o/r",
       "GITHUB_API_URL": "http://127.0.0.1:9", "GITHUB_TOKEN": "t"}


def _event(head: str) -> dict[str, object]:
    return {"pull_request": {"number": 7, "head": {"repo": {"full_name": head}}}}


def test_a_comment_goes_only_to_same_repository_pull_requests() -> None:
    found = pr_comment.target(ENV, _event("o/r"))
    assert isinstance(found, pr_comment.Target) and found.number == 7
    assert "fork" in str(pr_comment.target(ENV, _event("someone/fork")))
    assert "not a pull_request" in str(pr_comment.target({**ENV, "GITHUB_EVENT_NAME": "push"},
                                                         _event("o/r")))


def test_the_comment_marker_and_wrapping() -> None:
    mark = comment.marker("ci --> <b>", "gate")
    assert mark.startswith("<!-- secops-gate:comment") and "-->" not in mark[:-3]
    text = comment.wrap("x\n" * 100_000, mark, "https://example.invalid/run")
    assert len(text) < comment.MAX_CHARS and "comment cut" in text


def test_shard_identity_digests_are_stable() -> None:
    policy = load_preset("default")
    assert shard_report.policy_digest(policy) == shard_report.policy_digest(policy)
    assert shard_report.file_list_digest(["b", "a"]) == shard_report.file_list_digest(["a", "b"])
    assert ci_commands.merge is not None
