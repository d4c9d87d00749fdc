#!/usr/bin/env python3
"""Precision and recall of the default policy, measured side by side.

Mature projects (the Django, Flask and requests sdists from PyPI) should give few failing
findings; the vulnerable fixture applications under ``tests/fixtures/calibration/`` must
fail on every known-bad line and pass on every safe twin. Both run with every scanner the
default policy enables (the five tools and the gate's own bidi check) and offline advisory
data, in one run.

Markers in the fixtures, at the end of a line: ``calibration: fail RULE[,RULE]`` (the line
must fail the default policy with one of those rules), ``calibration: warn RULE[,RULE]``
(reported, not failing), ``calibration: pass`` (no reported finding fails on it). The
secrets case is written at run time (no credential-format string is kept in the repository).

    python bench/calibration.py                      # every project and fixture
    python bench/calibration.py --projects none      # the vulnerable fixtures only
    python bench/calibration.py --projects flask --list
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import string
import subprocess  # nosec B404 - a benchmark driver: argv lists, no shell
import sys
import tarfile
import tempfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("GATE_SHARED_DIR", REPO.parent / "shared"))
FIXTURES = REPO / "tests" / "fixtures" / "calibration"
MARKER = re.compile(r"calibration: (?P<kind>fail|warn|pass)(?: (?P<rules>[\w.,/-]+))?")

# project -> (PyPI requirement, folder inside the sdist to scan; "" for all of it)
PROJECTS: dict[str, tuple[str, str]] = {
    "django": ("django==5.1.4", "django"),
    "flask": ("flask==3.1.0", ""),
    "requests": ("requests==2.32.3", ""),
}


@dataclass(frozen=True)
class Marker:
    """One marked line of a vulnerable fixture."""

    path: str
    line: int
    kind: str  # fail | warn | pass
    rules: tuple[str, ...]


@dataclass
class Judgement:
    """How the gate's findings met the markers of one fixture tree."""

    found: list[Marker] = field(default_factory=list)  # fail/warn lines met as marked
    missed: list[tuple[Marker, str]] = field(default_factory=list)  # with what happened
    false_alarms: list[tuple[Marker, str]] = field(default_factory=list)  # safe twins failing

    @property
    def ok(self) -> bool:
        """Every known-bad line met, every safe twin quiet."""
        return not self.missed and not self.false_alarms


def markers(root: Path) -> list[Marker]:
    """Every marked line under ``root`` (relative posix paths)."""
    out: list[Marker] = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        for number, line in enumerate(text.split("\n"), start=1):
            match = MARKER.search(line)
            if match:
                rules = tuple(r for r in (match.group("rules") or "").split(",") if r)
                out.append(Marker(path.relative_to(root).as_posix(), number,
                                  match.group("kind"), rules))
    return out


def judge(report: dict[str, Any], marked: Sequence[Marker]) -> Judgement:
    """Compare the gate's JSON report with the markers."""
    at: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for finding in report["findings"]:
        at.setdefault((finding["path"], finding["start_line"]), []).append(finding)
    verdict = Judgement()
    for mark in marked:
        here = at.get((mark.path, mark.line), [])
        failing = [f for f in here if f["disposition"] == "fail"]
        if mark.kind == "pass":
            if failing:
                verdict.false_alarms.append((mark, _names(failing)))
            continue
        wanted = "fail" if mark.kind == "fail" else "warn"
        hits = [f for f in here if f["rule_id"] in mark.rules and f["disposition"] == wanted]
        if hits:
            verdict.found.append(mark)
        else:
            seen = _names(here) or "no finding"
            verdict.missed.append((mark, seen))
    return verdict


def _names(findings: Sequence[dict[str, Any]]) -> str:
    return ", ".join(sorted(f"{f['rule_id']} ({f['disposition']})" for f in findings))


def plant_secrets(root: Path, seed: int = 7) -> None:
    """Write the secrets case: a GitHub token in a settings file, and its safe twin."""
    rnd = random.Random(seed)
    alphabet = string.ascii_letters + string.digits
    body = "".join(rnd.choice(alphabet) for _ in range(30))
    check, digits = zlib.crc32(body.encode()), string.digits + string.ascii_uppercase
    digits += string.ascii_lowercase
    suffix = ""
    while check:
        check, rest = divmod(check, 62)
        suffix = digits[rest] + suffix
    token = "gh" + "p_" + body + suffix.rjust(6, "0")
    (root / "config").mkdir(exist_ok=True)
    (root / "config" / "deploy.env").write_text(
        "# deployment settings\n"
        f"GITHUB_TOKEN={token}  # calibration: fail betterleaks.github-pat\n"
        "RELEASE_TOKEN=${RELEASE_TOKEN}  # calibration: pass\n", encoding="utf-8")


def prepare_fixture(name: str, dest: Path) -> Path:
    """A git repository holding a copy of one vulnerable fixture, secrets planted."""
    tree = dest / name
    shutil.copytree(FIXTURES / name, tree)
    plant_secrets(tree)
    _git(tree, "init", "-q")
    _git(tree, "add", "-A")
    _git(tree, "commit", "-q", "-m", "fixture")
    return tree


def fetch_sdist(requirement: str, cache: Path) -> Path:
    """Download and unpack one sdist from PyPI once; returns its folder."""
    name, version = requirement.split("==")
    tree = cache / f"{name}-{version}"
    if tree.is_dir():
        return tree
    cache.mkdir(parents=True, exist_ok=True)
    pattern = f"[{name[0].upper()}{name[0]}]{name[1:]}-{version}.tar.gz"
    if not list(cache.glob(pattern)):
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary",
                        ":all:", requirement, "-d", str(cache)], check=True)  # nosec B603
    with tarfile.open(next(cache.glob(pattern))) as archive:
        archive.extractall(cache, filter="data")
    unpacked = next(p for p in cache.iterdir() if p.is_dir() and p.name.lower() == tree.name)
    if unpacked != tree:
        unpacked.rename(tree)
    return tree


def run_gate(root: Path, target: str, out: Path, extra: Sequence[str] = ()) -> dict[str, Any]:
    """The default policy with every scanner it enables (or as ``extra`` arguments say) and
    offline advisory data; the JSON report."""
    argv = [sys.executable, "-P", "-m", "gate", "scan", target or ".", "--quiet",
            "--no-cache", "--json", str(out),
            "--policy", str(REPO / "policies" / "default.toml"), *extra]
    if (SHARED / "advisory-database").is_dir():
        argv += ["--advisory-db", str(SHARED / "advisory-database")]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for name in ("CI", "GITHUB_ACTIONS"):
        env.pop(name, None)
    proc = subprocess.run(argv, cwd=root, env=env, capture_output=True, text=True,
                          check=False)  # nosec B603 - argv list
    if proc.returncode not in (0, 1):
        raise SystemExit(f"the gate exited {proc.returncode} on {root}:\n{proc.stdout}"
                         f"{proc.stderr}")
    report: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return report


def failing(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Failing findings, each issue once (duplicates found by a second scanner left out)."""
    return [f for f in report["findings"]
            if f["disposition"] == "fail" and f.get("duplicate_of") is None]


def _git(cwd: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
           "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.com"}
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True,
                   capture_output=True)  # nosec B603 B607 - argv list


def main() -> int:
    """Run the projects and the fixtures; print both tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", default=",".join(PROJECTS),
                        help="comma-separated projects, or 'none' (default: all)")
    parser.add_argument("--list", action="store_true", help="list each failing finding")
    parser.add_argument("--cache", type=Path, default=Path(os.environ.get(
        "XDG_CACHE_HOME", Path.home() / ".cache")) / "secops-gate-bench")
    args = parser.parse_args()
    chosen = [] if args.projects == "none" else args.projects.split(",")
    status = 0
    with tempfile.TemporaryDirectory(prefix="gate-calibration-") as scratch:
        work = Path(scratch)
        print("project | files | failing | reported (fail + warn) | failing by rule")
        print("--- | --- | --- | --- | ---")
        for name in chosen:
            requirement, folder = PROJECTS[name]
            tree = fetch_sdist(requirement, args.cache)
            report = run_gate(tree, folder, work / f"{name}.json")
            bad = failing(report)
            shown = [f for f in report["findings"] if f["disposition"] in ("fail", "warn")
                     and f.get("duplicate_of") is None]
            rules: dict[str, int] = {}
            for finding in bad:
                rules[finding["rule_id"]] = rules.get(finding["rule_id"], 0) + 1
            by_rule = ", ".join(f"{r} {n}" for r, n in sorted(rules.items())) or "-"
            print(f"{requirement} {folder or '(sdist)'} | {report['files_scanned']} | "
                  f"{len(bad)} | {len(shown)} | {by_rule}")
            if args.list:
                for finding in bad:
                    print(f"    {finding['rule_id']} {finding['path']}:"
                          f"{finding['start_line']} ({finding['severity']})")
        print("\nfixture | known-bad lines found | missed | safe twins | false alarms")
        print("--- | --- | --- | --- | ---")
        for fixture in sorted(p.name for p in FIXTURES.iterdir() if p.is_dir()):
            tree = prepare_fixture(fixture, work / "fixtures")
            marked = markers(tree)
            verdict = judge(run_gate(tree, "", work / f"{fixture}.json"), marked)
            twins = sum(1 for m in marked if m.kind == "pass")
            bad_lines = len(marked) - twins
            print(f"{fixture} | {len(verdict.found)} of {bad_lines} | {len(verdict.missed)} | "
                  f"{twins} | {len(verdict.false_alarms)}")
            for mark, seen in verdict.missed:
                print(f"    missed {mark.path}:{mark.line} ({mark.kind} "
                      f"{','.join(mark.rules)}): {seen}")
            for mark, seen in verdict.false_alarms:
                print(f"    false alarm {mark.path}:{mark.line}: {seen}")
            status |= 0 if verdict.ok else 1
    return status


if __name__ == "__main__":
    sys.exit(main())
