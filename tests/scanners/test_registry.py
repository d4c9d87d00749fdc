"""The one registry: every scanner is complete, and the rest of the gate only asks it."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest

from gate import suppressions
from gate.findings import Confidence, Finding, InlineSuppression, Location, Severity
from gate.guards.validators import BOOL
from gate.policy import waiver_scope
from gate.policy.load import load_text
from gate.policy.model import Waiver
from gate.runs import ScanResult
from gate.scanners import REGISTRY, accepting, is_secret_finding
from gate.scanners.interface import BaseScanner, ScanContext, Scanner

GATE = Path(__file__).resolve().parents[2] / "gate"


def _finding(scanner: str, rule: str, secret: bool = False) -> Finding:
    return Finding(scanner, rule, rule, "m", Severity.HIGH, Confidence.HIGH,
                   Location("a.py", 1), "fp", secret=secret)


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_every_entry_is_a_complete_scanner(name: str) -> None:
    scanner = REGISTRY[name]
    assert isinstance(scanner, Scanner)
    assert scanner.name == name and scanner.tool
    assert scanner.information_uri.startswith("https://")
    assert isinstance(scanner.command(), list) and scanner.command()


def test_no_scanner_name_is_spelled_out_outside_the_scanners_package() -> None:
    names = set(REGISTRY)
    found = []
    for path in sorted(GATE.rglob("*.py")):
        if "scanners" in path.relative_to(GATE).parts[:1]:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and node.value in names:
                found.append(f"{path.relative_to(GATE)}:{node.lineno} {node.value!r}")
    assert found == []


@pytest.mark.parametrize(("rule", "owners"), [
    ("B602", {"bandit"}), ("B6*", {"bandit"}), ("PYSEC-2021-1", {"pip-audit"}),
    ("GHSA-*", {"pip-audit"}), ("gate/unaudited-dependency", {"pip-audit"}),
    ("kingfisher.github.1", {"secrets"}), ("betterleaks.github-pat", {"secrets"}),
    ("python-yaml-unsafe-load", {"semgrep"}),
    ("template-injection", {"zizmor"}), ("*", None), ("no-such-rule", None),
])
def test_waiver_scopes_come_from_the_scanners(rule: str, owners: set[str] | None) -> None:
    expected = frozenset(owners) if owners else None
    assert waiver_scope.candidate_scanners(rule) == expected


def test_secret_findings_are_the_scanners_call() -> None:
    assert is_secret_finding(_finding("bandit", "B105"))
    assert not is_secret_finding(_finding("bandit", "B602"))
    assert is_secret_finding(_finding("secrets", "kingfisher.aws.1"))
    assert is_secret_finding(_finding("semgrep", "django-hardcoded-secret-key", secret=True))
    assert not is_secret_finding(_finding("semgrep", "python-yaml-unsafe-load"))
    assert not is_secret_finding(_finding("imported-tool", "X1"))


@pytest.mark.parametrize(("line", "scanner", "rule", "kind", "described"), [
    ("x = 1  # nosec B602 reviewed", "bandit", "B602", "nosec", "# nosec B602 reviewed"),
    ("x = 1  # nosemgrep: r1 ok", "semgrep", "r1", "nosemgrep", "# nosemgrep: r1 ok"),
    ("run: x # zizmor: ignore[template-injection] fine", "zizmor", "template-injection",
     "zizmor", "# zizmor: ignore[template-injection] fine"),
    ("x = 1  # gate: ignore[B6*] why", "bandit", "B602", "gate", "# gate: ignore[B6*] why"),
])
def test_suppression_syntax_is_parsed_by_its_scanner(line: str, scanner: str, rule: str,
                                                     kind: str, described: str) -> None:
    found = [s for s in suppressions.parse(line) if suppressions.applies(s, _finding(scanner,
                                                                                      rule))]
    assert [s.kind for s in found] == [kind]
    assert suppressions.describe(found[0]) == described
    other = "semgrep" if scanner != "semgrep" else "bandit"
    if kind != "gate":
        assert not suppressions.applies(found[0], _finding(other, rule))


def test_cli_options_reach_the_scanners_that_declare_them() -> None:
    assert accepting("advisory_db") == ["pip-audit"]
    assert accepting("no_such_option") == []


class _Extra(BaseScanner):
    """A scanner added with its module and one registry line, nothing else."""

    name = "extra"
    tool = "extra-tool"
    information_uri = "https://example.org/"
    options = MappingProxyType({"deep": BOOL})
    rule_ids = frozenset({"EXTRA-1"})
    suppression_kinds = ("noextra",)

    def parse_suppressions(self, comment: str) -> list[InlineSuppression]:
        return [InlineSuppression("noextra", (), "")] if "noextra" in comment else []

    def suppression_applies(self, suppression: InlineSuppression, finding: Finding) -> bool:
        return finding.scanner == self.name

    def scan(self, ctx: ScanContext) -> ScanResult:  # pragma: no cover - never run here
        raise NotImplementedError


def test_a_new_scanner_needs_only_its_module_and_one_registry_line(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(REGISTRY, "extra", _Extra())
    policy = load_text('version = 1\n[scanners.extra]\ndeep = true\ntimeout = 5\n'
                       '[[rules]]\nscanner = "extra"\nid = "EXTRA-*"\nseverity = "low"\n',
                       "gate.toml")
    assert policy.scanner("extra").options == {"deep": True}
    assert waiver_scope.candidate_scanners("EXTRA-1") == frozenset({"extra"})
    waiver = Waiver(reason="r", expires=dt.date(2030, 1, 1), rule="EXTRA-1")
    assert waiver_scope.judged(waiver, {"extra"}, {"extra"}, {"extra": frozenset({"a.py"})})
    (found,) = [s for s in suppressions.parse("x  # noextra") if s.kind == "noextra"]
    assert suppressions.applies(found, _finding("extra", "EXTRA-1"))
    assert accepting("deep") == ["extra"]


def test_policy_for_an_unregistered_scanner_names_the_registered_ones() -> None:
    from gate.policy.errors import PolicyError

    with pytest.raises(PolicyError) as caught:
        load_text("version = 1\n[scanners.extra]\ntimeout = 5\n", "gate.toml")
    message: Any = str(caught.value)
    assert "gate.toml:2" in message and "unknown key 'extra'" in message
    assert all(name in message for name in REGISTRY)
