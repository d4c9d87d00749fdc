"""Where each effective policy value came from, through the ``extends`` chain."""

from __future__ import annotations

from pathlib import Path

from gate.policy.load import load
from gate.policy.provenance import origins


def test_child_wins_and_entries_are_numbered_base_first(tmp_path: Path) -> None:
    base = tmp_path / "base.toml"
    base.write_text('version = 1\nextends = "strict"\nreport = "low"\n'
                    '[scanners.bandit]\ntimeout = 5\nconfidence = "high"\n'
                    '[[rules]]\nid = "B101"\nignore = true\nreason = "asserts"\n',
                    encoding="utf-8")
    (tmp_path / "gate.toml").write_text(
        'version = 1\nextends = "base.toml"\nfail_on = "critical"\n'
        '[scanners.bandit]\ntimeout = 9\n'
        '[[rules]]\nid = "B3*"\nseverity = "low"\n'
        '[[waivers]]\nrule = "B602"\nreason = "r"\nexpires = 2030-01-01\n', encoding="utf-8")
    policy = load(tmp_path)
    child, parent = policy.chain[0], policy.chain[1]
    assert (Path(child).name, Path(parent).name, policy.chain[2]) == (
        "gate.toml", "base.toml", "preset:strict")
    where = origins(policy.chain)
    assert where["fail_on"] == child
    assert where["report"] == parent
    assert where["scanners.bandit.timeout"] == child
    assert where["scanners.bandit.confidence"] == parent
    assert where["rules[0]"] == parent and where["rules[1]"] == child
    assert where["waivers[0]"] == child
    assert "extends" not in where
    assert where["version"] == child


def test_a_preset_and_a_pyproject_table(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.gate]\nversion = 1\nextends = "monitor"\n'
        'exclude = ["docs/**"]\n', encoding="utf-8")
    policy = load(tmp_path)
    where = origins(policy.chain)
    assert where["exclude"].endswith("pyproject.toml")
    assert where["fail_on"] == "preset:monitor"
    assert "project.name" not in where


def test_unreadable_origins_contribute_nothing(tmp_path: Path) -> None:
    assert origins((str(tmp_path / "gone.toml"),)) == {}
    (tmp_path / "bad.toml").write_text("version = [\n", encoding="utf-8")
    assert origins((str(tmp_path / "bad.toml"),)) == {}
