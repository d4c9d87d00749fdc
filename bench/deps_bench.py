"""Benchmark the dependency audit on ~40 old pins against the PyPA advisory database.

Usage (from the repository root):
    PYTHONPATH=. python bench/deps_bench.py [--db ../shared/advisory-database] [--runs 3]

Checks the gate's findings against bench/osv_reference.py (the set difference of
(package, version, advisory id) must be empty both ways) and the gate's matcher against
pip-audit's own answers over the loopback OSV server (the same vulnerabilities, as id sets,
per pin), and times: the database load, the gate's whole audit (manifest reading, existence
check skipped offline, the gate's matcher on local data), and raw pip-audit on the same pins
against the same loopback OSV server (the round trip the gate no longer makes).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import osv_reference

from gate.deps.matcher import match
from gate.deps.osv import AdvisoryDatabase
from gate.deps.server import LoopbackOsv
from gate.process import run, tool_path
from gate.scanners.interface import ScanContext
from gate.scanners.pip_audit import PipAuditScanner

PINS = """\
flask==0.12.2
requests==2.19.0
jinja2==2.10
pyyaml==5.3
django==2.2.0
urllib3==1.24.1
werkzeug==0.15.2
pillow==6.2.0
cryptography==2.8
lxml==4.6.2
sqlalchemy==1.2.0
paramiko==2.4.1
pyjwt==1.7.0
aiohttp==3.7.3
tornado==5.1
twisted==19.10.0
numpy==1.16.0
tensorflow==2.4.0
ansible==2.9.0
babel==2.8.0
bleach==3.1.0
certifi==2019.11.28
gunicorn==19.9.0
httplib2==0.17.0
idna==2.8
markdown2==2.3.0
mistune==0.8.3
notebook==6.0.0
oauthlib==3.1.0
py==1.8.0
pygments==2.5.1
pycrypto==2.6.1
rsa==4.0
setuptools==40.0.0
sqlparse==0.3.0
waitress==1.4.0
wheel==0.37.0
celery==4.4.0
jupyter-server==1.0.0
mako==1.1.0
"""


def main() -> int:
    parser = argparse.ArgumentParser()
    default_db = Path(__file__).resolve().parents[1].parent / "shared" / "advisory-database"
    parser.add_argument("--db", type=Path, default=default_db)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    pins = [tuple(line.split("==")) for line in PINS.splitlines()]

    t0 = time.perf_counter()
    records = osv_reference.load_all(args.db)
    reference = osv_reference.audit(records, pins)  # type: ignore[arg-type]
    ref_time = time.perf_counter() - t0

    t0 = time.perf_counter()
    AdvisoryDatabase(args.db)
    index_time = time.perf_counter() - t0
    t0 = time.perf_counter()
    full_db = AdvisoryDatabase(args.db)
    for name in {d.name for d in full_db._folders.values() for d in d}:
        full_db.advisories_for(name)
    eager_time = time.perf_counter() - t0

    scanner = PipAuditScanner()
    gate_times, raw_times = [], []
    gate_found: set[tuple[str, str, str]] = set()
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "repo"
        repo.mkdir()
        (repo / "requirements.txt").write_text(PINS, encoding="utf-8")
        options = {"advisory_db": str(args.db), "index_url": "http://127.0.0.1:9/simple/"}
        for _ in range(args.runs):
            t0 = time.perf_counter()
            result = scanner.scan(ScanContext(repo, ("requirements.txt",), 300.0, options))
            gate_times.append(time.perf_counter() - t0)
            if not result.run.ok:
                print("gate audit failed:", result.run.error)
                return 2
        line_of = {i + 1: tuple(p) for i, p in enumerate(pins)}
        for f in result.findings:
            if f.rule_id.startswith("gate/"):
                continue
            name, version = line_of[f.location.start_line]
            ids = {f.rule_id, *f.aliases}
            ref_ids = {r[2] for r in reference if r[0] == name}
            matched = ids & ref_ids
            gate_found.add((name, version, matched.pop() if matched else f.rule_id))

        db = AdvisoryDatabase(args.db)
        with LoopbackOsv(db) as server:
            argv = [
                tool_path("pip-audit"),
                "-r",
                str(repo / "requirements.txt"),
                "--no-deps",
                "--disable-pip",
                "--format",
                "json",
                "--progress-spinner",
                "off",
                "-s",
                "osv",
                "--osv-url",
                server.url,
                "--cache-dir",
                str(Path(tmp) / "cache"),
            ]
            for _ in range(args.runs):
                t0 = time.perf_counter()
                raw = run(argv, timeout=300)
                raw_times.append(time.perf_counter() - t0)
                assert raw.returncode == 1, raw.stderr[-300:]
        pip_audit = {(d["name"], d["version"], frozenset([v["id"], *v["aliases"]]))
                     for d in json.loads(raw.stdout)["dependencies"] for v in d.get("vulns", [])}
        t0 = time.perf_counter()
        ours = {(name, version, frozenset(v.ids))
                for name, version in pins for v in match(db, name, version)}
        match_time = time.perf_counter() - t0

    only_gate = gate_found - reference
    only_ref = reference - gate_found
    print(f"pins: {len(pins)}; advisories (reference): {len(reference)}; gate: {len(gate_found)}")
    print(f"only in gate: {sorted(only_gate)}")
    print(f"only in reference: {sorted(only_ref)}")
    differ = ours ^ pip_audit
    print(f"gate matcher vs pip-audit's answers: {len(ours)} / {len(pip_audit)} "
          f"vulnerabilities (aliases merged); differing: {sorted(map(str, differ))}")
    print(f"gate matcher alone, 40 pins, records already read: {match_time * 1000:.1f}ms")
    print(f"reference matcher (load all {len(records)} records + match): {ref_time:.2f}s")
    print(f"gate database open (lazy index of package folders): {index_time * 1000:.1f}ms")
    print(f"gate database, every package folder parsed: {eager_time:.2f}s")
    print(f"gate audit (median of {args.runs}): {statistics.median(gate_times):.2f}s {gate_times}")
    print(
        f"raw pip-audit, same pins, same loopback OSV server (median of {args.runs}): "
        f"{statistics.median(raw_times):.2f}s {raw_times}"
    )
    return 0 if not only_gate and not only_ref and not differ else 1


if __name__ == "__main__":
    raise SystemExit(main())
