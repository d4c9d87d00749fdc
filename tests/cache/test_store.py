"""The result cache: identical results warm and cold, damaged entries rescanned, safe location.

The end-to-end cases run the gate twice or more; the store itself (gate.cache.store.ResultCache
and open_cache) is also checked in process at the end of this file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from gate.cache import store as cache
from gate.errors import CacheError
from gate.findings import Confidence, Finding, Location, Severity
from gate.runs import ScannerRun, ScanResult, SkippedFile
from tests.findings_repo import make_findings_repo
from tests.helpers import (
    cache_entries,
    cache_packs,
    git,
    load_json,
    make_repo,
    run_gate,
    sarif_results,
)

SCAN = ("scan", ".", "--scanners", "bandit,semgrep")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_findings_repo(tmp_path / "repo")


def _scan(repo: Path, out: Path, *extra: str, env: dict[str, str] | None = None
          ) -> tuple[int, bytes, dict]:
    result = run_gate(*SCAN, "--sarif", str(out.with_suffix(".sarif")), "--json",
                      str(out.with_suffix(".json")), *extra, cwd=repo, env=env)
    assert result.code in (0, 1), result.output
    return (result.code, out.with_suffix(".sarif").read_bytes(),
            load_json(out.with_suffix(".json")))


def _entries(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.json") if not p.name.startswith(".tmp-"))


def _notes(report: dict) -> dict[str, list[str]]:
    return {r["scanner"]: r["notes"] for r in report["runs"]}


def test_warm_scan_gives_byte_identical_sarif_without_running_tools(repo: Path,
                                                                    tmp_path: Path) -> None:
    store = tmp_path / "cache"
    code_cold, cold, cold_json = _scan(repo, tmp_path / "cold", "--cache-dir", str(store))
    code_warm, warm, warm_json = _scan(repo, tmp_path / "warm", "--cache-dir", str(store))
    _, fresh, _ = _scan(repo, tmp_path / "fresh", "--no-cache")
    assert code_cold == code_warm == 1
    assert cold == warm == fresh
    assert ("bandit", "B602", "pkg/mod3.py", 7) in sarif_results(load_json(tmp_path / "warm.sarif"))
    assert _notes(warm_json)["bandit"] == ["cache: 9 of 9 file(s) reused"]
    assert _notes(cold_json)["bandit"] == []
    # the unparsable file is reported as skipped from the cache too
    skipped = {r["scanner"]: [s["path"] for s in r["skipped"]] for r in warm_json["runs"]}
    assert "pkg/broken.py" in skipped["bandit"]
    assert skipped == {r["scanner"]: [s["path"] for s in r["skipped"]]
                       for r in cold_json["runs"]}
    # one entry per (scanner, file), in one pack per scanner run
    assert len(cache_entries(store, "bandit")) == 9
    assert len(cache_packs(store, "bandit")) == 1


@pytest.mark.slow  # three full scans; tests/test_scan_cache.py checks the reuse in process
def test_changed_file_is_rescanned_and_others_reused(repo: Path, tmp_path: Path) -> None:
    store = tmp_path / "cache"
    _scan(repo, tmp_path / "cold", "--cache-dir", str(store))
    (repo / "pkg/clean.py").write_text("import pickle\n\n\ndef f(b):\n    return pickle.loads(b)\n",
                                       encoding="utf-8")
    _, warm, report = _scan(repo, tmp_path / "warm", "--cache-dir", str(store))
    _, fresh, _ = _scan(repo, tmp_path / "fresh", "--no-cache")
    assert warm == fresh
    results = sarif_results(load_json(tmp_path / "warm.sarif"))
    assert ("bandit", "B301", "pkg/clean.py", 5) in results
    assert _notes(report)["bandit"] == ["cache: 8 of 9 file(s) reused"]


@pytest.mark.slow  # three full scans; the store's own checks are tested in process below
def test_damaged_entries_are_discarded_and_rescanned(repo: Path, tmp_path: Path) -> None:
    store = tmp_path / "cache"
    _, cold, _ = _scan(repo, tmp_path / "cold", "--cache-dir", str(store))
    [bandit] = cache_packs(store, "bandit")
    [semgrep] = cache_packs(store, "semgrep")
    # valid JSON whose entry claims "no findings" but whose checksum no longer matches:
    # that entry alone is dropped
    text = bandit.read_text(encoding="utf-8")
    assert '"findings":[{' in text
    bandit.write_text(text.replace('"findings":[{', '"findings":[],"x":[{', 1), encoding="utf-8")
    semgrep.write_bytes(semgrep.read_bytes()[:40])  # a truncated pack is dropped whole
    _, warm, report = _scan(repo, tmp_path / "warm", "--cache-dir", str(store))
    assert warm == cold
    notes = _notes(report)
    assert notes["bandit"] == ["cache: 8 of 9 file(s) reused"]
    assert notes["semgrep"] == []
    assert not semgrep.exists()
    assert len(cache_entries(store, "semgrep")) == len(cache_entries(store, "bandit")) == 9


def test_cache_folder_inside_the_scanned_tree_is_refused(repo: Path, tmp_path: Path) -> None:
    result = run_gate(*SCAN, "--cache-dir", "inner/cache", cwd=repo)
    assert result.code == 2, result.output
    assert "inside the scanned tree" in result.stderr
    assert not (repo / "inner").exists()


def test_cache_folder_tracked_by_git_is_refused(repo: Path, tmp_path: Path) -> None:
    other = make_repo(tmp_path / "other", files={f"cache/v{cache.SCHEMA}/planted.json": "{}\n"})
    result = run_gate(*SCAN, "--cache-dir", str(other / "cache"), cwd=repo)
    assert result.code == 2, result.output
    assert "tracked by git" in result.stderr


def test_default_cache_location_follows_runner_temp_and_xdg(tmp_path: Path) -> None:
    assert cache.default_dir({"RUNNER_TEMP": "/r", "XDG_CACHE_HOME": "/x"}) == Path(
        "/r/secops-gate")
    assert cache.default_dir({"XDG_CACHE_HOME": "/x"}) == Path("/x/secops-gate")
    assert cache.default_dir({"XDG_CACHE_HOME": "relative"}) == (
        Path.home() / ".cache" / "secops-gate")


@pytest.mark.slow  # three full scans
def test_no_cache_writes_nothing(repo: Path, tmp_path: Path) -> None:
    xdg = tmp_path / "xdg"
    store = tmp_path / "cache"
    env = {"XDG_CACHE_HOME": str(xdg), "RUNNER_TEMP": ""}
    _scan(repo, tmp_path / "a", "--no-cache", "--cache-dir", str(store), env=env)
    _scan(repo, tmp_path / "b", "--no-cache", env=env)
    assert not store.exists() and not (xdg / "secops-gate").exists()
    _scan(repo, tmp_path / "c", env=env)  # the default location, for contrast
    assert _entries(xdg / "secops-gate")


@pytest.mark.slow  # two scans at once, then two more to compare (~4 s)
def test_two_concurrent_runs_share_one_cache_safely(repo: Path, tmp_path: Path) -> None:
    store = tmp_path / "cache"
    procs = [subprocess.Popen([sys.executable, "-P", "-m", "gate", *SCAN, "--cache-dir", str(store),
                               "--sarif", str(tmp_path / f"{n}.sarif")], cwd=repo,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
             for n in range(2)]
    codes = [p.wait(timeout=300) for p in procs]
    assert codes == [1, 1]
    first, second = ((tmp_path / f"{n}.sarif").read_bytes() for n in range(2))
    _, fresh, _ = _scan(repo, tmp_path / "fresh", "--no-cache")
    _, warm, report = _scan(repo, tmp_path / "warm", "--cache-dir", str(store))
    assert first == second == fresh == warm
    assert _notes(report)["bandit"] == ["cache: 9 of 9 file(s) reused"]
    assert not [p for p in store.rglob(".tmp-*")]


@pytest.mark.slow  # two full scans
def test_tracked_repository_state_is_not_needed_for_untracked_changes(repo: Path,
                                                                       tmp_path: Path) -> None:
    """An untracked new file is scanned and cached like a tracked one."""
    store = tmp_path / "cache"
    (repo / "pkg/new.py").write_text("import os\nos.system('x' + input())\n", encoding="utf-8")
    _scan(repo, tmp_path / "a", "--cache-dir", str(store))
    assert "?? pkg/new.py" in git(repo, "status", "--short")
    _, _, report = _scan(repo, tmp_path / "b", "--cache-dir", str(store))
    assert ("bandit", "B605", "pkg/new.py", 2) in sarif_results(load_json(tmp_path / "b.sarif"))
    assert _notes(report)["bandit"] == ["cache: 10 of 10 file(s) reused"]


# --- the store in process ------------------------------------------------------------------

FINDING = Finding("bandit", "B602", "subprocess_popen_with_shell_equals_true", "shell=True",
                  Severity.HIGH, Confidence.HIGH, Location("pkg/a.py", 6, 5, 6, 40), "f" * 32)
KEY = "ab" + "0" * 62


def test_entries_round_trip_and_damage_is_discarded(tmp_path: Path) -> None:
    store = cache.ResultCache(tmp_path / "cache")
    entry = cache.FileEntry("pkg/a.py", (FINDING,), (SkippedFile("pkg/a.py", "x"),))
    store.put_file("bandit", KEY, entry)
    store.flush("bandit")
    [pack] = cache_packs(tmp_path / "cache")
    assert pack.parent == store.store / "bandit" / "packs"
    again = cache.ResultCache(tmp_path / "cache")  # a later run reads the pack
    assert again.get_file("bandit", KEY, "pkg/a.py") == entry
    assert again.get_file("bandit", KEY, "pkg/other.py") is None  # keyed for another path
    assert again.get_file("bandit", KEY, "pkg/a.py") is None       # ...and so dropped
    good = pack.read_bytes()
    for damage, pack_dropped in ((lambda b: b[:40], True), (lambda b: b"", True),
                                 (lambda b: b.replace(b"B602", b"B101"), False),
                                 (lambda b: b.replace(b'"schema":2', b'"schema":1'), True)):
        pack.write_bytes(damage(good))
        assert cache.ResultCache(tmp_path / "cache").get_file("bandit", KEY, "pkg/a.py") is None
        assert pack.exists() is not pack_dropped
    assert store.read("bandit", "missing") is None


def test_packs_are_merged_once_a_scanner_has_eight(tmp_path: Path) -> None:
    for number in range(10):
        run = cache.ResultCache(tmp_path / "cache")
        run.get_file("bandit", KEY, "pkg/a.py")  # a run reads the packs first
        run.put_file("bandit", f"{number:02d}" + "0" * 62, cache.FileEntry("pkg/a.py", (), ()))
        run.flush("bandit")
    assert len(cache_packs(tmp_path / "cache")) == 2  # the ninth run merged all; the tenth
    assert len(cache_entries(tmp_path / "cache")) == 10


def test_prune_keeps_one_pack_of_the_entries_this_run_used(tmp_path: Path) -> None:
    first = cache.ResultCache(tmp_path / "cache")
    for number in range(3):
        first.put_file("bandit", f"{number:02d}" + "0" * 62, cache.FileEntry("a.py", (), ()))
    first.flush("bandit")
    first.put_file("semgrep", KEY, cache.FileEntry("a.py", (), ()))
    first.flush("semgrep")
    second = cache.ResultCache(tmp_path / "cache")
    assert second.get_file("bandit", "01" + "0" * 62, "a.py") is not None
    assert second.prune() == 3  # two bandit entries unused, semgrep's pack never read
    assert cache_entries(tmp_path / "cache") == {("bandit", "01" + "0" * 62)}


def test_whole_run_entries(tmp_path: Path) -> None:
    store = cache.ResultCache(tmp_path / "cache")
    run = ScannerRun("pip-audit", "pip-audit", "2.10.1", ("--no-deps",), 1, None, 2,
                     notes=("existence of 2 package(s) checked",))
    store.put_result("pip-audit", KEY, ScanResult((FINDING,), run))
    hit = store.get_result("pip-audit", KEY)
    assert hit is not None and hit.findings == (FINDING,) and hit.run == run
    store.write("pip-audit", KEY, {"findings": "not a list", "run": {}})
    assert store.get_result("pip-audit", KEY) is None and not _entry_exists(store)


def _entry(store: cache.ResultCache) -> Path:
    [path] = [p for p in store.store.rglob("*.json")]
    return path


def _entry_exists(store: cache.ResultCache) -> bool:
    return any(store.store.rglob("*.json"))


def test_an_unwritable_store_only_costs_a_rescan(tmp_path: Path) -> None:
    (tmp_path / "cache").write_text("a file where the folder should be", encoding="utf-8")
    store = cache.ResultCache(tmp_path / "cache")
    store.put_file("bandit", KEY, cache.FileEntry("pkg/a.py", (), ()))
    store.flush("bandit")  # nothing written, nothing raised
    later = cache.ResultCache(tmp_path / "cache")
    assert later.get_file("bandit", KEY, "pkg/a.py") is None


def test_open_cache_refuses_unsafe_folders(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"a.py": "A = 1\n"})
    with pytest.raises(CacheError, match="inside the scanned tree"):
        cache.open_cache(repo / "sub" / "cache", repo)
    inner = make_repo(tmp_path / "store" / f"v{cache.SCHEMA}" / "repo", {"a.py": "A = 1\n"})
    with pytest.raises(CacheError, match="inside the scanned tree"):
        cache.open_cache(tmp_path / "store", inner)  # entries would be written into the tree
    tracked = make_repo(tmp_path / "other", {"cache/entry.json": "{}\n"})
    with pytest.raises(CacheError, match="tracked by git"):
        cache.open_cache(tracked / "cache", repo)
    (tmp_path / "blocker").write_text("x", encoding="utf-8")
    with pytest.raises(CacheError, match="cannot create the cache folder"):
        cache.open_cache(tmp_path / "blocker" / "cache", repo)
    opened = cache.open_cache(tmp_path / "outside" / "cache", repo)
    assert opened.folder == tmp_path / "outside" / "cache" and opened.folder.is_dir()



def test_the_default_folder_follows_ci_then_xdg_then_home(tmp_path: Path) -> None:
    from gate.cache.location import APP_FOLDER, default_dir

    assert default_dir({"RUNNER_TEMP": "/r", "XDG_CACHE_HOME": "/x"}) == Path("/r") / APP_FOLDER
    assert default_dir({"XDG_CACHE_HOME": "/x"}) == Path("/x") / APP_FOLDER
    assert default_dir({"RUNNER_TEMP": "relative"}) == Path.home() / ".cache" / APP_FOLDER
