"""The pip-audit adapter end to end: real pip-audit, a test OSV database, a file:// index."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gate.findings import Finding, Severity
from gate.runs import ScanResult
from gate.scanners.interface import ScanContext
from gate.scanners.pip_audit import CONFUSION, UNAUDITED, UNSUPPORTED
from gate.scanners.pip_audit.adapter import OFFLINE_WAYS, PipAuditScanner
from gate.scanners.pip_audit.options import CHECKS, Options, Resolve, Unaudited

ALL_FILES = [
    "requirements.txt",
    "requirements/base.txt",
    "pyproject.toml",
    "setup.py",
    "backend.py",
]


def scan(root: Path, files: list[str] | None = None, **options: Any) -> ScanResult:
    scanner = PipAuditScanner()
    selected = scanner.select(files if files is not None else ALL_FILES, root)
    return scanner.scan(ScanContext(root, tuple(selected), 120.0, options))


def by_rule(result: ScanResult, rule: str) -> list[Finding]:
    return [f for f in result.findings if f.rule_id == rule]


def where(findings: list[Finding]) -> set[tuple[str, int]]:
    return {(f.location.path, f.location.start_line) for f in findings}


def test_select() -> None:
    assert PipAuditScanner().select(ALL_FILES, Path(".")) == [
        "requirements.txt",
        "requirements/base.txt",
        "pyproject.toml",
        "setup.py",
        "backend.py",  # read for reachability only
    ]
    assert PipAuditScanner().select(["app.py", "Dockerfile"], Path(".")) == []  # no manifest


def test_vulnerabilities_at_their_lines(app: Path, osv_db: Path, index_url: str) -> None:
    result = scan(
        app, advisory_db=str(osv_db), index_url=index_url, private_packages=["internal-tool"]
    )
    assert result.run.ok, result.run.error
    assert any("gate-osv-matcher" in n for n in result.run.notes)  # local data: no pip-audit
    vulns = {
        (f.rule_id, f.location.path, f.location.start_line): f
        for f in result.findings
        if not f.rule_id.startswith("gate/")
    }
    assert set(vulns) == {
        ("PYSEC-9999-1", "requirements/base.txt", 1),
        ("PYSEC-9999-1", "pyproject.toml", 11),
        ("GHSA-yyyy-yyyy-yyyy", "requirements/base.txt", 3),  # 5.4.1 in pyproject is clean
        ("PYSEC-9999-4", "requirements.txt", 3),
        ("CVE-9999-0005", "pyproject.toml", 10),  # CVE preferred over a bare OSV id
    }
    requests = vulns[("PYSEC-9999-1", "requirements/base.txt", 1)]
    assert requests.message == (
        "requests 2.19.0 is affected by PYSEC-9999-1; upgrade to 2.20.0 or later (CVSS 9.8); "
        "reachability: unknown"  # no lock file: nothing that is not imported is known
    )
    assert dict(requests.extra)["reachability"] == "unknown"
    assert requests.severity is Severity.CRITICAL
    assert requests.aliases == ("CVE-9999-0001", "GHSA-aaaa-bbbb-cccc")
    assert requests.rule_ids == ("PYSEC-9999-1", "CVE-9999-0001", "GHSA-aaaa-bbbb-cccc")
    assert requests.cwe == (522,)
    assert "2.20.0" in requests.remediation
    assert requests.location.start_column == 1
    pyyaml = vulns[("GHSA-yyyy-yyyy-yyyy", "requirements/base.txt", 3)]
    assert pyyaml.severity is Severity.MEDIUM
    assert pyyaml.aliases == ("CVE-9999-0002",)
    assert "no fixed version is known" in pyyaml.message
    flask = vulns[("PYSEC-9999-4", "requirements.txt", 3)]
    assert flask.message == (
        "flask 0.12.2 is affected by PYSEC-9999-4; no fixed version is known (severity unknown); "
        "reachability: unknown"
    )
    assert flask.severity is Severity.HIGH  # default_severity
    jinja = vulns[("CVE-9999-0005", "pyproject.toml", 10)]
    assert jinja.aliases == ("OSV-9999-5",)
    assert "upgrade to 2.10.1 or later" in jinja.message
    # unaudited lines: editable, extra index, include leaving the repo
    unaudited = by_rule(result, UNAUDITED)
    assert where(unaudited) == {("requirements.txt", n) for n in (5, 6, 7)}
    assert all(f.severity is Severity.HIGH for f in unaudited)
    # a range in a file that installs is unpinned (medium); in library metadata, low
    unpinned = {(f.location.path, f.location.start_line): f.severity
                for f in by_rule(result, "gate/unpinned-dependency")}
    assert unpinned[("requirements.txt", 4)] is Severity.MEDIUM
    # a private package that exists publicly is loud; one that does not is fine
    confusion = by_rule(result, CONFUSION)
    assert where(confusion) == set()  # shared-name is not private in this scan
    # the fixture's setup.py calls no setup(): no manifest, a note and no finding
    assert where(by_rule(result, UNSUPPORTED)) == set()
    assert "setup.py: declares no dependencies in a setup() call; not a manifest" in (
        result.run.notes)


def test_fingerprint_stable_under_line_moves(app: Path, osv_db: Path, index_url: str) -> None:
    before = scan(app, ["requirements.txt"], advisory_db=str(osv_db), index_url=index_url)
    text = (app / "requirements.txt").read_text()
    (app / "requirements.txt").write_text("# moved\n\n" + text)
    after = scan(app, ["requirements.txt"], advisory_db=str(osv_db), index_url=index_url)
    fp = {f.rule_id: f.fingerprint for f in before.findings if f.rule_id == "PYSEC-9999-4"}
    moved = [f for f in after.findings if f.rule_id == "PYSEC-9999-4"]
    assert moved[0].location.start_line == 5
    assert moved[0].fingerprint == fp["PYSEC-9999-4"]


def test_unknown_package_unless_private(app: Path, osv_db: Path, index_url: str) -> None:
    result = scan(app, ["requirements.txt"], advisory_db=str(osv_db), index_url=index_url)
    unknown = [f for f in by_rule(result, UNAUDITED) if "does not exist on the index" in f.message]
    assert where(unknown) == {("requirements.txt", 8)}
    assert "internal-tool" in unknown[0].message
    allowed = scan(
        app,
        ["requirements.txt"],
        advisory_db=str(osv_db),
        index_url=index_url,
        private_packages=["Internal_Tool"],
    )
    assert not [f for f in by_rule(allowed, UNAUDITED) if "does not exist" in f.message]


def test_private_package_on_public_index_is_loud(app: Path, osv_db: Path, index_url: str) -> None:
    result = scan(
        app,
        ["requirements.txt"],
        advisory_db=str(osv_db),
        index_url=index_url,
        private_packages=["internal-tool", "shared-name"],
    )
    (confusion,) = by_rule(result, CONFUSION)
    assert confusion.location.start_line == 9
    assert confusion.severity is Severity.HIGH
    assert "dependency confusion" in confusion.message


def test_warn_makes_unaudited_low(app: Path, osv_db: Path, index_url: str) -> None:
    result = scan(
        app, ["requirements.txt"], advisory_db=str(osv_db), index_url=index_url, unaudited="warn"
    )
    assert {f.severity for f in by_rule(result, UNAUDITED)} == {Severity.LOW}


def test_unreachable_osv_url_is_an_error(app: Path, index_url: str) -> None:
    result = scan(
        app, ["requirements.txt"], osv_url="http://127.0.0.1:9/v1/query", index_url=index_url
    )
    assert not result.run.ok
    assert result.findings == ()
    assert "pip-audit" in (result.run.error or "")
    assert (result.run.error or "").startswith("advisory service unreachable (")
    assert "no local advisory data" in (result.run.error or "")
    assert result.run.warnings == OFFLINE_WAYS
    assert ["gate advisories update" in w for w in OFFLINE_WAYS] == [True, False, False]
    assert "--advisory-db" in OFFLINE_WAYS[1] and "GATE_OSV_URL" in OFFLINE_WAYS[2]


def test_unreachable_index_without_advisory_db_is_an_error(app: Path) -> None:
    result = scan(
        app,
        ["requirements.txt"],
        osv_url="http://127.0.0.1:9/v1/query",
        index_url="http://127.0.0.1:9/simple/",
    )
    assert not result.run.ok
    assert "package index unreachable" in (result.run.error or "")


def test_unreachable_index_with_advisory_db_is_a_note(app: Path, osv_db: Path) -> None:
    result = scan(
        app, ["requirements.txt"], advisory_db=str(osv_db), index_url="http://127.0.0.1:9/simple/"
    )
    assert result.run.ok, result.run.error
    assert any("existence check" in n or "was skipped" in n for n in result.run.notes)
    assert ("PYSEC-9999-4", 3) in {(f.rule_id, f.location.start_line) for f in result.findings}


def test_malformed_record_is_an_error_naming_the_file(
    app: Path, osv_db: Path, index_url: str
) -> None:
    (osv_db / "vulns" / "flask" / "PYSEC-BAD.yaml").write_text("id: [\n", encoding="utf-8")
    result = scan(app, ["requirements.txt"], advisory_db=str(osv_db), index_url=index_url)
    assert not result.run.ok
    assert "PYSEC-BAD.yaml" in (result.run.error or "")


def test_missing_advisory_db_is_an_error(app: Path, tmp_path: Path, index_url: str) -> None:
    result = scan(app, advisory_db=str(tmp_path / "absent"), index_url=index_url)
    assert not result.run.ok
    assert "advisory database not found" in (result.run.error or "")


@pytest.mark.parametrize("resolve", [
    "pins",
    pytest.param("full", marks=pytest.mark.slow),  # pip resolves against the index (~6 s)
])
def test_repository_code_never_runs(app: Path, osv_db: Path, index_url: str,
                                    resolve: str) -> None:
    before = sorted(p.relative_to(app) for p in app.rglob("*"))
    scan(app, advisory_db=str(osv_db), index_url=index_url, resolve=resolve)
    assert not (app / "BACKEND-RAN").exists()
    assert not (app / "SETUP-RAN").exists()
    assert sorted(p.relative_to(app) for p in app.rglob("*")) == before


def test_real_tool_missing_is_an_error(
    app: Path, osv_db: Path, index_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GATE_PIP_AUDIT_COMMAND", "/nonexistent/pip-audit")
    live = "http://127.0.0.1:9/v1/query"  # pip-audit is the engine for a live service
    result = scan(app, ["requirements.txt"], osv_url=live, index_url=index_url)
    assert not result.run.ok
    assert "executable not found" in (result.run.error or "")


def test_old_pins_against_the_pypa_database(
    tmp_path: Path, shared_db: Path, index_url: str
) -> None:
    (tmp_path / "requirements.txt").write_text(
        "flask==0.12.2\nrequests==2.19.0\njinja2==2.10\npyyaml==5.3\n", encoding="utf-8"
    )
    result = scan(tmp_path, ["requirements.txt"], advisory_db=str(shared_db), index_url=index_url)
    assert result.run.ok, result.run.error
    got = {(f.rule_id, f.location.start_line) for f in result.findings}
    assert {
        ("PYSEC-2018-66", 1),
        ("PYSEC-2019-179", 1),
        ("PYSEC-2023-62", 1),
        ("PYSEC-2018-28", 2),
        ("PYSEC-2023-74", 2),
        ("PYSEC-2019-217", 3),
        ("PYSEC-2021-66", 3),
        ("PYSEC-2020-96", 4),
        ("PYSEC-2021-142", 4),
    } == got
    requests = next(f for f in result.findings if f.rule_id == "PYSEC-2018-28")
    assert requests.message.startswith(
        "requests 2.19.0 is affected by PYSEC-2018-28; upgrade to 2.20.0 or later"
    )


def test_yaml_timestamps_reach_pip_audit(app: Path, osv_db: Path, index_url: str) -> None:
    (osv_db / "vulns" / "flask" / "PYSEC-9999-6.yaml").write_text(
        "id: PYSEC-9999-6\n"
        "published: 2023-07-20T14:52:00Z\n"
        "modified: 2023-07-21 01:02:03.5+00:00\n"
        "affected:\n"
        "- package: {name: flask, ecosystem: PyPI}\n"
        "  ranges:\n"
        "  - type: ECOSYSTEM\n"
        "    events: [{introduced: '0'}, {fixed: 1.0.0}]\n",
        encoding="utf-8",
    )
    result = scan(app, ["requirements.txt"], advisory_db=str(osv_db), index_url=index_url)
    assert result.run.ok, result.run.error
    assert ("PYSEC-9999-6", 3) in {(f.rule_id, f.location.start_line) for f in result.findings}


# --- options, rule ownership and the whole-run cache key (no tool runs) -----------------


def test_options_from_the_policy_table() -> None:
    defaults = Options.from_mapping({})
    assert (defaults.resolve, defaults.unaudited, defaults.default_severity) == (
        Resolve.PINS, Unaudited.FAIL, Severity.HIGH)
    assert defaults.unaudited_severity is Severity.HIGH
    given = Options.from_mapping({"resolve": "full", "unaudited": "warn",
                                  "private_packages": ["Internal_Tool", "our.pkg"],
                                  "default_severity": "medium", "advisory_db": Path("/db"),
                                  "osv_url": "", "index_url": "file:///idx/"})
    assert given.private_packages == {"internal-tool", "our-pkg"}
    assert (given.advisory_db, given.osv_url, given.index_url) == ("/db", None, "file:///idx/")
    assert given.unaudited_severity is Severity.LOW
    assert CHECKS["resolve"]("all") == "expected one of pins, full; got 'all'"
    assert CHECKS["private_packages"]("internal-tool") is not None
    assert set(PipAuditScanner().options) == set(CHECKS)


@pytest.mark.parametrize("pattern,owned", [
    ("PYSEC-2018-28", True), ("GHSA-aaaa-bbbb-cccc", True), ("CVE-2018-18074", True),
    ("PYSEC-*", True), (UNAUDITED, True), (CONFUSION, True), ("B602", False),
    ("template-injection", False),
])
def test_owns_advisory_ids_and_the_gates_dependency_rules(pattern: str, owned: bool) -> None:
    assert PipAuditScanner().owns_rule(pattern) is owned


def _key(root: Path, db: Path, files: list[str]) -> str | None:
    ctx = ScanContext(root, tuple(files), 120.0, {"advisory_db": str(db)})
    return PipAuditScanner().cache_key(ctx)


def test_cache_key_follows_manifests_and_advisory_data(
        app: Path, osv_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = ["requirements.txt", "requirements/base.txt"]
    assert PipAuditScanner().cache_key(ScanContext(app, tuple(files), 120.0, {})) is None
    first = _key(app, osv_db, files)
    assert first is not None and _key(app, osv_db, files) == first
    (app / "requirements/base.txt").write_text("requests==2.31.0\n", encoding="utf-8")
    second = _key(app, osv_db, files)
    assert second != first
    (osv_db / "vulns" / "flask" / "PYSEC-9999-8.yaml").write_text("id: PYSEC-9999-8\n",
                                                                   encoding="utf-8")
    assert _key(app, osv_db, files) != second
    monkeypatch.setenv("GATE_PIP_AUDIT_COMMAND", "pip-audit")
    assert _key(app, osv_db, files) is None  # a replaced tool: nothing reliable to key on


def test_cache_key_follows_included_files(tmp_path: Path, osv_db: Path) -> None:
    (tmp_path / "deps").mkdir()
    (tmp_path / "requirements.txt").write_text("-r deps/common.txt\n", encoding="utf-8")
    (tmp_path / "deps" / "common.txt").write_text("flask==1.0.0\n", encoding="utf-8")
    files = PipAuditScanner().select(["requirements.txt", "deps/common.txt"], tmp_path)
    before = _key(tmp_path, osv_db, files)
    (tmp_path / "deps" / "common.txt").write_text("requests==2.19.0\n", encoding="utf-8")
    assert _key(tmp_path, osv_db, files) != before


def test_in_the_hook_no_network_and_no_local_data_is_a_warning(app: Path, tmp_path: Path
                                                               ) -> None:
    """pre-commit.ci has no network: neither the index nor the advisory service answers."""
    scanner = PipAuditScanner()
    options = {"osv_url": "http://127.0.0.1:9/v1/query", "index_url": "http://127.0.0.1:9/simple/",
               "advisory_store": str(tmp_path / "no-store")}
    ctx = ScanContext(app, ("requirements.txt",), 120.0, options, hook=True)
    result = scanner.scan(ctx)
    assert result.run.ok, result.run.error
    assert [s.path for s in result.run.skipped] == ["requirements.txt"]
    assert "NOT audited in this commit hook" in result.run.warnings[0]
    assert "package index unreachable" in result.run.warnings[0]
    ci = scanner.scan(ScanContext(app, ("requirements.txt",), 120.0, options))
    assert not ci.run.ok and "package index unreachable" in (ci.run.error or "")


def test_in_the_hook_a_service_that_answers_but_fails_stays_an_error(app: Path, index_url: str,
                                                                     tmp_path: Path) -> None:
    """Only a service that does not answer at all is a warning in the hook."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Broken(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _fail(self) -> None:
            self.send_response(500)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_POST = _fail

    server = ThreadingHTTPServer(("127.0.0.1", 0), Broken)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        options = {"osv_url": f"http://127.0.0.1:{server.server_address[1]}/v1/query",
                   "index_url": index_url, "advisory_store": str(tmp_path / "no-store")}
        result = PipAuditScanner().scan(
            ScanContext(app, ("requirements.txt",), 120.0, options, hook=True))
    finally:
        server.shutdown()
        server.server_close()
    assert not result.run.ok and "pip-audit" in (result.run.error or "")
    assert result.run.warnings == ()
