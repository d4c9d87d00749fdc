"""Declared packages judged by their existence on the index: unknown is unaudited, a private
name on the public index is dependency confusion, an unreachable index is never a pass."""

from __future__ import annotations

from pathlib import Path

from gate.deps.existence import judge, requirement_groups
from gate.deps.findings import CONFUSION, UNAUDITED
from gate.deps.manifests import Declared, read_manifests
from gate.findings import Severity
from tests.deps.conftest import FIXTURES

FILE_INDEX = (FIXTURES / "index").resolve().as_uri() + "/"


def declared(tmp_path: Path, text: str) -> list[Declared]:
    (tmp_path / "requirements.txt").write_text(text, encoding="utf-8")
    return read_manifests(tmp_path, ["requirements.txt"]).declared


def test_unknown_packages_are_unaudited_and_private_ones_on_the_index_are_confusion(
        tmp_path: Path) -> None:
    named = declared(tmp_path, "requests==2.19.0\ninternal-tool==1.0\nshared-name==3.1.0\n"
                               "our-private==2.0\n")
    out = judge("pip-audit", named, index_option=FILE_INDEX,
                private=frozenset({"shared-name", "our-private"}), timeout=5, offline=True,
                unaudited_severity=Severity.HIGH)
    assert out.error is None
    assert out.known == {"internal-tool": False, "our-private": False, "requests": True,
                         "shared-name": True}
    assert [(f.rule_id, f.location.start_line, f.severity) for f in out.findings] == [
        (UNAUDITED, 2, Severity.HIGH), (CONFUSION, 3, Severity.HIGH)]
    unknown, confused = out.findings
    assert "package 'internal-tool' does not exist on the index" in unknown.message
    assert "private package 'shared-name' also exists on" in confused.message
    assert out.notes == [f"existence of 4 package(s) checked on {FILE_INDEX}"]


def test_an_unreachable_index_is_a_note_offline_and_an_error_online(tmp_path: Path) -> None:
    named = declared(tmp_path, "requests==2.19.0\n")
    gone = (tmp_path / "no-index").as_uri() + "/"
    offline = judge("pip-audit", named, index_option=gone, private=frozenset(), timeout=5,
                    offline=True, unaudited_severity=Severity.LOW)
    assert offline.error is None and offline.findings == []
    assert "was skipped" in offline.notes[0]
    online = judge("pip-audit", named, index_option=gone, private=frozenset(), timeout=5,
                   offline=False, unaudited_severity=Severity.LOW)
    assert online.error is not None and "would pass silently" in online.error


def test_nothing_declared_asks_nothing() -> None:
    out = judge("pip-audit", [], index_option="http://127.0.0.1:9/", private=frozenset(),
                timeout=1, offline=False, unaudited_severity=Severity.HIGH)
    assert (out.findings, out.notes, out.error) == ([], [], None)


def test_requirement_groups_never_name_a_package_twice(tmp_path: Path) -> None:
    (tmp_path / "requirements").mkdir()
    named = declared(tmp_path, "requests==2.19.0\nflask==0.12.2\nrequests==2.31.0\n"
                               "requests==2.19.0\njinja2>=2\n")
    assert requirement_groups(named, full=False) == [
        ["flask==0.12.2", "requests==2.19.0"], ["requests==2.31.0"]]
    assert requirement_groups(named, full=True) == [
        ["flask==0.12.2", "jinja2>=2", "requests==2.19.0", "requests==2.31.0"]]
