"""Taint rules run only where their sinks match (gate/scanners/semgrep/sinks.py): the real
semgrep, with and without the first run of the sinks, reports the same findings and skips,
and a failed first run leaves the plan to run whole."""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml

from gate.process import run, tool_path
from gate.runs import ScanResult
from gate.scanners.common import invoke
from gate.scanners.interface import ScanContext
from gate.scanners.semgrep import adapter, rulepacks, sinks
from gate.scanners.semgrep.adapter import SemgrepScanner, sinks_found
from gate.scanners.semgrep.targets import OUTSIDE_DATA_PACKS, SemgrepRun
from tests.helpers import FIXTURES

CORPUS = FIXTURES / "detection"
# True cases and decoys of several sinks, and a view whose sink is reached in a helper only.
CASES = sorted(p.relative_to(CORPUS).as_posix() for category in
               ("command", "header-injection", "path", "redirect", "sql", "xss")
               for p in sorted((CORPUS / category).glob("*.py"))[:3])
NO_SINK = '''from flask import Flask, request

app = Flask(__name__)


@app.route("/hello")
def hello():
    name = request.args.get("name", "")
    return {"greeting": len(name)}
'''
# A partial parse, with a source and sink words (a file no rule's prefilter admits is skipped
# unparsed, with no error, in either run).
BROKEN = ("from flask import request\nimport subprocess\n"
          "def view(:\n\tif\n  subprocess.run(request.args ))))\n")


def scan(root: Path, files: list[str]) -> ScanResult:
    scanner = SemgrepScanner()
    return scanner.scan(ScanContext(root=root, files=tuple(scanner.select(files, root)),
                                    timeout=300))


def scan_seen(root: Path, files: list[str], patch: pytest.MonkeyPatch
              ) -> tuple[ScanResult, list[list[str]]]:
    """``scan``, and each semgrep run's configs as it ran them (a shipped pack by its file
    name, a generated one as ``made:NAME``): the real semgrep runs, the adapter's call of it
    is only watched."""
    seen: list[list[str]] = []

    def watched(scanner: Any, args: Sequence[str], *rest: Any, **kw: Any) -> Any:
        configs = [Path(a.removeprefix("--config=")) for a in args if a.startswith("--config=")]
        seen.append([c.name if c.parent == rulepacks.rules_dir() else f"made:{c.name}"
                     for c in configs])
        return invoke(scanner, args, *rest, **kw)

    patch.setattr(adapter, "invoke", watched)
    return scan(root, files), seen


def summary(result: ScanResult) -> tuple[list[tuple[str, str, int]], list[str], list[str]]:
    """Findings (rule, path, line), skipped paths and arguments: what must not change."""
    return (sorted((f.rule_id, f.location.path, f.location.start_line)
                   for f in result.findings),
            sorted(s.path for s in result.run.skipped), list(result.run.arguments))


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    root = tmp_path_factory.mktemp("sinks")
    for rel in CASES:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(CORPUS / rel, root / rel)
    (root / "app" / "views.py").parent.mkdir()
    (root / "app" / "views.py").write_text(NO_SINK, encoding="utf-8")
    (root / "app" / "broken.py").write_text(BROKEN, encoding="utf-8")
    return root, sorted([*CASES, "app/views.py", "app/broken.py"])


@pytest.fixture(scope="module")
def whole(tree: tuple[Path, list[str]]) -> ScanResult:
    """The scan with every taint rule on every file (no first run)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sinks, "worth_it", lambda packs, paths: False)
        return scan(*tree)


def test_the_tree_is_one_a_first_run_is_worth(tree: tuple[Path, list[str]]) -> None:
    plans = SemgrepScanner().plans(tree[1], tree[0])
    assert any(sinks.worth_it(p.packs, p.paths) for p in plans)


def test_a_first_run_only_for_enough_files_and_taint_rules_only() -> None:
    files = [f"f{i}.py" for i in range(sinks.MIN_FILES)]
    assert sinks.worth_it(OUTSIDE_DATA_PACKS, files)
    assert not sinks.worth_it(OUTSIDE_DATA_PACKS, files[1:])  # one file short
    # A pack with a search rule beside its taint rules: that rule must see every file.
    assert not sinks.worth_it(("web-weak-hash.yml", *OUTSIDE_DATA_PACKS), files)
    assert not sinks.worth_it(("web-ldap.yml",), files)  # one rule


def test_the_sinks_first_find_what_every_rule_everywhere_finds(
        tree: tuple[Path, list[str]], whole: ScanResult, monkeypatch: pytest.MonkeyPatch
        ) -> None:
    limited, seen = scan_seen(*tree, monkeypatch)
    # The sinks ran first, then the packs limited (generated), none of them whole.
    assert ["made:sinks.json"] in seen
    assert any(c and all(n.startswith("made:web-") for n in c) for c in seen), seen
    assert not any("web-header.yml" in c for c in seen), seen
    assert summary(limited) == summary(whole)
    assert {f.rule_id for f in whole.findings} >= {
        "web-command-injection", "web-header-injection", "web-path-traversal"}
    # The file semgrep cannot parse is still listed, by the taint run it went to.
    assert "app/broken.py" in summary(limited)[1]
    assert limited.run.ok


def test_a_failed_first_run_leaves_the_plan_to_run_whole(
        tree: tuple[Path, list[str]], whole: ScanResult, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sinks, "search_rules", lambda packs: "rules: [{id: broken}]\n")
    result, seen = scan_seen(*tree, monkeypatch)
    assert ["made:sinks.json"] in seen and any("web-header.yml" in c for c in seen), seen
    assert summary(result) == summary(whole)


def test_no_sink_in_any_file_runs_no_taint_rule(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    names = [f"app/view{i}.py" for i in range(sinks.MIN_FILES)]
    for name in names:
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(NO_SINK, encoding="utf-8")
    result, seen = scan_seen(tmp_path, names, monkeypatch)
    assert ["made:sinks.json"] in seen
    assert not any(n.startswith(("web-header", "made:web-")) for c in seen for n in c), seen
    assert result.run.ok and result.findings == () and result.run.skipped == ()


def test_every_taint_rules_sinks_make_a_search_semgrep_accepts(tmp_path: Path) -> None:
    """The search rules of every outside-data pack load (an invalid one fails the first run
    and so costs a second) and keep each rule's id, languages and sinks."""
    text = sinks.search_rules(OUTSIDE_DATA_PACKS)
    rules = yaml.safe_load(text)["rules"]
    assert sorted(r["id"] for r in rules) == sorted(rulepacks.file_rule_ids(OUTSIDE_DATA_PACKS))
    assert all("requires" not in sink for r in rules for sink in r["pattern-either"])
    (tmp_path / "sinks.json").write_text(text, encoding="utf-8")
    (tmp_path / "a.py").write_text("x = 1\n", encoding="utf-8")
    argv = SemgrepScanner().command_line(SemgrepRun((), ("a.py",)), 120, 1,
                                         [tmp_path / "sinks.json"])
    done = run([tool_path("semgrep"), *argv], cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["errors"] == []


def test_restrict_adds_the_names_and_leaves_the_rest_byte_for_byte() -> None:
    pack = "web-xss.yml"
    text = (rulepacks.rules_dir() / pack).read_text(encoding="utf-8")
    first, second = sorted(rulepacks.file_rule_ids([pack]))
    limited = sinks.restrict(text, {first: ["views.py", "a-b.py"]})
    assert limited is not None
    rules = {r["id"]: r for r in yaml.safe_load(limited)["rules"]}
    assert rules[first]["paths"] == {"include": ["views.py", "a-b.py"]}
    assert "paths" not in rules[second]
    without = "".join(line + "\n" for line in limited.splitlines()
                      if line.strip() not in ("paths:", "include:", '- "views.py"', '- "a-b.py"'))
    assert without == text
    dropped = sinks.restrict(text, {first: []})
    assert dropped is not None and first not in {r["id"] for r in yaml.safe_load(dropped)["rules"]}
    assert sinks.restrict(text, {first: [], second: []}) is None


def test_a_name_that_is_no_plain_glob_leaves_its_rule_unlimited() -> None:
    found = {"r1": {"app/views.py"}, "r2": {"app/[x].py", "app/b.py"}}
    limits = sinks.includes(found, {"app/skipped file.py"}, frozenset({"r1", "r2", "r3"}))
    assert limits == {"r1": None, "r2": None, "r3": None}
    limits = sinks.includes(found, set(), frozenset({"r1", "r2", "r3"}))
    assert limits == {"r1": ["views.py"], "r2": None, "r3": []}


@pytest.mark.slow  # the adapter twice over the whole detection corpus (~10 s); the tree above
# holds the same in the fast tier
def test_the_whole_corpus_gives_the_same_findings_either_way() -> None:
    files = sorted(p.relative_to(CORPUS).as_posix() for p in CORPUS.rglob("*") if p.is_file())
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sinks, "worth_it", lambda packs, paths: False)
        whole = scan(CORPUS, files)
    with pytest.MonkeyPatch.context() as patch:
        limited, seen = scan_seen(CORPUS, files, patch)
    assert ["made:sinks.json"] in seen
    assert whole.run.ok and limited.run.ok
    assert summary(limited) == summary(whole)
    assert len(whole.findings) > 200


def test_what_the_first_run_found_and_what_it_leaves_to_every_rule() -> None:
    rules = frozenset({"web-path-traversal", "web-ssrf"})
    output = {
        "results": [{"check_id": "tmp.x.web-path-traversal", "path": "./app/a.py"},
                    {"check_id": "web-ssrf", "path": "app/b.py"}],
        "errors": [{"type": "Timeout", "path": "app/slow.py", "level": "warn"}],
        "paths": {"scanned": ["app/a.py", "app/b.py", "app/c.py", "app/slow.py"],
                  "skipped": [{"path": "app/big.py", "reason": "too big"}]},
    }
    given = ["app/a.py", "app/b.py", "app/c.py", "app/slow.py", "app/big.py", "app/gone.py"]
    assert sinks_found(output, given, rules) == (
        {"web-path-traversal": {"app/a.py"}, "web-ssrf": {"app/b.py"}},
        {"app/slow.py", "app/big.py", "app/gone.py"})
    # An error of no file (a rule's) may have lost a rule's sinks: the plan runs whole.
    ruled = {**output, "errors": [{"type": "Rule parse error", "level": "error"}]}
    assert sinks_found(ruled, given, rules) is None
