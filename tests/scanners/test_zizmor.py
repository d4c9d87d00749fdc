"""zizmor adapter on a fixture repository, with the real zizmor."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gate.findings import Confidence, Severity
from gate.runs import ScanResult
from gate.scanners.interface import ScanContext
from gate.scanners.zizmor import ZizmorScanner
from tests.scanners.conftest import all_files, fake_command

WORKFLOW = ".github/workflows/pr-target.yml"
ACTION = "tools/greet/action.yml"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GATE_GITHUB_TOKEN", raising=False)
    monkeypatch.delenv("GATE_ZIZMOR_COMMAND", raising=False)


def scan(root: Path) -> ScanResult:
    scanner = ZizmorScanner()
    files = scanner.select(all_files(root), root)
    return scanner.scan(ScanContext(root=root, files=tuple(files), timeout=60))


def by_rule(result: ScanResult, rule: str, path: str) -> list[tuple[int, int]]:
    return [
        (f.location.start_line, f.location.start_column)
        for f in result.findings
        if f.rule_id == rule and f.location.path == path
    ]


def test_select_takes_workflows_actions_dependabot_and_pre_commit_at_any_depth() -> None:
    files = [
        ".github/workflows/ci.yml", ".github/workflows/release.yaml",
        ".github/workflows/nested/x.yml", ".github/workflows/notes.md",
        ".github/dependabot.yml", "dependabot.yml", "action.yaml", "tools/a/action.yml",
        "tools/a/other.yml", "zizmor.yml", "src/app.py",
        "projects/web/.github/workflows/ci.yml", "projects/web/.github/dependabot.yaml",
        ".pre-commit-config.yaml", "tools/.pre-commit-hooks.yaml",
    ]
    assert ZizmorScanner().select(files, Path(".")) == [
        ".github/workflows/ci.yml", ".github/workflows/release.yaml",
        ".github/dependabot.yml", "dependabot.yml", "action.yaml", "tools/a/action.yml",
        "projects/web/.github/workflows/ci.yml", "projects/web/.github/dependabot.yaml",
        ".pre-commit-config.yaml", "tools/.pre-commit-hooks.yaml",
    ]


def test_pull_request_target_findings_despite_zizmor_yml(zizmor_repo: Path) -> None:
    assert (zizmor_repo / "zizmor.yml").exists()
    assert (zizmor_repo / ".github" / "zizmor.yml").exists()
    result = scan(zizmor_repo)
    assert result.run.ok, result.run.error
    assert result.run.exit_code == 14
    assert result.run.version == "1.32.0"
    assert by_rule(result, "dangerous-triggers", WORKFLOW) == [(3, 3)]
    assert by_rule(result, "template-injection", WORKFLOW) == [(15, 24)]
    injection = next(f for f in result.findings if f.rule_id == "template-injection")
    assert injection.severity is Severity.HIGH
    assert injection.confidence is Confidence.HIGH
    assert injection.help_uri == "https://docs.zizmor.sh/audits/#template-injection"
    assert injection.cwe == (94,)
    triggers = next(f for f in result.findings if f.rule_id == "dangerous-triggers")
    assert (triggers.severity, triggers.confidence) == (Severity.HIGH, Confidence.MEDIUM)
    assert "pull_request_target" in triggers.message


def test_composite_action_in_subfolder_is_scanned(zizmor_repo: Path) -> None:
    result = scan(zizmor_repo)
    assert by_rule(result, "template-injection", ACTION) == [(6, 28)]
    assert result.run.files == 3


def test_offline_by_default_and_arguments_are_normalised(zizmor_repo: Path) -> None:
    run = scan(zizmor_repo).run
    assert "--offline" in run.arguments
    assert {"--no-config", "--no-ignores", "json-v1"} <= set(run.arguments)
    assert run.notes == ("offline",)
    assert not any(str(zizmor_repo) in a for a in run.arguments)
    assert run.arguments[-4:] == ("--", ".github/workflows/labelled.yml", WORKFLOW, ACTION)


def test_inline_ignore_comment_is_reported_with_its_reason(zizmor_repo: Path) -> None:
    result = scan(zizmor_repo)
    [finding] = [f for f in result.findings if f.location.path.endswith("labelled.yml")]
    assert finding.rule_id == "template-injection"
    assert finding.location.start_line == 10
    assert finding.suppression is not None
    assert finding.suppression.kind == "zizmor"
    assert finding.suppression.rules == ("template-injection",)
    assert finding.suppression.reason == "title is only logged"
    unsuppressed = [f for f in result.findings if f.location.path == WORKFLOW]
    assert all(f.suppression is None for f in unsuppressed)


def test_fingerprint_survives_line_moves(zizmor_repo: Path) -> None:
    before = {(f.rule_id, f.location.path): f.fingerprint for f in scan(zizmor_repo).findings}
    workflow = zizmor_repo / WORKFLOW
    workflow.write_text("# a comment pushing every line down\n\n" + workflow.read_text())
    after = scan(zizmor_repo)
    assert by_rule(after, "template-injection", WORKFLOW) == [(17, 24)]
    moved = {(f.rule_id, f.location.path): f.fingerprint for f in after.findings}
    assert moved == before


def test_unparsable_workflow_is_a_skipped_file(zizmor_repo: Path) -> None:
    (zizmor_repo / ".github/workflows/broken.yml").write_text("on: [push\njobs: {")
    result = scan(zizmor_repo)
    assert result.run.ok
    assert [s.path for s in result.run.skipped] == [".github/workflows/broken.yml"]
    assert by_rule(result, "template-injection", WORKFLOW) == [(15, 24)]


def test_only_broken_inputs_are_all_skipped(tmp_path: Path) -> None:
    (tmp_path / ".github/workflows").mkdir(parents=True)
    (tmp_path / ".github/workflows/broken.yml").write_text("on: [push\njobs: {")
    result = scan(tmp_path)
    assert result.run.ok
    assert result.findings == ()
    assert [s.path for s in result.run.skipped] == [".github/workflows/broken.yml"]


ENV_DUMP = """
if sys.argv[1:] == ["--version"]:
    print("zizmor 9.9.9")
    sys.exit(0)
with open(os.environ["DUMP_TO"] if "DUMP_TO" in os.environ else sys.argv[0] + ".json", "w") as out:
    json.dump({"env": dict(os.environ), "argv": sys.argv[1:]}, out)
print("[]")
"""


def test_github_token_reaches_only_zizmor_as_gh_token(
    zizmor_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    command = fake_command(tmp_path, ENV_DUMP, "fake_zizmor.py")
    monkeypatch.setenv("GATE_ZIZMOR_COMMAND", command)
    monkeypatch.setenv("GATE_GITHUB_TOKEN", "gate-token-for-zizmor")
    monkeypatch.setenv("GITHUB_TOKEN", "ci-token-must-not-pass")
    monkeypatch.setenv("GH_TOKEN", "other-token-must-not-pass")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "cloud-secret-must-not-pass")
    result = scan(zizmor_repo)
    assert result.run.ok, result.run.error
    dump = json.loads((tmp_path / "fake_zizmor.py.json").read_text())
    env, argv = dump["env"], dump["argv"]
    assert env["GH_TOKEN"] == "gate-token-for-zizmor"
    dropped = ("GITHUB_TOKEN", "GATE_GITHUB_TOKEN", "AWS_SECRET_ACCESS_KEY", "ZIZMOR_GITHUB_TOKEN")
    for name in dropped:
        assert name not in env
    assert "--offline" not in argv
    assert "gate-token-for-zizmor" not in " ".join(argv)
    assert "gate-token-for-zizmor" not in repr(result)
    assert result.run.notes == ("online (GATE_GITHUB_TOKEN)",)
    assert result.run.version == "9.9.9"


def test_without_token_no_token_variable_reaches_zizmor(
    zizmor_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GATE_ZIZMOR_COMMAND", fake_command(tmp_path, ENV_DUMP, "fake_zizmor.py"))
    monkeypatch.setenv("GH_TOKEN", "ambient-token")
    scan(zizmor_repo)
    dump = json.loads((tmp_path / "fake_zizmor.py.json").read_text())
    assert "GH_TOKEN" not in dump["env"]
    assert "--offline" in dump["argv"]


def test_zizmor_results_are_never_cached_so_a_token_cannot_reach_the_cache() -> None:
    from gate.scanners.interface import BaseScanner
    from gate.scanners.zizmor import ZizmorScanner

    assert ZizmorScanner.cache_per_file is False
    assert ZizmorScanner.cache_key is BaseScanner.cache_key  # None: no whole-run entry
