"""``gate scan --shard I/N`` and ``gate merge``: three shards merged equal one full scan."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gate.shards.plan import Shard, parse, split
from tests.faults.conftest import AllScanners, build_all_scanners
from tests.helpers import git, load_json, run_gate, sarif_results, validate_sarif

pytestmark = pytest.mark.slow  # several full scans of the same tree, sharded and whole

ENV = {"GATE_TODAY": "2026-12-01"}
PICKLE = "import pickle\n\n\ndef load_{i}(blob):\n    return pickle.loads(blob)\n"


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> AllScanners:
    """All five scanners' findings, and enough Python files for three shards to differ."""
    built = build_all_scanners(tmp_path_factory.mktemp("shards"))
    for i in range(6):
        (built.repo / "pkg").mkdir(exist_ok=True)
        (built.repo / "pkg" / f"mod{i}.py").write_text(PICKLE.format(i=i) + "# pad\n" * 30 * i,
                                                      encoding="utf-8")
    (built.repo / "big.bin").write_bytes(b"\0" * (11 * 1024 * 1024))  # skipped by the gate
    git(built.repo, "add", "-A")
    git(built.repo, "commit", "-q", "-m", "tree")
    return built


def _shards(tree: AllScanners, out: Path, count: int = 3, *extra: str) -> list[Path]:
    reports = []
    for index in range(1, count + 1):
        report = out / f"shard-{index}.json"
        result = run_gate("scan", "--policy", str(tree.policy), "--shard", f"{index}/{count}",
                          "--json", str(report), *extra, cwd=tree.repo, env=ENV)
        assert result.code == 0, result.output
        assert f"shard {index}/{count}: report written" in result.stdout
        reports.append(report)
    return reports


def test_three_shards_merged_are_byte_identical_to_one_scan(
        tree: AllScanners, tmp_path: Path, sarif_validator: None) -> None:
    full = run_gate("scan", "--policy", str(tree.policy), "--sarif", str(tmp_path / "full.sarif"),
                    "--json", str(tmp_path / "full.json"), "--cache-dir", str(tmp_path / "c1"),
                    "--codequality", str(tmp_path / "full-cq.json"), "--gitlab-sast",
                    str(tmp_path / "full-sast.json"), cwd=tree.repo, env=ENV)
    assert full.code == 1, full.output
    reports = _shards(tree, tmp_path, 3, "--cache-dir", str(tmp_path / "c2"))
    merged = run_gate("merge", *map(str, reversed(reports)), "--policy", str(tree.policy),
                      "--sarif", str(tmp_path / "merged.sarif"), "--json",
                      str(tmp_path / "merged.json"), "--codequality",
                      str(tmp_path / "merged-cq.json"), "--gitlab-sast",
                      str(tmp_path / "merged-sast.json"), cwd=tree.repo, env=ENV)
    assert merged.code == 1, merged.output
    assert (tmp_path / "merged.sarif").read_bytes() == (tmp_path / "full.sarif").read_bytes()
    for kind in ("cq", "sast"):  # GitLab's reports: the same bytes too, and not empty
        merged_report = (tmp_path / f"merged-{kind}.json").read_bytes()
        assert merged_report == (tmp_path / f"full-{kind}.json").read_bytes()
        assert b"PYSEC-9999-1" in merged_report
    assert validate_sarif(tmp_path / "merged.sarif")[0] == 0
    results = sarif_results(load_json(tmp_path / "merged.sarif"))
    assert ("zizmor", "dangerous-triggers", ".github/workflows/pr-target.yml", 3) in results
    assert ("pip-audit", "PYSEC-9999-1", "requirements.txt", 1) in results
    assert {r[2] for r in results if r[1] == "B301"} == {f"pkg/mod{i}.py" for i in range(6)}

    scopes = [load_json(r)["shard"]["scope"] for r in reports]
    # the dependency and workflow audits run in shard 1 only; every file in one shard
    assert "pip-audit" in scopes[0] and "zizmor" in scopes[0]
    assert all("pip-audit" not in s and "zizmor" not in s for s in scopes[1:])
    bandit = [f for s in scopes for f in s.get("bandit", [])]
    assert sorted(bandit) == sorted(set(bandit)) and len(bandit) == 7
    assert all(s.get("bandit") for s in scopes)  # the split gives each shard some Python
    # the discovery skip is reported once, by shard 1
    skipped = [load_json(r)["shard"]["skipped_by_gate"] for r in reports]
    assert [s for s in skipped if s] == [[["big.bin", "larger than the gate's 10 MB file limit"]]]
    merged_json, full_json = load_json(tmp_path / "merged.json"), load_json(tmp_path / "full.json")
    assert merged_json["skipped_by_gate"] == full_json["skipped_by_gate"]
    assert merged_json["counts"] == full_json["counts"]
    assert merged_json["files_scanned"] == full_json["files_scanned"]


def test_merge_exits_3_unless_every_shard_is_there_once_and_they_agree(
        tree: AllScanners, tmp_path: Path) -> None:
    reports = _shards(tree, tmp_path, 2, "--no-cache")
    policy = ["--policy", str(tree.policy)]
    missing = run_gate("merge", str(reports[0]), *policy, cwd=tree.repo, env=ENV)
    assert missing.code == 3 and "shard(s) 2 of 2 missing" in missing.stderr
    twice = run_gate("merge", str(reports[0]), str(reports[0]), str(reports[1]), *policy,
                     cwd=tree.repo, env=ENV)
    assert twice.code == 3 and "shard 1/2 given twice" in twice.stderr
    other = run_gate("merge", *map(str, reports), "--policy", str(tree.policy_with(
        '\n[scanners.bandit]\nexclude = ["pkg/mod1.py"]\n')), cwd=tree.repo, env=ENV)
    assert other.code == 3 and "policy_digest" in other.stderr, other.stderr
    data = load_json(reports[1])
    data["shard"]["tree"] = "0" * 40
    (tmp_path / "other-tree.json").write_text(json.dumps(data), encoding="utf-8")
    mixed = run_gate("merge", str(reports[0]), str(tmp_path / "other-tree.json"), *policy,
                     cwd=tree.repo, env=ENV)
    assert mixed.code == 3 and "disagree on tree" in mixed.stderr
    (tmp_path / "junk.json").write_text('{"verdict": "pass"}', encoding="utf-8")
    junk = run_gate("merge", str(tmp_path / "junk.json"), *policy, cwd=tree.repo, env=ENV)
    assert junk.code == 2 and "is not a gate shard report" in junk.stderr
    assert "Traceback" not in junk.output + mixed.output


def test_shard_needs_a_json_report_and_no_sarif(tree: AllScanners) -> None:
    no_json = run_gate("scan", "--shard", "1/2", cwd=tree.repo, env=ENV)
    assert no_json.code == 2 and "--json FILE" in no_json.stderr
    bad = run_gate("scan", "--shard", "3/2", "--json", "x.json", cwd=tree.repo, env=ENV)
    assert bad.code == 2 and "between 1 and N" in bad.stderr


def test_split_is_contiguous_balanced_and_stable() -> None:
    weights = {f"f{i:02}.py": 100 for i in range(12)}
    parts = split(weights, 3)
    assert [len(p) for p in parts] == [4, 4, 4]
    assert [p for part in parts for p in part] == sorted(weights)
    weights["f05a.py"] = 100  # one new file moves at most the files at one boundary
    moved = split(weights, 3)
    assert sum(1 for a, b in zip(parts, moved) for p in a if p not in b) <= 1
    heavy = split({"a.py": 900, "b.py": 50, "c.py": 50}, 2)
    assert heavy == [["a.py"], ["b.py", "c.py"]]
    assert parse(" 2 / 5 ") == Shard(2, 5)


def test_a_shard_in_github_mode_annotates_nothing_and_fences_its_report(
        tree: AllScanners, tmp_path: Path) -> None:
    summary, outputs = tmp_path / "summary.md", tmp_path / "outputs.txt"
    result = run_gate("scan", "--policy", str(tree.policy), "--shard", "1/3", "--json",
                      str(tmp_path / "s.json"), "--format", "github", "--no-cache",
                      cwd=tree.repo, env={**ENV, "GITHUB_STEP_SUMMARY": str(summary),
                                          "GITHUB_OUTPUT": str(outputs)})
    assert result.code == 0, result.output
    assert not [line for line in result.stdout.splitlines()
                if line.startswith(("::error", "::warning"))]
    assert result.stdout.startswith("::stop-commands::")
    assert "Partial scan of" in summary.read_text(encoding="utf-8")
    assert "verdict<<" in outputs.read_text(encoding="utf-8")
