"""``scan`` and ``baseline create`` share the advisory options: --advisory-db (and
GATE_ADVISORY_DB), --osv-url, --cache-dir; offline, neither needs the network."""

from __future__ import annotations

from pathlib import Path

from tests.cli.test_advisories import DEAD_OSV, _app, export
from tests.helpers import load_json, run_gate


def test_baseline_create_offline(tmp_path: Path) -> None:
    archive = export(tmp_path / "data", days_old=0)
    repo = _app(tmp_path)
    flag = run_gate("baseline", "create", ".", "--scanners", "pip-audit", "--advisory-db",
                    str(archive), "--osv-url", DEAD_OSV, "-o", str(tmp_path / "b1.json"),
                    cwd=repo)
    assert flag.code == 0, flag.stderr
    env = run_gate("baseline", "create", ".", "--scanners", "pip-audit", "-o",
                   str(tmp_path / "b2.json"), cwd=repo,
                   env={"GATE_ADVISORY_DB": str(archive), "GATE_OSV_URL": DEAD_OSV})
    assert env.code == 0, env.stderr
    first, second = load_json(tmp_path / "b1.json"), load_json(tmp_path / "b2.json")
    assert first == second
    assert "3 finding(s)" in flag.stdout


def test_baseline_create_uses_downloaded_data(tmp_path: Path) -> None:
    archive = export(tmp_path / "data", days_old=0)
    cache = tmp_path / "cache"
    assert run_gate("advisories", "update", "--from", str(archive), "--cache-dir", str(cache),
                    cwd=tmp_path).code == 0
    made = run_gate("baseline", "create", ".", "--scanners", "pip-audit", "--cache-dir",
                    str(cache), "--osv-url", DEAD_OSV, "-o", str(tmp_path / "b.json"),
                    cwd=_app(tmp_path))
    assert made.code == 0, made.stderr
    assert "3 finding(s)" in made.stdout


def test_missing_advisory_db_is_a_usage_error(tmp_path: Path) -> None:
    made = run_gate("baseline", "create", ".", "--advisory-db", str(tmp_path / "none"),
                    cwd=_app(tmp_path))
    assert made.code == 2 and "--advisory-db: no such file or folder" in made.stderr
