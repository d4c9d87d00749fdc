"""The semgrep engine choice: the OCaml CLI (``semgrep scan --experimental``) runs only for
semgrep versions whose output, normalised, equals the Python CLI's on every rule fixture and
on a targeting fixture. The slow tests here are those equivalence tests: run both engines
with the adapter's own command line and compare."""

from __future__ import annotations

import json
import subprocess
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from gate.process import tool_path
from gate.runs import ScanResult
from gate.scanners.interface import ScanContext
from gate.scanners.semgrep import engine, rulepacks
from gate.scanners.semgrep.adapter import SemgrepScanner
from gate.scanners.semgrep.engine import Engine, engine_for
from gate.scanners.semgrep.targets import SemgrepRun, plan_semgrep_runs, semgrep_kind
from tests.helpers import REPO_ROOT, git, make_repo

RULE_FIXTURES = REPO_ROOT / "tests" / "fixtures" / "rules"
SHELL = "import subprocess\n\n\ndef run(cmd):\n    subprocess.call(cmd, shell=True)\n"
NOSEM = ("import subprocess\n\n\ndef run(cmd):\n"
         "    subprocess.call(cmd, shell=True)  # nosemgrep\n"
         "    subprocess.call(cmd, shell=True)  # nosemgrep: python-subprocess-shell-non-literal\n"
         "    subprocess.call(cmd, shell=True)  # nosem\n")
# A pattern whose ellipses try every 5-argument combination of a 120-argument call before
# failing on the last one: about 190 million tries per call, far past a 1-second timeout.
SLOW_RULE = """rules:
  - id: test-slow-backtracking
    languages: [python]
    severity: INFO
    message: every argument combination is tried before the last one fails
    pattern: f(..., $A, ..., $B, ..., $C, ..., $D, ..., $E, ..., "never")
"""
SLOW_FILE = "".join(f"f({', '.join(str(i) for i in range(120))})\n" for _ in range(3))
TARGETING = {
    # over semgrep's default --max-target-bytes (1 MB): the gate passes 0, no tool limit
    "big.py": "# padding line of a large generated module\n" * 26_000 + SHELL,
    # a partial parse; the comment names sinks so that the rules' prefilters let semgrep
    # parse the file (without one, semgrep skips it unparsed and reports no error): a call
    # of execute( gives it to the SQL-string pack, whose rule selects it
    "broken.py": "# execute( subprocess shell eval pickle\ndef f(:\n\tif\n  x ===== 3 ))))\n",
    "docker-compose.yml": "services:\n  web: [unclosed\n    image: \"x\n",  # no parse
    "nosem.py": NOSEM,
    "ignored.py": SHELL,  # listed in the in-tree .semgrepignore: named files are scanned
    "vendor/lib.py": SHELL,  # a folder the .semgrepignore names
    "untracked.py": SHELL,  # never added to git
    "gitignored.py": SHELL,  # in .gitignore
    ".semgrepignore": "ignored.py\nvendor/\n",
    ".gitignore": "gitignored.py\n",
}


# -- the choice and the normalisation (fast) -------------------------------------------------


def test_the_pinned_version_runs_the_ocaml_cli_and_any_other_the_python_cli() -> None:
    assert engine_for("1.185.0") is Engine.OCAML
    assert engine_for("1.186.0") is Engine.PYTHON
    assert engine_for("unknown") is Engine.PYTHON  # GATE_SEMGREP_COMMAND: version unknown
    assert SemgrepScanner().engine is engine_for(SemgrepScanner().tool_version())


def test_a_replaced_command_runs_the_python_cli(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GATE_SEMGREP_COMMAND", tool_path("semgrep"))
    assert SemgrepScanner().engine is Engine.PYTHON
    assert "--experimental" not in SemgrepScanner().run_arguments(
        ScanContext(Path("."), ("a.py",), 40))


def test_the_run_arguments_name_the_engine() -> None:
    ctx = ScanContext(Path("."), ("a.py",), 40)
    ocaml = SemgrepScanner(Engine.OCAML).run_arguments(ctx)
    python = SemgrepScanner(Engine.PYTHON).run_arguments(ctx)
    assert ocaml[:2] == ["scan", "--experimental"] and "--experimental" not in python
    assert [a for a in ocaml if a != "--experimental"] == python
    assert "--max-target-bytes=0" in python
    # the engine is part of every cache key: results of one never stand in for the other
    assert (SemgrepScanner(Engine.OCAML).cache_config(ctx)
            != SemgrepScanner(Engine.PYTHON).cache_config(ctx))


def test_too_big_is_worded_as_the_python_cli_words_it() -> None:
    data = {"results": [], "errors": [], "paths": {"scanned": ["a.py"], "skipped": [
        {"path": "big.py", "reason": "too_big", "details": "target file size exceeds 9 bytes"},
        {"path": "a.py", "reason": "analysis_failed_parser_or_internal_error", "details": "",
         "rule_id": "r"}]}}
    assert engine.normalise(data)["paths"]["skipped"] == [
        {"path": "big.py", "reason": "exceeded_size_limit"},
        {"path": "a.py", "reason": "analysis_failed_parser_or_internal_error"}]
    assert engine.normalise({"results": []}) == {"results": []}


@pytest.mark.parametrize("which", [
    Engine.OCAML, pytest.param(Engine.PYTHON, marks=pytest.mark.slow)])  # Python CLI: ~3 s
def test_each_engine_reports_yaml_ids_and_names_itself_in_its_arguments(
        tmp_path: Path, which: Engine) -> None:
    (tmp_path / "app.py").write_text(NOSEM, encoding="utf-8")
    result = SemgrepScanner(which).scan(ScanContext(tmp_path, ("app.py",), 40))
    assert result.run.ok, result.run.error
    assert ("--experimental" in result.run.arguments) is (which is Engine.OCAML)
    assert sorted((f.rule_id, f.location.start_line) for f in result.findings) == [
        ("python-subprocess-shell-non-literal", 5), ("python-subprocess-shell-non-literal", 6),
        ("python-subprocess-shell-non-literal", 7)]


# -- equivalence (slow) ----------------------------------------------------------------------


def _run(which: Engine, plan: SemgrepRun, cwd: Path, timeout: float = 120.0,
         extra_config: Path | None = None) -> dict[str, Any]:
    """Semgrep's JSON for ``plan`` with the adapter's command line for engine ``which``."""
    args = SemgrepScanner(which).command_line(plan, timeout)
    if extra_config is not None:
        args.insert(args.index("--"), f"--config={extra_config}")
    done = subprocess.run([tool_path("semgrep"), *args], cwd=cwd, capture_output=True,
                          timeout=600, check=False)
    assert done.returncode in (0, 1), done.stderr.decode()[-2000:]
    data: dict[str, Any] = json.loads(done.stdout)
    return data


def _both(plan: SemgrepRun, cwd: Path, **kwargs: Any) -> tuple[dict[str, Any], ...]:
    known = rulepacks.all_rule_ids() | {"test-slow-backtracking"}
    return tuple(engine.comparable(_run(which, plan, cwd, **kwargs),
                                   lambda i: rulepacks.strip_rule_prefix(i, known))
                 for which in Engine)


def _kind_word(kind: object) -> str:
    return str(kind[0] if isinstance(kind, list) else kind)


def _rule_fixture_plans() -> list[SemgrepRun]:
    """Every rule fixture, planned as the adapter plans; every pack runs on the files semgrep
    knows by name (as in test_rule_packs)."""
    planned = []
    for path in sorted(p for p in RULE_FIXTURES.rglob("*") if p.is_file()):
        rel = path.relative_to(RULE_FIXTURES).as_posix()
        kind = semgrep_kind(rel, path.read_text(encoding="utf-8"))
        planned.append((rel, kind or path.relative_to(RULE_FIXTURES).parts[0]))
    runs = plan_semgrep_runs(planned)  # type: ignore[arg-type]
    runs[0] = replace(runs[0], packs=tuple(f"{p}.yml" for p in rulepacks.available_packs()))
    return runs


@pytest.fixture(scope="module")
def targeting(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("targeting") / "repo"
    root.mkdir()
    for name, text in TARGETING.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    (root / "slow.py").write_text(SLOW_FILE, encoding="utf-8")
    (root / "slow-rule.yml").write_text(SLOW_RULE, encoding="utf-8")
    make_repo(root)
    git(root, "rm", "-q", "--cached", "untracked.py")
    return root


@pytest.mark.slow  # both engines over every rule fixture (~10 s)
@pytest.mark.parametrize("index", range(len(_rule_fixture_plans())))
def test_both_engines_agree_on_every_rule_fixture(index: int) -> None:
    plan = _rule_fixture_plans()[index]
    python, ocaml = _both(plan, RULE_FIXTURES)
    assert python == ocaml
    assert python["results"] and python["scanned"] == sorted(plan.paths)


@pytest.mark.slow  # both engines on the targeting fixture, with a pack and a slow rule (~15 s)
def test_both_engines_agree_on_the_targeting_fixture(targeting: Path) -> None:
    names = sorted(n for n in TARGETING if not n.startswith("."))
    plan = SemgrepRun(("python.yml", "python-sql-strings.yml", "compose.yml"), tuple(names))
    python, ocaml = _both(plan, targeting)
    assert python == ocaml
    assert python["scanned"] == names  # nothing left out: size, .semgrepignore, git
    flagged = {json.loads(r)["path"] for r in python["results"]}
    assert flagged == {n for n in names if n.endswith(".py") and n != "broken.py"}
    kinds = {(_kind_word(json.loads(e)["type"]), json.loads(e)["path"])
             for e in python["errors"]}
    assert kinds == {("Other syntax error", "docker-compose.yml"), ("PartialParsing", "broken.py")}


@pytest.mark.slow  # both engines on a rule/file pair that cannot finish in a second (~10 s)
def test_both_engines_report_the_same_timeout(targeting: Path) -> None:
    plan = SemgrepRun(("python.yml",), ("slow.py",))
    python, ocaml = _both(plan, targeting, timeout=4.0, extra_config=targeting / "slow-rule.yml")
    assert python == ocaml
    timeouts = [json.loads(e) for e in python["errors"]]
    assert [(e["type"], e["path"], e["rule_id"]) for e in timeouts] == [
        ("Timeout", "slow.py", "test-slow-backtracking")]


@pytest.mark.slow  # why the gate passes --max-target-bytes=0 (two semgrep runs, ~5 s)
def test_with_a_size_limit_the_engines_differ_on_named_files(targeting: Path) -> None:
    """The Python CLI scans a named file over the limit; the OCaml CLI skips it."""
    plan = SemgrepRun(("python.yml",), ("nosem.py",))
    out = {}
    for which in Engine:
        args = [a if not a.startswith("--max-target-bytes=") else "--max-target-bytes=100"
                for a in SemgrepScanner(which).command_line(plan, 40)]
        out[which] = json.loads(subprocess.run([tool_path("semgrep"), *args], cwd=targeting,
                                               capture_output=True, check=False).stdout)
    assert len(out[Engine.PYTHON]["results"]) == 3
    assert out[Engine.OCAML]["results"] == []
    assert engine.normalise(out[Engine.OCAML])["paths"]["skipped"] == [
        {"path": "nosem.py", "reason": "exceeded_size_limit"}]


@pytest.mark.slow  # the adapter end to end with each engine on the targeting fixture (~10 s)
def test_the_adapter_gives_the_same_findings_and_skips_with_either_engine(
        targeting: Path) -> None:
    files = tuple(sorted(n for n in TARGETING if not n.startswith(".")))
    results: list[ScanResult] = [SemgrepScanner(which).scan(ScanContext(targeting, files, 120))
                                 for which in Engine]
    python, ocaml = results
    assert python.run.ok and ocaml.run.ok, (python.run.error, ocaml.run.error)
    assert python.findings == ocaml.findings
    assert sorted(python.run.skipped, key=repr) == sorted(ocaml.run.skipped, key=repr)
    assert {s.path for s in python.run.skipped} == {"broken.py", "docker-compose.yml"}
