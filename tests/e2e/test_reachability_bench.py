"""The reachability benchmark's own table: it names only packages its applications declare,
and its check catches a false ``not-imported`` (no scan runs here: bench/reachability.py
runs the gate)."""

from __future__ import annotations

import re
from pathlib import Path

from bench.reachability import EXPECTED, MANIFESTS, applications, check
from gate.deps.osv import normalize

REQUIREMENT = re.compile(r"""(?m)^\s*["']?([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:==|>=|<=|~=|<|>)""")
LOCK_ENTRY = re.compile(r'(?m)^name = "([^"]+)"')


def declared(tree: Path) -> set[str]:
    """Every distribution a manifest or lock file of ``tree`` names with a version."""
    names: set[str] = set()
    for path in tree.rglob("*"):
        if path.is_file() and (path.name in MANIFESTS or path.parent.name == "requirements"):
            text = path.read_text(encoding="utf-8")
            names.update(normalize(n) for n in REQUIREMENT.findall(text))
            names.update(normalize(n) for n in LOCK_ENTRY.findall(text))
    return names


def test_the_expected_table_names_only_declared_packages(tmp_path: Path) -> None:
    apps = applications()
    assert set(EXPECTED) == set(apps)
    assert "calibration/shop" in apps  # the calibration fixture declares its dependencies
    for number, (app, build) in enumerate(apps.items()):
        names = declared(build(tmp_path / str(number)))
        assert set(EXPECTED[app]) <= names, (app, set(EXPECTED[app]) - names)


def test_a_false_not_imported_is_caught() -> None:
    finding = {"package": "flask", "version": "0.12.2", "rule_id": "PYSEC-2019-179",
               "path": "requirements.txt", "start_line": 3}
    assert check("calibration/shop", [{**finding, "reachability": "imported"}]) == []
    [wrong] = check("calibration/shop", [{**finding, "reachability": "not-imported"}])
    assert wrong == ("calibration/shop: flask 0.12.2 PYSEC-2019-179 (requirements.txt:3): "
                     "not-imported, expected imported (a false not-imported)")
    [missing] = check("calibration/shop", [finding])
    assert missing.endswith("(requirements.txt:3): no reachability value")
    [unlisted] = check("calibration/shop", [{**finding, "package": "left-pad",
                                             "reachability": "unknown"}])
    assert "EXPECTED names no value" in unlisted
