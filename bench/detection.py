#!/usr/bin/env python3
"""How well the gate tells real flaws from safe code: the project's own labelled corpus,
scored per weakness category as Youden's J (true-positive rate minus false-positive rate).

The corpus is ``tests/fixtures/detection/<category>/``: one case per file, labelled on its
first marked line by ``detection: true CWE-N`` (a real flaw of weakness N) or
``detection: decoy CWE-N`` (safe code that looks like one). Cases whose credentials must be
in a real format are written at run time (``generated_cases``), never kept in the tree.

A case is **hit** when a finding in its file has a first CWE equal to the case's, or its
direct parent or child in MITRE's Research view (``gate.weakness.same_family``). Per
category: TP (true cases hit), FN, FP (decoys hit), TN; TPR, FPR and J = TPR - FPR; then
the mean J over categories and pooled precision and recall. Scored for

- ``gate (reported)``: every finding the gate reports (fail and warn: what the SARIF shows);
- ``gate (fail)``: only the findings that fail under the default preset;
- ``bandit`` and ``semgrep``: the raw tools on the same files in the same run (bandit with
  its own CWEs, semgrep with the gate's packs and their metadata CWEs).

    python bench/detection.py                  # every category, the table
    python bench/detection.py --json out.json  # the numbers as JSON too
    python bench/detection.py --only sql,xss --list   # each case's verdicts
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess  # nosec B404 - a benchmark driver: argv lists, no shell
import sys
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from gate.weakness import same_family  # noqa: E402

CORPUS = REPO / "tests" / "fixtures" / "detection"
MARKER = re.compile(r"detection: (?P<kind>true|decoy) CWE-(?P<cwe>\d+)")
SCORERS = ("gate (reported)", "gate (fail)", "bandit", "semgrep")
GATE_SCANNERS = "bandit,semgrep,secrets"


@dataclass(frozen=True)
class Case:
    """One labelled file of the corpus."""

    category: str
    path: str  # relative to the corpus root: <category>/<file>
    flaw: bool
    cwe: int


@dataclass
class Score:
    """One scorer's counts in one category."""

    tp: int = 0
    fn: int = 0
    fp: int = 0
    tn: int = 0
    hits: dict[str, bool] = field(default_factory=dict)

    @property
    def tpr(self) -> float:
        """True-positive rate (recall on the true cases)."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def fpr(self) -> float:
        """False-positive rate on the decoys."""
        return self.fp / (self.fp + self.tn) if self.fp + self.tn else 0.0

    @property
    def youden(self) -> float:
        """J = TPR - FPR."""
        return self.tpr - self.fpr

    def add(self, case: Case, hit: bool) -> None:
        """Count one case."""
        self.hits[case.path] = hit
        if case.flaw:
            self.tp, self.fn = self.tp + hit, self.fn + (not hit)
        else:
            self.fp, self.tn = self.fp + hit, self.tn + (not hit)


def generated_cases() -> dict[str, str]:
    """Cases written at run time (``bench/detection_generated.py``): credentials in real
    formats are never committed. Each value is a case file's text, its marker included,
    keyed by ``<category>/<file>``."""
    from detection_generated import cases

    return cases()


def collect(root: Path) -> list[Case]:
    """Every labelled case under ``root`` (the corpus copy), in path order."""
    cases = []
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(root).as_posix()
        text = path.read_text(encoding="utf-8", errors="replace")
        match = MARKER.search(text)
        if match is None:
            continue
        cases.append(Case(rel.split("/", 1)[0], rel, match["kind"] == "true", int(match["cwe"])))
    return cases


def build(only: Sequence[str]) -> Path:
    """A copy of the corpus (and the generated cases) outside any git tree and outside the
    project's tests path class, so the default policy judges it as application code."""
    work = Path(tempfile.mkdtemp(prefix="gate-detection-")) / "corpus"
    for folder in sorted(p for p in CORPUS.iterdir() if p.is_dir()):
        if not only or folder.name in only:
            shutil.copytree(folder, work / folder.name,
                            ignore=shutil.ignore_patterns("__pycache__"))
    for rel, text in generated_cases().items():
        if not only or rel.split("/", 1)[0] in only:
            (work / rel).parent.mkdir(parents=True, exist_ok=True)
            (work / rel).write_text(text, encoding="utf-8")
    return work


def first_cwe(values: Iterable[object]) -> int | None:
    """The first CWE of a list of ints or ``CWE-N: name`` strings."""
    for value in values:
        if isinstance(value, int):
            return value
        match = re.search(r"\d+", str(value))
        if match:
            return int(match.group(0))
    return None


def run_gate(root: Path, env: Mapping[str, str]) -> dict[str, Any]:
    """The gate's JSON report for the corpus copy (default preset, no cache)."""
    report = root.parent / "gate.json"
    argv = [sys.executable, "-P", "-m", "gate", "scan", str(root), "--quiet", "--no-cache",
            "--scanners", GATE_SCANNERS, "--json", str(report)]
    done = subprocess.run(argv, cwd=root, env=dict(env), capture_output=True, text=True,
                          check=False)
    if done.returncode not in (0, 1):
        raise SystemExit(f"the gate exited {done.returncode}: {done.stderr.strip()[-2000:]}")
    data: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    return data


def gate_findings(report: Mapping[str, Any], dispositions: set[str]
                  ) -> list[tuple[str, int | None]]:
    """(path, first CWE) of the report's findings with one of ``dispositions``."""
    return [(f["path"], first_cwe(f.get("cwe") or ()))
            for f in report["findings"] if f["disposition"] in dispositions]


def run_raw(root: Path, files: Sequence[str], env: Mapping[str, str]
            ) -> dict[str, list[tuple[str, int | None]]]:
    """Raw bandit and raw semgrep (the gate's packs) on the same files."""
    from gate.scanners import REGISTRY

    out: dict[str, list[tuple[str, int | None]]] = {}
    for name in ("bandit", "semgrep"):
        argv = [str(a) for a in REGISTRY[name].raw_argv(root, files)]
        if not argv:
            out[name] = []
            continue
        done = subprocess.run(argv, cwd=root, env=dict(env), capture_output=True, text=True,
                              check=False)
        data = json.loads(done.stdout or "{}")
        if name == "bandit":
            out[name] = [(_rel(root, r["filename"]), (r.get("issue_cwe") or {}).get("id"))
                         for r in data.get("results", [])]
        else:
            out[name] = [(_rel(root, r["path"]),
                          first_cwe((r.get("extra", {}).get("metadata", {}) or {}).get("cwe")
                                    or ()))
                         for r in data.get("results", [])]
    return out


def _rel(root: Path, path: str) -> str:
    p = Path(path)
    return (p.relative_to(root) if p.is_absolute() else p).as_posix().removeprefix("./")


def score(cases: Sequence[Case], findings: Sequence[tuple[str, int | None]]
          ) -> dict[str, Score]:
    """Per category: each case hit or not by ``findings``."""
    by_path: dict[str, list[int]] = {}
    for path, cwe in findings:
        if cwe is not None:
            by_path.setdefault(path, []).append(cwe)
    scores: dict[str, Score] = {}
    for case in cases:
        hit = any(same_family(cwe, case.cwe) for cwe in by_path.get(case.path, ()))
        scores.setdefault(case.category, Score()).add(case, hit)
    return scores


def summary(scores: Mapping[str, Score]) -> dict[str, float]:
    """Mean J over categories, pooled precision and recall."""
    tp = sum(s.tp for s in scores.values())
    fp = sum(s.fp for s in scores.values())
    fn = sum(s.fn for s in scores.values())
    mean_j = sum(s.youden for s in scores.values()) / len(scores) if scores else 0.0
    return {"mean_j": mean_j, "precision": tp / (tp + fp) if tp + fp else 0.0,
            "recall": tp / (tp + fn) if tp + fn else 0.0}


def table(results: Mapping[str, Mapping[str, Score]]) -> str:
    """The per-category table: J for each scorer, TP/FN/FP/TN for the gate's fail-only."""
    categories = sorted({c for scores in results.values() for c in scores})
    head = f"{'category':<24}" + "".join(f"{name:>17}" for name in results) + "   fail TP/FN/FP/TN"
    lines = [head, "-" * len(head)]
    for category in categories:
        row = f"{category:<24}"
        for scores in results.values():
            s = scores.get(category)
            row += f"{s.youden:>17.2f}" if s else f"{'-':>17}"
        fail = results["gate (fail)"].get(category)
        if fail:
            row += f"   {fail.tp}/{fail.fn}/{fail.fp}/{fail.tn}"
        lines.append(row)
    lines.append("-" * len(head))
    for label in ("mean_j", "precision", "recall"):
        row = f"{label:<24}"
        for scores in results.values():
            row += f"{summary(scores)[label]:>17.2f}"
        lines.append(row)
    return "\n".join(lines)


def listing(cases: Sequence[Case], results: Mapping[str, Mapping[str, Score]]) -> str:
    """Each case with each scorer's verdict (x = hit)."""
    lines = []
    for case in cases:
        marks = " ".join("x" if results[name][case.category].hits.get(case.path) else "."
                         for name in results)
        lines.append(f"{'true ' if case.flaw else 'decoy'} CWE-{case.cwe:<5} {marks}  {case.path}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="", help="comma-separated categories")
    parser.add_argument("--list", action="store_true", help="print every case's verdicts")
    parser.add_argument("--json", type=Path, help="write the numbers as JSON")
    parser.add_argument("--keep", action="store_true", help="keep the corpus copy")
    args = parser.parse_args(argv)
    only = [c for c in args.only.split(",") if c]
    root = build(only)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for name in ("CI", "GITHUB_ACTIONS", "GATE_TODAY"):
        env.pop(name, None)
    try:
        cases = collect(root)
        if not cases:
            raise SystemExit("no labelled cases found")
        report = run_gate(root, env)
        raw = run_raw(root, sorted(c.path for c in cases), env)
        results = {
            "gate (reported)": score(cases, gate_findings(report, {"fail", "warn"})),
            "gate (fail)": score(cases, gate_findings(report, {"fail"})),
            "bandit": score(cases, raw["bandit"]),
            "semgrep": score(cases, raw["semgrep"]),
        }
        print(f"{len(cases)} cases ({sum(c.flaw for c in cases)} true, "
              f"{sum(not c.flaw for c in cases)} decoys) in {len({c.category for c in cases})} "
              "categories")
        print(table(results))
        if args.list:
            print("\n" + "verdicts: " + ", ".join(results) + "\n" + listing(cases, results))
        if args.json:
            args.json.write_text(json.dumps({
                name: {"categories": {c: {"tp": s.tp, "fn": s.fn, "fp": s.fp, "tn": s.tn,
                                          "tpr": s.tpr, "fpr": s.fpr, "j": s.youden}
                                      for c, s in sorted(scores.items())},
                       **summary(scores)}
                for name, scores in results.items()}, indent=2) + "\n", encoding="utf-8")
    finally:
        if not args.keep:
            shutil.rmtree(root.parent, ignore_errors=True)
        else:
            print(f"corpus copy kept at {root}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
