"""Dead settings wired (issue 24, item 10): the cache folder reaches the scanners
(kingfisher's compiled rules under it), and ``--baseline`` (the Action's ``baseline`` input)
takes what it says: a baseline, a JSON report or a SARIF file of an earlier run."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import load_json, make_repo, run_gate

APP = ('"""Runs a report."""\nimport subprocess\n\n\ndef run_report(name):\n'
       '    subprocess.call("report " + name, shell=True)\n')


@pytest.mark.slow  # kingfisher builds its rule cache from nothing (~6 s)
def test_kingfisher_keeps_its_compiled_rules_in_the_cache_folder(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"notes.txt": "nothing secret\n"})
    cache = tmp_path / "cache"
    run = run_gate("scan", ".", "--scanners", "secrets", "--cache-dir", str(cache), cwd=repo)
    assert run.code == 0, run.output
    rules = cache / "kingfisher-rules"
    assert rules.is_dir() and any(p.is_file() for p in rules.rglob("*"))
    assert not any(p.name.startswith("gate-secrets-") for p in cache.iterdir())  # no mirror left


@pytest.mark.parametrize("kind", ["--sarif", "--json"])
def test_a_report_or_sarif_of_an_earlier_run_is_a_baseline(tmp_path: Path, kind: str) -> None:
    repo = make_repo(tmp_path / "repo", {"app.py": APP,
                                          "gate.toml": 'version = 1\nfail_on = "medium"\n'})
    earlier = tmp_path / "earlier"
    first = run_gate("scan", ".", "--scanners", "bandit", "--no-cache", kind, str(earlier),
                     cwd=repo)
    assert first.code == 1, first.output
    again = run_gate("scan", ".", "--scanners", "bandit", "--no-cache", "--baseline",
                     str(earlier), "--new-only", "--json", str(tmp_path / "r.json"), cwd=repo)
    assert again.code == 0, again.output
    states = {(f["rule_id"], f["disposition"]) for f in load_json(tmp_path / "r.json")["findings"]}
    assert ("B602", "baseline") in states


def test_anything_else_is_refused_in_one_line(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"app.py": APP})
    junk = tmp_path / "junk.json"
    junk.write_text('{"results": []}', encoding="utf-8")
    run = run_gate("scan", ".", "--scanners", "bandit", "--no-cache", "--baseline", str(junk),
                   cwd=repo)
    assert run.code == 2
    assert run.stderr.strip() == (f"gate: error: {junk}: neither a baseline ('gate baseline "
                                  "create -o FILE'), a JSON report (--json) nor a SARIF file "
                                  "(--sarif)")
