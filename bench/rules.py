#!/usr/bin/env python3
"""Measure what each shipped semgrep rule costs on Django 5.1.4's ``django/`` folder.

Runs the semgrep beside this interpreter with the gate's own arguments, packs and file
list (``SemgrepScanner.raw_argv`` on the gate's plan) plus ``--time``, and prints each
rule's share of semgrep's match time (summed over files) and its finding count, costliest
first. With ``--runs N`` the times are medians of N runs.

    python bench/rules.py                          # django/ of the cached Django sdist
    python bench/rules.py --runs 3 --target DIR    # any folder, medians of 3 runs
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess  # nosec B404 - a benchmark driver: argv lists, no shell
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from run_bench import gate_work, prepare, raw_commands  # noqa: E402

from gate.process import scanner_env  # noqa: E402
from gate.scanners.semgrep.rulepacks import all_rule_ids, strip_rule_prefix  # noqa: E402
from gate.tree.discovery import find_root  # noqa: E402


@dataclass(frozen=True)
class RuleCost:
    """One rule's measured cost and findings."""

    rule: str
    seconds: float  # match time summed over every target file (median over runs)
    findings: int


def semgrep_argv(target: Path, jobs: int) -> tuple[Path, list[str]]:
    """The gate's semgrep command on ``target`` (its root and argv), with ``--time`` and
    ``--jobs`` (the gate passes its share of ``--jobs`` too)."""
    root = find_root([target])
    argv = raw_commands(root, gate_work(target, ["semgrep"])).get("semgrep")
    if not argv:
        raise SystemExit(f"semgrep has nothing to scan under {target}")
    split = argv.index("--")
    return root, [*argv[:split], "--time", f"--jobs={max(1, jobs)}", *argv[split:]]


def run_once(root: Path, argv: Sequence[str]) -> dict[str, Any]:
    """Run semgrep once; its JSON (a failed run stops the benchmark)."""
    proc = subprocess.run(list(argv), cwd=root, env=scanner_env(),  # nosec B603 - argv list
                          capture_output=True, check=False)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"semgrep exited {proc.returncode}: {proc.stderr[-2000:]!r}")
    data: dict[str, Any] = json.loads(proc.stdout)
    return data


def rule_times(data: dict[str, Any]) -> dict[str, float]:
    """Match seconds per rule id, summed over the targets of one ``--time`` run."""
    known = all_rule_ids()
    timing = data.get("time") or {}
    ids = [strip_rule_prefix(str(rule.get("id", "") if isinstance(rule, dict) else rule), known)
           for rule in timing.get("rules", [])]
    out = dict.fromkeys(ids, 0.0)
    for target in timing.get("targets", []):
        for rule, seconds in zip(ids, target.get("match_times") or [], strict=False):
            out[rule] += max(0.0, float(seconds))
    return out


def rule_findings(data: dict[str, Any]) -> Counter[str]:
    """Findings per rule id."""
    known = all_rule_ids()
    return Counter(strip_rule_prefix(str(r["check_id"]), known) for r in data["results"])


def measure(target: Path, runs: int, jobs: int = 1
            ) -> tuple[list[RuleCost], dict[str, Any]]:
    """Median per-rule match time over ``runs`` runs, findings of the last run, and the
    last run's JSON."""
    root, argv = semgrep_argv(target, jobs)
    samples: list[dict[str, float]] = []
    data: dict[str, Any] = {}
    for _ in range(max(1, runs)):
        data = run_once(root, argv)
        samples.append(rule_times(data))
    found = rule_findings(data)
    rules = sorted({r for s in samples for r in s} | set(found))
    costs = [RuleCost(r, statistics.median(s.get(r, 0.0) for s in samples), found[r])
             for r in rules]
    return sorted(costs, key=lambda c: (-c.seconds, c.rule)), data


def table(costs: Sequence[RuleCost]) -> str:
    """A markdown table: rule, seconds, share of the total, findings."""
    total = sum(c.seconds for c in costs) or 1.0
    lines = ["rule | match s | share | findings", "--- | --- | --- | ---"]
    lines += [f"`{c.rule}` | {c.seconds:.2f} | {c.seconds / total:.1%} | {c.findings}"
              for c in costs]
    lines.append(f"**all {len(costs)} rules** | {sum(c.seconds for c in costs):.2f} | 100% | "
                 f"{sum(c.findings for c in costs)}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    parser.add_argument("--cache", type=Path, default=default_cache / "secops-gate-bench",
                        help="where Django is downloaded and unpacked")
    parser.add_argument("--target", type=Path, default=None,
                        help="folder to scan (default: django/ of the Django 5.1.4 sdist)")
    parser.add_argument("--runs", type=int, default=1, help="runs (median of the times)")
    parser.add_argument("--jobs", type=int, default=1,
                        help="semgrep --jobs (1: per-rule times without contention)")
    parser.add_argument("--findings", action="store_true",
                        help="also list every finding as rule path:line")
    parser.add_argument("--save", type=Path, default=None,
                        help="write the last run's semgrep JSON to this file")
    args = parser.parse_args()
    target = args.target or prepare(args.cache) / "django"
    costs, data = measure(target.resolve(), args.runs, args.jobs)
    if args.save:
        args.save.write_text(json.dumps(data), encoding="utf-8")
    timing = data.get("time") or {}
    total = float((timing.get("profiling_times") or {}).get("total_time", 0.0))
    print(f"target: {target}; runs: {max(1, args.runs)} (median of the match times); "
          f"semgrep total {total:.1f}s (last run); {len(timing.get('targets', []))} files\n")
    print(table(costs))
    if args.findings:
        known = all_rule_ids()
        print()
        for r in sorted(data["results"], key=lambda r: (r["check_id"], r["path"],
                                                         r["start"]["line"])):
            print(f"{strip_rule_prefix(r['check_id'], known)} {r['path']}:{r['start']['line']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
