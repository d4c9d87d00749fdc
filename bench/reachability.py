#!/usr/bin/env python3
"""Reachability of dependency findings on the project's own fixture applications.

Runs the gate (pip-audit only, the default policy, offline on the PyPA advisory database
beside the repository) on every fixture application that declares dependencies:
``tests/fixtures/deps/app``, each vulnerable calibration fixture with a manifest under
``tests/fixtures/calibration/``, and the application ``tests/scanners/
test_pip_audit_reachability.py`` builds. Prints, per application and in total, how many
dependency findings (findings naming a package) carry each reachability value, then checks:

- every dependency finding has a reachability value;
- each finding's value is the one ``EXPECTED`` gives its package (a false ``not-imported``
  is named as such); a package with findings but no expectation is an error too.

Exit 0 when both hold, 1 when not (or when the gate itself fails), 2 when the advisory
data is missing (``GATE_SHARED_DIR``, default: the folder ``shared`` beside the clone).

    python bench/reachability.py            # the tables and the checks
    python bench/reachability.py --list     # and each vulnerable pin, its value and where
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.calibration import SHARED, run_gate  # noqa: E402
from tests.helpers import make_repo  # noqa: E402
from tests.scanners import test_pip_audit_reachability as reach_test  # noqa: E402

FIXTURES = REPO / "tests" / "fixtures"
MANIFESTS = ("requirements.txt", "pyproject.toml", "uv.lock", "poetry.lock", "Pipfile.lock",
             "pylock.toml", "setup.py", "setup.cfg")
VALUES = ("imported", "imported (via …)", "not-imported", "unknown", "none")

# application -> package -> the reachability every finding of that package must carry.
# What the application's own code does, read by hand: deps/app has no lock file, so what its
# code does not import is unknown; shop's uv.lock gives the graph.
EXPECTED: dict[str, dict[str, str]] = {
    "deps/app": {"flask": "unknown", "jinja2": "unknown", "requests": "unknown",
                 "pyyaml": "unknown"},
    "calibration/shop": {
        "django": "imported",  # blog/views.py
        "flask": "imported",  # shop/views.py, shop/run.py
        "requests": "imported",  # shop/views.py
        "pyyaml": "imported",  # as yaml, shop/views.py
        "gunicorn": "imported",  # the Dockerfile's CMD only
        "werkzeug": "imported (via flask)",
        "jinja2": "imported (via flask)",
        "sqlparse": "imported (via django)",
        "urllib3": "imported (via requests)",
        "idna": "imported (via requests)",
        "certifi": "imported (via requests)",
        "pillow": "not-imported",  # pinned, never imported: thumbnails run `convert`
    },
    "reachability-test": {name: answer[0] for name, answer in reach_test.EXPECTED.items()},
}


def _copy(source: Path) -> Callable[[Path], Path]:
    return lambda dest: make_repo(dest, source=source)


def _reachability_test(dest: Path) -> Path:
    """The target application of the reachability tests, as that test writes it (its policy
    file left out: the default policy and offline data here)."""
    files = {
        "requirements.txt": "".join(f"{n}=={v}\n" for n, v in reach_test.PINS.items()),
        "pyproject.toml": '[project]\nname = "app"\nversion = "0.1.0"\n',
        "uv.lock": reach_test.UV_LOCK,
        "app/__init__.py": "",
        "app/main.py": reach_test.MAIN,
        "tests/test_main.py": "import requests\n",
        "Dockerfile": 'FROM python:3.12-slim\nCOPY . /srv\nCMD ["gunicorn", "app.main:app"]\n',
    }
    return make_repo(dest, files)


def applications() -> dict[str, Callable[[Path], Path]]:
    """Each fixture application that declares dependencies -> how to build it as a git tree."""
    apps: dict[str, Callable[[Path], Path]] = {"deps/app": _copy(FIXTURES / "deps" / "app")}
    for folder in sorted(p for p in (FIXTURES / "calibration").iterdir() if p.is_dir()):
        if any((folder / name).is_file() for name in MANIFESTS):
            apps[f"calibration/{folder.name}"] = _copy(folder)
    apps["reachability-test"] = _reachability_test
    return apps


def column(value: str | None) -> str:
    """The table column of a reachability value (every ``imported (via X)`` in one)."""
    if not value:
        return "none"
    return "imported (via …)" if value.startswith("imported (via ") else value


def check(app: str, findings: list[dict[str, Any]]) -> list[str]:
    """What is wrong with one application's dependency findings (empty when nothing)."""
    problems: list[str] = []
    expected = EXPECTED.get(app, {})
    for f in findings:
        where = f"{app}: {f['package']} {f['version']} {f['rule_id']} ({f['path']}:" \
                f"{f['start_line']})"
        got = f.get("reachability")
        want = expected.get(f["package"])
        if not got:
            problems.append(f"{where}: no reachability value")
        elif want is None:
            problems.append(f"{where}: {got}, and EXPECTED names no value for it")
        elif got != want:
            false = " (a false not-imported)" if got == "not-imported" else ""
            problems.append(f"{where}: {got}, expected {want}{false}")
    return problems


def tally(values: list[str | None]) -> dict[str, int]:
    """How many of ``values`` fall in each column."""
    counts = dict.fromkeys(VALUES, 0)
    for value in values:
        counts[column(value)] += 1
    return counts


def table(title: str, rows: dict[str, dict[str, int]]) -> str:
    """A markdown table: one row per application, the total and each value's share."""
    total = {v: sum(row[v] for row in rows.values()) for v in VALUES}
    rows = {**rows, "total": total}
    count = sum(total.values())
    lines = [f"application | {title} | " + " | ".join(VALUES), "--- | " * (len(VALUES) + 1)
             + "---"]
    lines += [f"{name} | {sum(row.values())} | " + " | ".join(str(row[v]) for v in VALUES)
              for name, row in rows.items()]
    lines.append("share | | " + " | ".join(f"{100 * total[v] / max(count, 1):.0f} %"
                                           for v in VALUES))
    return "\n".join(lines)


def listing(findings: list[dict[str, Any]]) -> list[str]:
    """One line per vulnerable pin: its value, where it is used, its advisories' outcomes."""
    pins: dict[tuple[str, str, str, int], list[dict[str, Any]]] = {}
    for f in findings:
        pins.setdefault((f["package"], f["version"], f["path"], f["start_line"]), []).append(f)
    out = []
    for (package, version, path, line), group in sorted(pins.items()):
        first = group[0]
        outcomes = ", ".join(f"{sum(1 for f in group if f['disposition'] == d)} {d}"
                             for d in sorted({f["disposition"] for f in group}))
        at = f" at {first['reachable_at']}" if first.get("reachable_at") else ""
        out.append(f"    {package} {version} ({path}:{line}): {first.get('reachability')}"
                   f"{at}; {len(group)} advisor{'y' if len(group) == 1 else 'ies'}: {outcomes}")
    return out


def main() -> int:
    """Scan each application; print the tables; check every value."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--list", action="store_true", help="list every vulnerable pin")
    args = parser.parse_args()
    if not (SHARED / "advisory-database").is_dir():
        print(f"no advisory database in {SHARED} (set GATE_SHARED_DIR)")
        return 2
    by_finding: dict[str, dict[str, int]] = {}
    by_package: dict[str, dict[str, int]] = {}
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="gate-reachability-") as scratch:
        work = Path(scratch)
        for number, (app, build) in enumerate(applications().items()):
            report = run_gate(build(work / f"tree-{number}"), "",
                              work / f"report-{number}.json", ("--scanners", "pip-audit"))
            findings = [f for f in report["findings"] if f.get("package")]
            by_finding[app] = tally([f.get("reachability") for f in findings])
            by_package[app] = tally(list({f["package"]: f.get("reachability")
                                          for f in findings}.values()))
            if args.list:
                print(app)
                print("\n".join(listing(findings)))
            problems += check(app, findings)
    print(table("dependency findings", by_finding))
    print()
    print(table("vulnerable packages", by_package))
    for problem in problems:
        print("  " + problem)
    print("every dependency finding has its expected reachability" if not problems
          else f"{len(problems)} finding(s) off")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
