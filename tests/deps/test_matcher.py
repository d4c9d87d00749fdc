"""The gate's own OSV matcher: checked against real pip-audit's answers over the same records
(served by the loopback OSV endpoint), alias merging, and the one upgrade that fixes all."""

from __future__ import annotations

import json
from pathlib import Path

from packaging.version import Version

from gate.deps.matcher import fixes_all, fixes_all_reported, match, merge_aliases
from gate.deps.osv import Advisory, AdvisoryDatabase
from gate.deps.server import LoopbackOsv
from gate.process import run, tool_path
from tests.deps.conftest import RECORDS


def _range(*events: dict[str, str]) -> list[dict[str, object]]:
    return [{"type": "ECOSYSTEM", "events": list(events)}]


def _record(vid: str, package: str, *events: dict[str, str],
            aliases: tuple[str, ...] = ()) -> dict[str, object]:
    return {"id": vid, "aliases": list(aliases),
            "affected": [{"package": {"name": package, "ecosystem": "PyPI"},
                          "ranges": _range(*events)}]}


EXTRA: dict[str, dict[str, object]] = {
    # the GHSA twin of PYSEC-9999-1 (aliases each other): one vulnerability, not two
    "requests/GHSA-aaaa-bbbb-cccc.json": _record(
        "GHSA-aaaa-bbbb-cccc", "requests", {"introduced": "0"}, {"fixed": "2.20.0"},
        aliases=("CVE-9999-0001",)),
    # django: two advisories at 1.8.3, and one that only starts at the first fix of them
    "django/PYSEC-9999-10.json": _record("PYSEC-9999-10", "django", {"introduced": "0"},
                                         {"fixed": "1.8.5"}),
    "django/PYSEC-9999-11.json": _record("PYSEC-9999-11", "django", {"introduced": "1.8"},
                                         {"fixed": "1.8.4"}),
    "django/PYSEC-9999-12.json": _record("PYSEC-9999-12", "django", {"introduced": "1.8.5"},
                                         {"fixed": "1.8.7"}),
    "malware/MAL-2024-1.json": _record("MAL-2024-1", "malware", {"introduced": "0"}),
}


def _pip_audit(db: AdvisoryDatabase, pins: list[str], work: Path) -> dict[str, set[frozenset[str]]]:
    """pip-audit's answer per pin: the set of its vulnerabilities' id sets."""
    (work / "requirements.txt").write_text("".join(p + "\n" for p in pins), encoding="utf-8")
    with LoopbackOsv(db) as server:
        result = run([tool_path("pip-audit"), "-r", str(work / "requirements.txt"), "--no-deps",
                      "--disable-pip", "--format", "json", "--progress-spinner", "off",
                      "-s", "osv", "--osv-url", server.url, "--cache-dir", str(work / "c")],
                     timeout=300)
    assert result.returncode in (0, 1), (result.stdout + result.stderr)[-800:]
    out: dict[str, set[frozenset[str]]] = {}
    for dependency in json.loads(result.stdout)["dependencies"]:
        key = f"{dependency['name']}=={dependency['version']}"
        out[key] = {frozenset([v["id"], *v["aliases"]]) for v in dependency.get("vulns", [])}
    return out


def test_same_answers_as_pip_audit(tmp_path: Path, write_db) -> None:  # type: ignore[no-untyped-def]
    db = AdvisoryDatabase(write_db(tmp_path / "db", {**RECORDS, **EXTRA}))
    pins = ["requests==2.19.0", "requests==2.20.0", "pyyaml==5.3", "pyyaml==5.4", "flask==0.12.2",
            "jinja2==2.10", "jinja2==3.0.0", "django==1.8.3", "django==1.8.6", "malware==1.0",
            "malware==2.0"]
    first = [p for i, p in enumerate(pins) if i % 2 == 0]  # one version per name and run
    second = [p for i, p in enumerate(pins) if i % 2 == 1]
    (tmp_path / "2").mkdir()
    reference = {**_pip_audit(db, first, tmp_path), **_pip_audit(db, second, tmp_path / "2")}
    ours = {}
    for pin in pins:
        name, version = pin.split("==")
        ours[f"{name}=={version}"] = {frozenset(v.ids) for v in match(db, name, version)}
    assert ours == reference
    assert ours["requests==2.19.0"] == {
        frozenset({"PYSEC-9999-1", "GHSA-aaaa-bbbb-cccc", "CVE-9999-0001"})}
    assert len(ours["django==1.8.3"]) == 2


def test_same_answers_on_the_pypa_database(tmp_path: Path, shared_db: Path) -> None:
    pins = ["django==1.8.3", "requests==2.19.0", "jinja2==2.10", "pyyaml==5.3", "pillow==6.2.0",
            "urllib3==1.24.1", "flask==0.12.2", "cryptography==2.8"]
    db = AdvisoryDatabase(shared_db)
    reference = _pip_audit(db, pins, tmp_path)
    for pin in pins:
        name, version = pin.split("==")
        assert {frozenset(v.ids) for v in match(db, name, version)} == reference[pin], pin


def test_merge_aliases_is_transitive() -> None:
    def adv(vid: str, *aliases: str) -> Advisory:
        return Advisory(vid, {"id": vid, "aliases": list(aliases)}, "test")

    groups = merge_aliases([adv("A", "X"), adv("B", "Y"), adv("C", "X", "Y"), adv("D")])
    assert [[a.id for a in g.records] for g in groups] == [["A", "B", "C"], ["D"]]


def test_fixes_all_checks_every_record(tmp_path: Path, write_db) -> None:  # type: ignore[no-untyped-def]
    db = AdvisoryDatabase(write_db(tmp_path / "db", EXTRA))
    # 1.8.5 fixes both advisories at the pin but PYSEC-9999-12 starts there: answer 1.8.7
    assert fixes_all(db, "django", "1.8.3") == Version("1.8.7")
    assert fixes_all(db, "django", "1.8.6") == Version("1.8.7")
    assert fixes_all(db, "malware", "1.0") is None


def test_fixes_all_from_reported_fixes() -> None:
    fixes = [[Version("1.1"), Version("2.1")], [Version("1.5")]]
    assert fixes_all_reported("1.0", fixes) == Version("1.5")
    assert fixes_all_reported("2.0", fixes) is None


def test_reported_twins_are_merged() -> None:
    from gate.deps.matcher import merge_reported

    twice = [{"id": "PYSEC-1", "aliases": ["GHSA-1"], "fix_versions": ["2.0"]},
             {"id": "PYSEC-1", "aliases": ["GHSA-1"], "fix_versions": ["2.0"]},
             {"id": "GHSA-1", "aliases": ["CVE-1"], "fix_versions": ["2.1"]},
             {"id": "PYSEC-2", "aliases": [], "fix_versions": []}]
    assert merge_reported(twice) == [
        {"id": "PYSEC-1", "aliases": ["CVE-1", "GHSA-1"], "fix_versions": ["2.0", "2.1"]},
        {"id": "PYSEC-2", "aliases": [], "fix_versions": []}]
