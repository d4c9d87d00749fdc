"""The shipped semgrep rule packs, checked against annotated fixtures with the real semgrep.

Fixtures live in ``tests/fixtures/rules/<pack>/`` and use semgrep's annotation convention:
``# ruleid: <id>`` on the line above a line the rule must flag, ``# ok: <id>`` above a line
it must leave alone (several ids may be comma-separated). Semgrep runs ONCE with every pack
over every fixture, so each rule is also checked to stay quiet on the other packs' files.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from gate.process import run, tool_path
from gate.scanners.semgrep.targets import (
    PACKS_BY_KIND,
    WEB_PACKS,
    plan_semgrep_runs,
    semgrep_kind,
)

REPO = Path(__file__).resolve().parents[2]
PACKS_DIR = REPO / "policies" / "rules"
FIXTURES = REPO / "tests" / "fixtures" / "rules"
PACK_FILES = sorted(PACKS_DIR.glob("*.yml"))

GATE_SEVERITIES = {"critical", "high", "medium", "low", "info"}
SEMGREP_SEVERITY_FOR = {
    "critical": "ERROR",
    "high": "ERROR",
    "medium": "WARNING",
    "low": "INFO",
    "info": "INFO",
}
CONFIDENCES = {"high", "medium", "low"}
REQUIRED_METADATA = {
    "severity",
    "confidence",
    "cwe",
    "remediation",
    "short-description",
    "category",
}
KEBAB = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
CWE = re.compile(r"^CWE-\d+: \S.*$")
# ``# ruleid: id`` in Python and YAML; ``{# ruleid: id #}`` in templates.
ANNOTATION = re.compile(r"(?:\{#|#)\s*(ruleid|ok):\s*([\w\-, ]+?)\s*(?:#\})?$")

Key = tuple[str, int]  # (fixture path relative to FIXTURES, 1-based line)


# --- the semgrep invocation (the integrator routes this through the gate's adapter) ---------


def run_semgrep(
    configs: list[Path], targets: list[str], cwd: Path, extra_args: tuple[str, ...] = ()
) -> dict[str, Any]:
    """Run semgrep on an explicit file list with the gate's fixed flags; return its JSON."""
    argv = [
        tool_path("semgrep"),
        "scan",
        "--metrics=off",
        "--disable-version-check",
        "--json",
        "--disable-nosem",
        *extra_args,
        *(arg for config in configs for arg in ("--config", str(config))),
        "--",
        *targets,
    ]
    result = run(argv, cwd=cwd, timeout=300)
    problem = result.failure(ok_codes=(0, 1))
    assert problem is None, problem
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def rule_id_from_check_id(check_id: str) -> str:
    """Strip the config-path prefix semgrep puts in front of a rule id (ids have no dots)."""
    return check_id.rsplit(".", 1)[-1]


# --- loading packs and fixtures -------------------------------------------------------------


@cache
def load_pack(path: Path) -> list[dict[str, Any]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    rules: list[dict[str, Any]] = data["rules"]
    return rules


def all_rules() -> list[tuple[str, dict[str, Any]]]:
    return [(path.stem, rule) for path in PACK_FILES for rule in load_pack(path)]


def fixture_files() -> list[Path]:
    return sorted(p for p in FIXTURES.rglob("*") if p.is_file())


@dataclass(frozen=True)
class Annotations:
    expected: dict[str, set[Key]]  # rule id -> lines it must flag
    ok: dict[str, set[Key]]  # rule id -> lines it must not flag


@cache
def annotations() -> Annotations:
    expected: dict[str, set[Key]] = defaultdict(set)
    ok: dict[str, set[Key]] = defaultdict(set)
    for path in fixture_files():
        rel = path.relative_to(FIXTURES).as_posix()
        lines = path.read_text(encoding="utf-8").splitlines()
        pending: list[tuple[str, list[str]]] = []
        for number, line in enumerate(lines, start=1):
            match = ANNOTATION.search(line)
            if match and line.lstrip().startswith(("#", "{#")):
                ids = [i.strip() for i in match.group(2).split(",") if i.strip()]
                pending.append((match.group(1), ids))
                continue
            for kind, ids in pending:
                target = expected if kind == "ruleid" else ok
                for rule_id in ids:
                    target[rule_id].add((rel, number))
            pending = []
        assert not pending, f"{rel}: annotation at end of file has no line to apply to"
    return Annotations(dict(expected), dict(ok))


def fixture_targets() -> list[tuple[str, Any]]:
    """Every fixture with its semgrep kind; YAML the gate would not pick still goes to the
    run for its folder's pack, to prove the rules stay quiet on it."""
    targets = []
    for path in fixture_files():
        rel = path.relative_to(FIXTURES).as_posix()
        kind = semgrep_kind(rel, path.read_text(encoding="utf-8"))
        targets.append((rel, kind or path.relative_to(FIXTURES).parts[0]))
    return targets


@pytest.fixture(scope="module")
def findings() -> dict[str, set[Key]]:
    """Run semgrep the way the adapter will (plan_semgrep_runs), once for all packs."""
    found: dict[str, set[Key]] = defaultdict(set)
    runs = plan_semgrep_runs(fixture_targets())
    # Every pack runs over the files semgrep knows by name, so each rule is also checked
    # on the other packs' fixtures.
    runs[0] = replace(runs[0], packs=tuple(p.name for p in PACK_FILES))
    for planned in runs:
        configs = [PACKS_DIR / pack for pack in planned.packs]
        data = run_semgrep(configs, list(planned.paths), FIXTURES, planned.extra_args)
        assert data["errors"] == [], data["errors"]
        assert sorted(data["paths"]["scanned"]) == sorted(planned.paths)
        for result in data["results"]:
            found[rule_id_from_check_id(result["check_id"])].add(
                (Path(result["path"]).as_posix(), result["start"]["line"])
            )
    return dict(found)


RULE_IDS = sorted(rule["id"] for _, rule in all_rules())


# --- the rule contract ----------------------------------------------------------------------


def test_packs_are_the_expected_ones() -> None:
    shipped = {p.name for p in PACK_FILES}
    named = {pack for packs in PACKS_BY_KIND.values() for pack in packs}
    assert (
        shipped
        == named
        == {
            "python.yml",
            "python-sql-strings.yml",
            "settings.yml",
            "dockerfile.yml",
            "kubernetes.yml",
            "compose.yml",
            "templates.yml",
        } | set(WEB_PACKS)
    )
    assert "web-command.yml" in WEB_PACKS


def test_python_pack_size() -> None:
    # python-eval-request-data and python-deserialize-request-data moved to web-code.yml and
    # web-deserialisation.yml with their ids, python-sql-query-built-from-strings to
    # python-sql-strings.yml (read only where a file can run SQL).
    assert len(load_pack(PACKS_DIR / "python.yml")) >= 13


def test_rule_ids_unique_and_kebab_case() -> None:
    assert len(RULE_IDS) == len(set(RULE_IDS)), sorted(i for i in RULE_IDS if RULE_IDS.count(i) > 1)
    for rule_id in RULE_IDS:
        assert KEBAB.match(rule_id), rule_id
        assert rule_id_from_check_id(f"policies.rules.{rule_id}") == rule_id


@pytest.mark.parametrize(("pack", "rule"), all_rules(), ids=[r["id"] for _, r in all_rules()])
def test_rule_metadata(pack: str, rule: dict[str, Any]) -> None:
    languages = {
        "python": ["python"],
        "settings": ["python"],
        "dockerfile": ["dockerfile"],
        "kubernetes": ["yaml"],
        "compose": ["yaml"],
        "templates": ["generic"],
    }["python" if pack.startswith(("web-", "python-")) else pack]
    assert rule["languages"] == languages
    assert isinstance(rule["message"], str) and rule["message"].strip()
    meta = rule["metadata"]
    assert REQUIRED_METADATA <= meta.keys(), REQUIRED_METADATA - meta.keys()
    assert meta["severity"] in GATE_SEVERITIES
    assert rule["severity"] == SEMGREP_SEVERITY_FOR[meta["severity"]]
    assert meta["confidence"] in CONFIDENCES
    assert meta["category"] == "security"
    assert isinstance(meta["cwe"], list) and meta["cwe"]
    for cwe in meta["cwe"]:
        assert CWE.match(cwe), cwe
    assert isinstance(meta["remediation"], str) and len(meta["remediation"].strip()) > 20
    short = meta["short-description"]
    assert isinstance(short, str) and 0 < len(short) <= 80
    for url in meta.get("references", []):
        assert url.startswith("https://"), url
    assert meta.get("secret", False) in (True, False)


def test_secret_rules_are_marked() -> None:
    secret = {rule["id"] for _, rule in all_rules() if rule["metadata"].get("secret")}
    assert secret == {
        "django-hardcoded-secret-key",
        "flask-hardcoded-secret-key",
        "dockerfile-secret-in-env-or-arg",
        "web-hardcoded-credential",
    }


# --- behaviour on the fixtures --------------------------------------------------------------


def test_annotations_name_only_real_rules() -> None:
    marks = annotations()
    unknown = (marks.expected.keys() | marks.ok.keys()) - set(RULE_IDS)
    assert not unknown


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_rule_has_positive_and_negative_fixture(rule_id: str) -> None:
    marks = annotations()
    assert marks.expected.get(rule_id), f"no '# ruleid: {rule_id}' fixture"
    assert marks.ok.get(rule_id), f"no '# ok: {rule_id}' fixture"


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_rule_fires_exactly_on_annotated_lines(rule_id: str, findings: dict[str, set[Key]]) -> None:
    marks = annotations()
    actual = findings.get(rule_id, set())
    expected = marks.expected.get(rule_id, set())
    assert sorted(actual - expected) == [], "unexpected findings"
    assert sorted(expected - actual) == [], "missed findings"
    assert not (actual & marks.ok.get(rule_id, set()))


def test_no_findings_from_unknown_rules(findings: dict[str, set[Key]]) -> None:
    assert set(findings) <= set(RULE_IDS)


def test_every_fixture_is_a_semgrep_target() -> None:
    for path in fixture_files():
        head = path.read_text(encoding="utf-8")
        kind = semgrep_kind(path.as_posix(), head)
        pack = path.relative_to(FIXTURES).parts[0]
        expected_kind = {"settings": "python", "templates": "template"}.get(pack, pack)
        if path.name in {"workflow.yml", "not-a-manifest.yml"}:
            assert kind is None, path  # quiet-on-purpose YAML: the gate would not pick it
        else:
            assert kind == expected_kind, path


def test_docs_table_lists_every_rule() -> None:
    doc = (REPO / "docs" / "rules.md").read_text(encoding="utf-8")
    rows = {
        line.split("|")[1].strip().strip("`"): line.split("|")[2].strip()
        for line in doc.splitlines()
        if line.startswith("| `")
    }
    for _, rule in all_rules():
        assert rule["id"] in rows, f"docs/rules.md has no row for {rule['id']}"
        assert rows[rule["id"]].split()[0] == rule["metadata"]["severity"], rule["id"]
    assert set(rows) == set(RULE_IDS)
