"""The cache-aware runner, in process with the real bandit: per-file entries reused for
unchanged files, failed and transient results never stored, replaced tools never cached."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from gate.cache.store import ResultCache
from gate.runs import ScanResult, SkippedFile
from gate.scan.cached import cached_scan, config_digest, digest_file, file_key
from gate.scanners.bandit import BanditScanner
from gate.scanners.interface import ScanContext, failed
from tests.helpers import FIXTURES

FILES = ("app.py", "clean.py", "broken.py")


@pytest.fixture
def ctx(tmp_path: Path) -> ScanContext:
    root = tmp_path / "repo"
    shutil.copytree(FIXTURES / "core" / "vulnerable", root)
    (root / "clean.py").write_text("def add(a, b):\n    return a + b\n", encoding="utf-8")
    (root / "broken.py").write_text("def broken(:\n", encoding="utf-8")
    return ScanContext(root=root, files=FILES, timeout=120)


class Counting:
    """Wraps the real scan and records which files each fresh run was given."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, ...]] = []

    def __call__(self, ctx: ScanContext) -> ScanResult:
        self.calls.append(ctx.files)
        return BanditScanner().scan(ctx)


def test_a_warm_run_reuses_every_file_and_equals_the_cold_one(ctx: ScanContext,
                                                              tmp_path: Path) -> None:
    cache, fresh = ResultCache(tmp_path / "cache"), Counting()
    cold = cached_scan(BanditScanner(), ctx, cache, fresh)
    warm = cached_scan(BanditScanner(), ctx, cache, fresh)
    assert fresh.calls == [FILES]
    assert warm.findings == cold.findings
    assert warm.run.skipped == cold.run.skipped == (
        SkippedFile("broken.py", "syntax error while parsing AST from file"),)
    assert warm.run.notes == ("cache: 3 of 3 file(s) reused",)
    assert (warm.run.exit_code, warm.run.version, warm.run.duration) == (1, "1.9.4", 0.0)
    assert warm.run.arguments == cold.run.arguments


def test_only_the_changed_file_is_rescanned(ctx: ScanContext, tmp_path: Path) -> None:
    cache, fresh = ResultCache(tmp_path / "cache"), Counting()
    cached_scan(BanditScanner(), ctx, cache, fresh)
    (ctx.root / "clean.py").write_text("import pickle\n\n\ndef f(b):\n    return pickle.loads(b)\n",
                                       encoding="utf-8")
    warm = cached_scan(BanditScanner(), ctx, cache, fresh)
    assert fresh.calls[1] == ("clean.py",)
    assert warm.run.notes == ("cache: 2 of 3 file(s) reused",)
    assert ("B301", "clean.py", 5) in {
        (f.rule_id, f.location.path, f.location.start_line) for f in warm.findings}
    assert [f.location.path for f in warm.findings] == sorted(
        (f.location.path for f in warm.findings), key=FILES.index)  # the order given


def test_failed_and_transient_results_are_not_stored(ctx: ScanContext, tmp_path: Path) -> None:
    cache = ResultCache(tmp_path / "cache")
    broke = cached_scan(BanditScanner(), ctx, cache,
                        lambda c: failed("bandit", "bandit", "exited with code 2",
                                         files=len(c.files)))
    assert not broke.run.ok and broke.run.files == 3
    assert not list((tmp_path / "cache").rglob("*.json"))

    def timed_out(c: ScanContext) -> ScanResult:
        result = BanditScanner().scan(c)
        return replace(result, run=replace(result.run, skipped=(
            SkippedFile("clean.py", "timed out after 5s"),)))

    cached_scan(BanditScanner(), ctx, cache, timed_out)
    fresh = Counting()
    cached_scan(BanditScanner(), ctx, cache, fresh)
    assert fresh.calls == [("clean.py",)]  # its timeout was not remembered as a result


def test_a_replaced_tool_is_never_cached(ctx: ScanContext, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GATE_BANDIT_COMMAND", "bandit")  # same tool, but unknown version
    cache, fresh = ResultCache(tmp_path / "cache"), Counting()
    cached_scan(BanditScanner(), ctx, cache, fresh)
    cached_scan(BanditScanner(), ctx, cache, fresh)
    assert fresh.calls == [FILES, FILES]
    assert cached_scan(BanditScanner(), ctx, None, fresh).run.notes == ()


def test_keys_change_with_configuration_path_and_content(ctx: ScanContext) -> None:
    scanner = BanditScanner()
    base = config_digest(scanner, ctx, "1.9.4")
    assert config_digest(scanner, ctx, "1.9.5") != base
    assert config_digest(scanner, replace(ctx, timeout=5), "1.9.4") != base
    assert config_digest(scanner, replace(ctx, options={"x": 1}), "1.9.4") != base
    content = digest_file(ctx.root / "app.py")
    assert content is not None and digest_file(ctx.root / "absent.py") is None
    assert file_key(base, "app.py", content) != file_key(base, "other.py", content)


def test_a_file_edited_while_the_tool_ran_gets_no_entry(ctx: ScanContext, tmp_path: Path) -> None:
    cache = ResultCache(tmp_path / "cache")
    original = (ctx.root / "clean.py").read_bytes()

    def edits_clean_py(c: ScanContext) -> ScanResult:
        result = BanditScanner().scan(c)
        (ctx.root / "clean.py").write_text("def add(a, b):\n    return b + a\n", encoding="utf-8")
        return result

    cached_scan(BanditScanner(), ctx, cache, edits_clean_py)
    (ctx.root / "clean.py").write_bytes(original)  # back to the content read before the run
    fresh = Counting()
    cached_scan(BanditScanner(), ctx, cache, fresh)
    assert fresh.calls == [("clean.py",)]  # no entry was stored for what bandit never saw
