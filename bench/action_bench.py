#!/usr/bin/env python3
"""Benchmark the GitHub Action as a runner runs it, with ``../shared/tools/run-action``.

Each round: a cold push run on the default branch (empty cache store: the pinned wheels are
downloaded, both caches saved), then a pull-request run that restores both caches and
changes one file. Prints, per case, the medians of: everything before the gate step
("setup"), the install step alone, the gate step ("scan") and the whole job.

    python bench/action_bench.py                  # 3 rounds on a clone of this repository
    python bench/action_bench.py --runs 5 --tree /path/to/a/git/checkout
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess  # nosec B404 - a benchmark driver: argv lists, no shell
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("GATE_SHARED_DIR", REPO.parent / "shared"))
GATE_STEP = "Run secops-gate"


def _git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
           "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.com"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True,
                          text=True).stdout.strip()  # nosec B603 B607 - argv list


def snapshot_action(dest: Path) -> Path:
    """The action's files (what git lists, without the tests), as a user checks them out."""
    listed = _git(REPO, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    for name in filter(None, listed.split("\0")):
        source = REPO / name
        if name.startswith("tests/") or not source.is_file():
            continue
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, dest / name)
    return dest


def run_action(action: Path, workspace: Path, event: str, payload: dict[str, Any],
               store: Path, temp: Path, ref: str) -> dict[str, Any]:
    """One job through run-action; its JSON report."""
    cmd = [sys.executable, str(SHARED / "tools" / "run-action"), str(action), str(workspace),
           event, json.dumps(payload), "--store", str(store), "--github", f"ref={ref}"]
    env = {**os.environ, "RUN_ACTION_RUNNER_TEMP": str(temp)}
    if (SHARED / "advisory-database").is_dir():  # offline OSV data: no network but PyPI
        env.setdefault("GATE_ADVISORY_DB", str(SHARED / "advisory-database"))
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=3600,
                          check=False)  # nosec B603 - argv list
    if proc.returncode != 0:
        raise SystemExit(f"run-action failed: {proc.stderr[-2000:]}")
    report: dict[str, Any] = json.loads(proc.stdout)
    if report["not_emulated"]:
        raise SystemExit(f"run-action cannot emulate {report['not_emulated']}")
    return report


def times(report: dict[str, Any]) -> dict[str, float]:
    """setup (every step before the gate step), install, scan and total seconds."""
    steps = report["steps"]
    gate = next(i for i, s in enumerate(steps) if s["name"] == GATE_STEP)
    return {"setup": sum(s["seconds"] for s in steps[:gate]),
            "install": next(s["seconds"] for s in steps if s["name"].startswith("Install")),
            "scan": steps[gate]["seconds"], "total": report["seconds"]}


def cache_line(report: dict[str, Any]) -> str:
    """The summary's scan line (it names the reused files)."""
    return next((line for line in report["summary"].splitlines()
                 if line.startswith(("Scanned", "Partial"))), "")


def one_round(action: Path, tree: Path, work: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """A cold push run, then a pull-request run changing one file; their reports."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    workspace = work / "checkout"
    _git(work, "clone", "-q", "--no-hardlinks", str(tree), str(workspace))
    _git(workspace, "checkout", "-q", "-B", "main")
    base = _git(workspace, "rev-parse", "HEAD")
    store, temp = work / "store", work / "runner-temp"
    push = run_action(action, workspace, "push", {"repository": {"default_branch": "main"}},
                      store, temp, "refs/heads/main")
    _git(workspace, "checkout", "-q", "-b", "change")
    target = sorted(p for p in workspace.rglob("*.py") if ".git" not in p.parts)[0]
    with target.open("a", encoding="utf-8") as handle:
        handle.write("\n# a one-line change\n")
    _git(workspace, "commit", "-q", "-am", "one-line change")
    event = {"repository": {"default_branch": "main"},
             "pull_request": {"number": 1, "base": {"sha": base},
                              "head": {"repo": {"full_name": "owner/repo"}}}}
    pull = run_action(action, workspace, "pull_request", event, store, temp,
                      "refs/pull/1/merge")
    return push, pull


def main() -> int:
    """Run the rounds and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="rounds (default 3)")
    parser.add_argument("--tree", type=Path, default=REPO,
                        help="git checkout to scan (default: this repository)")
    args = parser.parse_args()
    if not (SHARED / "tools" / "run-action").exists():
        raise SystemExit(f"run-action not found under {SHARED} (set GATE_SHARED_DIR)")
    with tempfile.TemporaryDirectory(prefix="gate-action-bench-") as scratch:
        base = Path(scratch)
        action = snapshot_action(base / "action")
        rows: dict[str, list[dict[str, float]]] = {"cold push": [], "pull request": []}
        lines: dict[str, str] = {}
        for _ in range(args.runs):
            push, pull = one_round(action, args.tree.resolve(), base / "round")
            for case, report in (("cold push", push), ("pull request", pull)):
                rows[case].append(times(report))
                lines[case] = cache_line(report)
    print("case | setup s | install s | scan s | total s | summary")
    print("--- | --- | --- | --- | --- | ---")
    medians: dict[str, dict[str, float]] = {}
    for case, samples in rows.items():
        medians[case] = {k: statistics.median(s[k] for s in samples) for k in samples[0]}
        m = medians[case]
        print(f"{case} | {m['setup']:.2f} | {m['install']:.2f} | {m['scan']:.2f} | "
              f"{m['total']:.2f} | {lines[case]}")
    ratio = medians["pull request"]["setup"] / max(0.01, medians["cold push"]["setup"])
    print(f"\nsetup of the pull-request run / cold setup: {ratio:.2f} (target <= 0.30); "
          f"medians of {args.runs} round(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
