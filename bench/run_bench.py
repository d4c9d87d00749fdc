#!/usr/bin/env python3
"""Benchmark the gate against the raw scanners on the Django 5.1.4 source tree.

Prints one table: case, gate median, raw sequential median, floor, ratios, peak RSS.
Raw tools run by hand with the gate's own arguments and rule packs on the gate's own file
lists, in the same run. Floor = max(slowest raw tool wall, raw CPU seconds / cores).

    python bench/run_bench.py             # 5 runs per case, django/ and the whole tree
    python bench/run_bench.py --quick     # one run, django/ only: a smoke run
    python bench/run_bench.py --targets hook --runs 7   # only the one-file commit hook case
    python bench/run_bench.py --targets engines  # semgrep's two CLIs on django/, compared
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import platform
import shutil
import statistics
import subprocess  # nosec B404 - a benchmark driver: argv lists, no shell
import sys
import tarfile
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from gate.policy.load import load  # noqa: E402
from gate.process import scanner_env, tool_path  # noqa: E402
from gate.scan.run import plan  # noqa: E402
from gate.scanners import REGISTRY  # noqa: E402
from gate.scanners.semgrep import rulepacks  # noqa: E402
from gate.scanners.semgrep.adapter import SemgrepScanner  # noqa: E402
from gate.scanners.semgrep.engine import Engine, comparable  # noqa: E402
from gate.tree.discovery import discover, find_root  # noqa: E402

DJANGO = "django==5.1.4"
ONE_FILE = "django/db/models/query.py"


@dataclass
class Sample:
    """One measured process tree."""

    wall: float
    cpu: float
    tree_rss: int  # peak of the summed RSS of the process and its descendants (KiB)
    own_rss: int  # peak RSS (VmHWM) of the top process alone (KiB)
    code: int


@dataclass
class Row:
    """One line of the table."""

    case: str
    gate: list[Sample] = field(default_factory=list)
    raw: dict[str, list[Sample]] = field(default_factory=dict)
    note: str = ""
    refs: dict[str, list[Sample]] = field(default_factory=dict)  # compared, not in the floor


def _children() -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8") as handle:
                stat = handle.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        out.setdefault(ppid, []).append(int(entry))
    return out


def _status_kib(pid: int, key: str) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def measure(argv: Sequence[str], cwd: Path, env: dict[str, str] | None = None) -> Sample:
    """Run ``argv``; wall time, CPU of the whole tree, peak tree RSS and own peak RSS."""
    peaks = {"tree": 0, "own": 0}
    started = time.monotonic()
    proc = subprocess.Popen(list(argv), cwd=cwd, env=env,  # nosec B603 - argv list
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    done = threading.Event()

    def poll() -> None:
        while not done.is_set():
            kids = _children()
            stack, total = [proc.pid], 0
            while stack:
                pid = stack.pop()
                total += _status_kib(pid, "VmRSS")
                stack.extend(kids.get(pid, []))
            peaks["tree"] = max(peaks["tree"], total)
            peaks["own"] = max(peaks["own"], _status_kib(proc.pid, "VmHWM"))
            done.wait(0.05)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - started
    done.set()
    poller.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Sample(wall, usage.ru_utime + usage.ru_stime, peaks["tree"], peaks["own"],
                  proc.returncode)


def prepare(cache: Path) -> Path:
    """Download and unpack the Django sdist once; returns the tree."""
    tree = cache / "django-5.1.4"
    if tree.is_dir():
        return tree
    cache.mkdir(parents=True, exist_ok=True)
    archives = list(cache.glob("[Dd]jango-5.1.4.tar.gz"))
    if not archives:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary",
                        ":all:", DJANGO, "-d", str(cache)], check=True)  # nosec B603
        archives = list(cache.glob("[Dd]jango-5.1.4.tar.gz"))
    with tarfile.open(archives[0]) as archive:
        archive.extractall(cache, filter="data")
    unpacked = next(p for p in cache.iterdir() if p.is_dir() and p.name.lower() == tree.name)
    if unpacked != tree:
        unpacked.rename(tree)
    return tree


def gate_work(target: Path, scanners: Sequence[str]) -> dict[str, list[str]]:
    """The files the gate gives each scanner for ``target`` (its own discovery and plan)."""
    root = find_root([target])
    policy = load(root, None)
    return plan(policy, discover(root, [target], policy.exclude), list(scanners))


def raw_commands(root: Path, work: dict[str, list[str]]) -> dict[str, list[str]]:
    """The raw tools' command lines: the gate's arguments and packs, the gate's files.

    Each adapter offers ``raw_argv(root, files)``: the command a user would type to run the
    tool by hand with the same rules and flags on the same files.
    """
    out: dict[str, list[str]] = {}
    for name, files in work.items():
        argv = [str(a) for a in REGISTRY[name].raw_argv(root, files)]
        if argv:
            out[name] = argv
    return out


def gate_sample(argv: Sequence[str], cwd: Path, env: dict[str, str]) -> Sample:
    """Measure one gate run; a run that did not scan (exit 2 or 3) stops the benchmark."""
    sample = measure(argv, cwd, env)
    if sample.code not in (0, 1):
        raise SystemExit(f"the gate exited {sample.code} (not a scan result): {' '.join(argv)}")
    return sample


def gate_argv(target: Path, scanners: Sequence[str], cache_dir: Path | None) -> list[str]:
    argv = [sys.executable, "-P", "-m", "gate", "scan", str(target), "--quiet",
            "--scanners", ",".join(scanners)]
    return argv + (["--cache-dir", str(cache_dir)] if cache_dir else ["--no-cache"])


def _env() -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for name in ("CI", "GITHUB_ACTIONS"):
        env.pop(name, None)
    return env


def _med(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def run_cases(tree: Path, targets: Sequence[str], runs: int, work_dir: Path) -> list[Row]:
    scanners = [n for n in ("bandit", "semgrep", "secrets") if n in REGISTRY]
    env, raw_env = _env(), scanner_env()
    rows: list[Row] = []
    for label in targets:
        if label == "hook":
            continue
        target = tree / "django" if label == "django/" else tree
        root = find_root([target])
        work = gate_work(target, scanners)
        raw = raw_commands(root, work)
        cold, warm = Row(f"cold {label}"), Row(f"warm {label}")
        missing = sorted(set(work) - set(raw))
        if missing:
            cold.note = f"no raw command for {', '.join(missing)}"
        cache_dir = work_dir / "gate-cache"
        for number in range(runs):
            # a fresh cache folder and XDG_CACHE_HOME for every cold run, raw tools included
            shutil.rmtree(cache_dir, ignore_errors=True)
            xdg = {"XDG_CACHE_HOME": str(work_dir / f"xdg-{label.strip('/')}-{number}")}
            cold.gate.append(gate_sample(gate_argv(target, scanners, cache_dir), root,
                                         {**env, **xdg}))
            warm.gate.append(gate_sample(gate_argv(target, scanners, cache_dir), root,
                                         {**env, **xdg}))
            for name, argv in raw.items():
                raw_xdg = {"XDG_CACHE_HOME": xdg["XDG_CACHE_HOME"] + f"-{name}"}
                cold.raw.setdefault(name, []).append(measure(argv, root, {**raw_env, **raw_xdg}))
        warm.raw = {"(cold gate)": cold.gate}
        files = sum(len(v) for v in work.values())
        cold.note = (cold.note + "; " if cold.note else "") + f"{files} scanner-file pairs"
        cold.note += "; " + completeness(target, scanners, root, raw, work_dir, env, raw_env)
        rows += [cold, warm]
    rows.append(one_file(tree, scanners, runs, work_dir, env, raw_env))
    return rows


def raw_count(name: str, stdout: bytes) -> int:
    """How many findings a raw tool's JSON output holds (kingfisher: its first document)."""
    text = stdout.decode("utf-8", "replace")
    data, _ = json.JSONDecoder().raw_decode(text, len(text) - len(text.lstrip()))
    return len(data["findings"] if name == "secrets" else data["results"])


def completeness(target: Path, scanners: Sequence[str], root: Path,
                 raw: dict[str, list[str]], work_dir: Path, env: dict[str, str],
                 raw_env: dict[str, str]) -> str:
    """One more cold gate run with a JSON report and one more run of each raw tool, untimed:
    is every scanner ``ok`` with nothing skipped, and has the gate at least the raw tools'
    findings (per scanner, every disposition)?"""
    report = work_dir / "complete.json"
    cache_dir = work_dir / "complete-cache"
    shutil.rmtree(cache_dir, ignore_errors=True)
    xdg = {"XDG_CACHE_HOME": str(work_dir / "xdg-complete")}
    gate_sample([*gate_argv(target, scanners, cache_dir), "--json", str(report)], root,
                {**env, **xdg})
    data = json.loads(report.read_text(encoding="utf-8"))
    runs = {r["scanner"]: r for r in data["runs"]}
    ok = all(r["ok"] and not r["skipped"] for r in runs.values())
    counts = []
    for name, argv in raw.items():
        done = subprocess.run(argv, cwd=root, env={**raw_env, **xdg},  # nosec B603 - argv
                              capture_output=True, check=False)
        gate = sum(1 for f in data["findings"] if f["scanner"] == name)
        counts.append(f"{name} {gate}/{raw_count(name, done.stdout)}")
    state = "every scanner ok, nothing skipped" if ok else "NOT every scanner ok or unskipped"
    return f"{state}; findings gate/raw: {', '.join(counts)}"


def hook_argv(path: Path, cache_dir: Path, json_out: Path | None = None) -> list[str]:
    """``gate scan --hook -- FILE``: what pre-commit runs for one staged file."""
    argv = [sys.executable, "-P", "-m", "gate", "scan", "--hook", "--cache-dir", str(cache_dir)]
    return [*argv, *(["--json", str(json_out)] if json_out else []), "--", str(path)]


def semgrep_references(root: Path, files: Sequence[str]) -> dict[str, list[str]]:
    """Raw ``semgrep scan`` and ``semgrep scan --experimental`` with the shipped packs."""
    return {label: SemgrepScanner(engine).raw_argv(root, files)
            for label, engine in (("raw semgrep scan", Engine.PYTHON),
                                  ("raw semgrep scan --experimental", Engine.OCAML))}


def semgrep_findings(argv: Sequence[str], cwd: Path, env: dict[str, str]) -> list[tuple[str, int]]:
    """(rule id, line) of every result of a raw semgrep run, rule ids as in the YAML."""
    done = subprocess.run(list(argv), cwd=cwd, env=env, capture_output=True,  # nosec B603
                          check=False)
    return sorted((str(r["check_id"]).rsplit(".", 1)[-1], int(r["start"]["line"]))
                  for r in json.loads(done.stdout)["results"])


def engines(tree: Path) -> str:
    """Semgrep's Python and OCaml CLIs with the gate's command line on the files the gate
    gives semgrep in ``django/``: wall time and whether their normalised outputs are equal."""
    target = tree / "django"
    root = find_root([target])
    files = gate_work(target, ["semgrep"]).get("semgrep", [])
    known = rulepacks.all_rule_ids()
    lines = []
    for number, run in enumerate(SemgrepScanner().plans(files, root), start=1):
        outputs = []
        for engine in Engine:
            argv = [tool_path("semgrep"), *SemgrepScanner(engine).command_line(run, 600.0)]
            started = time.monotonic()
            done = subprocess.run(argv, cwd=root, env=scanner_env(),  # nosec B603 - argv
                                  capture_output=True, check=False)
            wall = time.monotonic() - started
            outputs.append(comparable(json.loads(done.stdout),
                                      lambda i: rulepacks.strip_rule_prefix(i, known)))
            counts = ", ".join(f"{len(v)} {k}" for k, v in outputs[-1].items())
            lines.append(f"run {number}, {engine}: {wall:.1f}s; {counts}")
        lines.append(f"run {number}: outputs {'EQUAL' if outputs[0] == outputs[1] else 'DIFFER'}")
    return "\n".join(lines)


def one_file(tree: Path, scanners: Sequence[str], runs: int, work_dir: Path,
             env: dict[str, str], raw_env: dict[str, str]) -> Row:
    """The pre-commit path: one edited file, ``gate scan --hook`` with a warm cache folder,
    against each raw tool on it and against raw semgrep with either command line."""
    path = tree / ONE_FILE
    original = path.read_bytes()
    row = Row(f"one file ({ONE_FILE}), gate scan --hook")
    cache_dir = work_dir / "gate-cache"
    root = find_root([path])
    work = gate_work(path, scanners)
    raw = raw_commands(root, work)
    refs = semgrep_references(root, work.get("semgrep", []))
    report = work_dir / "hook.json"
    try:
        gate_sample(hook_argv(path, cache_dir), tree, env)  # warm the cache folder up
        for n in range(runs):
            path.write_bytes(original + f"\n# bench edit {n} {time.time()}\n".encode())
            row.gate.append(gate_sample(hook_argv(path, cache_dir, report), tree, env))
            for name, argv in raw.items():
                row.raw.setdefault(name, []).append(measure(argv, root, raw_env))
            for name, argv in refs.items():
                row.refs.setdefault(name, []).append(measure(argv, root, raw_env))
        data = json.loads(report.read_text(encoding="utf-8"))
        gate_found = sorted((f["rule_id"], f["location"]["start_line"])
                            for f in data["findings"] if f["scanner"] == "semgrep")
        same = all(semgrep_findings(argv, root, raw_env) == gate_found for argv in refs.values())
        semgrep_args = next(r["arguments"] for r in data["runs"] if r["scanner"] == "semgrep")
        engine = Engine.OCAML if "--experimental" in semgrep_args else Engine.PYTHON
        row.note = (f"engine: {engine}; semgrep findings {len(gate_found)}, "
                    f"{'the same' if same else 'NOT the same'} as both raw semgrep runs")
    finally:
        path.write_bytes(original)
    return row


def table(rows: Sequence[Row], cores: int) -> str:
    head = ("case", "gate s", "raw seq s", "floor s", "gate/floor", "gate/seq",
            "tree RSS MB", "raw RSS sum MB", "gate own MB", "note")
    lines = [" | ".join(head), " | ".join("---" for _ in head)]
    for row in rows:
        gate = _med([s.wall for s in row.gate])
        tree_rss = _med([s.tree_rss for s in row.gate]) / 1024
        own = _med([s.own_rss for s in row.gate]) / 1024
        if row.case.startswith("warm"):
            cold = _med([s.wall for s in row.raw["(cold gate)"]])
            cells = [row.case, f"{gate:.2f}", "-", "-", "-", "-", f"{tree_rss:.0f}", "-",
                     f"{own:.0f}", f"{gate / cold:.1%} of cold gate ({cold:.2f}s)"]
        else:
            n = len(row.gate)
            seq = _med([sum(v[i].wall for v in row.raw.values()) for i in range(n)])
            slowest = max((_med([s.wall for s in v]) for v in row.raw.values()), default=0.0)
            cpu = _med([sum(v[i].cpu for v in row.raw.values()) for i in range(n)])
            floor = max(slowest, cpu / cores)
            raw_rss = sum(_med([s.tree_rss for s in v]) for v in row.raw.values()) / 1024
            per_tool = ", ".join(f"{k} {_med([s.wall for s in v]):.2f}s/"
                                 f"{_med([s.cpu for s in v]):.1f}cpu/"
                                 f"{_med([s.tree_rss for s in v]) / 1024:.0f}MB"
                                 for k, v in row.raw.items())
            note = f"{per_tool}; {row.note}" if row.note else per_tool
            if row.case.startswith("cold") and "bandit" in row.raw:
                bandit = _med([s.wall for s in row.raw["bandit"]])
                note = f"gate/raw bandit {gate / bandit:.2f}; " + note
            if row.case.startswith("one file"):
                versus = "".join(f"gate/{k} {gate / _med([x.wall for x in v]):.2f} "
                                 f"({_med([x.wall for x in v]):.2f}s); "
                                 for k, v in row.refs.items())
                note = f"{versus}gate/slowest raw {gate / slowest:.2f}; " + note
            cells = [row.case, f"{gate:.2f}", f"{seq:.2f}", f"{floor:.2f}",
                     f"{gate / floor:.2f}", f"{gate / seq:.2f}", f"{tree_rss:.0f}",
                     f"{raw_rss:.0f}", f"{own:.0f}", note]
        lines.append(" | ".join(cells))
    return "\n".join(lines)


def machine() -> str:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        kib = int(Path("/proc/meminfo").read_text(encoding="utf-8").split()[1])
        mem = f"{kib / 1024 / 1024:.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return (f"{os.cpu_count()} CPUs ({model}), {mem} RAM, {platform.system()} "
            f"{platform.release()}, Python {platform.python_version()}")


def compile_gate() -> None:
    """Byte-compile the gate's modules, as ``pip install`` does for every installed package
    (the hook environment pre-commit builds included): in an editable checkout with
    ``PYTHONDONTWRITEBYTECODE`` set, each run would otherwise compile ~90 modules from
    source (60-80 ms) that no installed gate compiles."""
    import gate

    compileall.compile_dir(str(Path(gate.__file__).parent), quiet=1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per case (median; >= 5)")
    parser.add_argument("--quick", action="store_true", help="1 run, django/ only (smoke)")
    parser.add_argument("--targets", default="django/,tree",
                        help="comma list of: django/ (the package), tree (whole sdist), "
                             "hook (the one-file case alone; it always runs); or engines "
                             "alone (semgrep's two CLIs on django/, compared)")
    default_cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    parser.add_argument("--cache", type=Path, default=default_cache / "secops-gate-bench",
                        help="where Django is downloaded and unpacked")
    args = parser.parse_args()
    runs = 1 if args.quick else max(1, args.runs)
    targets = ["django/"] if args.quick else [t.strip() for t in args.targets.split(",")]
    tree = prepare(args.cache)
    compile_gate()
    cores = os.cpu_count() or 1
    if targets == ["engines"]:
        print(engines(tree))
        return 0
    with tempfile.TemporaryDirectory(prefix="gate-bench-") as work:
        rows = run_cases(tree, targets, runs, Path(work))
    print(f"machine: {machine()}")
    print(f"scanners: {', '.join(n for n in ('bandit', 'semgrep', 'secrets') if n in REGISTRY)};"
          f" runs per case: {runs}; medians\n")
    print(table(rows, cores))
    return 0


if __name__ == "__main__":
    sys.exit(main())
