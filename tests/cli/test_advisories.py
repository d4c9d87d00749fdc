"""``gate advisories update|status`` and scans on the downloaded data: an OSV export built by
the test and served over loopback; the live service is a loopback port that never answers."""

from __future__ import annotations

import datetime as dt
import json
import threading
import zipfile
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.deps.conftest import FIXTURES
from tests.helpers import load_json, make_repo, run_gate

V3 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
V4 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
DEAD_OSV = "http://127.0.0.1:9/v1/query"  # nothing listens: the live service is down


def _record(vid: str, package: str, fixed: str, modified: dt.datetime,
            **more: object) -> dict[str, object]:
    return {"id": vid, "modified": modified.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "affected": [{"package": {"name": package, "ecosystem": "PyPI"},
                          "ranges": [{"type": "ECOSYSTEM",
                                      "events": [{"introduced": "0"}, {"fixed": fixed}]}]}],
            **more}


def export(folder: Path, days_old: int) -> Path:
    """An all.zip like OSV's PyPI export: PYSEC records, the GHSA twin of one with a CVSS v3
    vector, and a record with only a CVSS v4 vector."""
    newest = dt.datetime.now(dt.UTC) - dt.timedelta(days=days_old)
    older = newest - dt.timedelta(days=40)
    records = [
        _record("PYSEC-2021-1", "requests", "2.20.0", older,
                aliases=["GHSA-rrrr-1111-aaaa", "CVE-2021-1"]),
        _record("GHSA-rrrr-1111-aaaa", "requests", "2.20.0", newest, aliases=["CVE-2021-1"],
                severity=[{"type": "CVSS_V3", "score": V3}]),
        _record("PYSEC-2021-2", "requests", "2.21.0", older),
        _record("GHSA-jjjj-2222-bbbb", "jinja2", "2.11.3", older,
                severity=[{"type": "CVSS_V4", "score": V4}]),
    ]
    folder.mkdir(parents=True, exist_ok=True)
    archive = folder / "all.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        for record in records:
            out.writestr(f"{record['id']}.json", json.dumps(record))
    return archive


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """(base URL, folder) of a loopback HTTP server for the folder."""
    folder = tmp_path / "www"
    folder.mkdir()
    handler = partial(SimpleHTTPRequestHandler, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", folder
    finally:
        server.shutdown()
        server.server_close()


def _app(tmp_path: Path, extra_policy: str = "") -> Path:
    index = (FIXTURES / "index").resolve().as_uri() + "/"
    return make_repo(tmp_path / "app", {
        "requirements.txt": "requests==2.19.0\njinja2==2.10\nflask==1.0\n",
        "gate.toml": f'version = 1\n[scanners.pip-audit]\nindex_url = "{index}"\n'
                     + extra_policy})


def _scan(repo: Path, cache: Path, *more: str):  # type: ignore[no-untyped-def]
    return run_gate("scan", ".", "--scanners", "pip-audit", "--cache-dir", str(cache),
                    "--osv-url", DEAD_OSV, *more, cwd=repo)


def test_update_then_offline_scan(tmp_path: Path, served: tuple[str, Path]) -> None:
    base, www = served
    export(www, days_old=1)
    cache = tmp_path / "cache"
    updated = run_gate("advisories", "update", "--from", f"{base}/all.zip",
                       "--cache-dir", str(cache), cwd=tmp_path)
    assert updated.code == 0, updated.stderr
    assert "advisories updated: 4 records" in updated.stdout
    day = (dt.datetime.now(dt.UTC) - dt.timedelta(days=1)).date().isoformat()
    status = run_gate("advisories", "status", "--cache-dir", str(cache), cwd=tmp_path)
    assert status.code == 0
    assert f"source: {base}/all.zip" in status.stdout
    assert "records: 4" in status.stdout
    assert f"advisory data from {day}, 1 day old" in status.stdout

    repo = _app(tmp_path)
    out = tmp_path / "out"
    result = _scan(repo, cache, "--json", str(out / "r.json"))
    assert result.code == 1, result.stderr
    assert f"advisory data from {day}, 1 day old" in result.stdout
    assert ("critical pip-audit: requests 2.19.0 [unknown] (requirements.txt:1): 2 advisories "
            "(1 critical, 1 high); upgrade to 2.21.0 fixes all "
            "[PYSEC-2021-1, PYSEC-2021-2]") in result.stdout
    assert ("critical pip-audit: jinja2 2.10 [unknown] (requirements.txt:2): 1 advisory "
            "(1 critical); upgrade to 2.11.3 fixes all [GHSA-jjjj-2222-bbbb]") in result.stdout
    assert "1 advisory without a severity counted as high" in result.stdout
    report = load_json(out / "r.json")
    found = {f["rule_id"]: f for f in report["findings"]}
    assert set(found) == {"PYSEC-2021-1", "PYSEC-2021-2", "GHSA-jjjj-2222-bbbb"}
    assert found["PYSEC-2021-1"]["severity"] == "critical"  # through its GHSA alias
    assert found["PYSEC-2021-1"]["aliases"] == ["CVE-2021-1", "GHSA-rrrr-1111-aaaa"]
    assert found["GHSA-jjjj-2222-bbbb"]["severity_source"] == "CVSS_V4 9.3"
    (run,) = report["runs"]
    assert run["scanner"] == "pip-audit" and run["data"].startswith(f"advisory data from {day}")
    assert any("gate-osv-matcher" in n for n in run["notes"])


def test_stale_data_only_when_the_live_service_fails(tmp_path: Path,
                                                      served: tuple[str, Path]) -> None:
    base, www = served
    export(www, days_old=30)
    cache = tmp_path / "cache"
    assert run_gate("advisories", "update", "--from", f"{base}/all.zip", "--cache-dir",
                    str(cache), cwd=tmp_path).code == 0
    warned = _scan(_app(tmp_path), cache)
    assert warned.code == 1, warned.stderr
    assert "30 days old" in warned.stdout
    assert "is older than max_age_days = 7" in warned.stdout
    assert 'stale_advisories = "warn"' in warned.stdout
    assert "PYSEC-2021-1" in warned.stdout
    failing = _scan(_app(tmp_path / "2", 'stale_advisories = "fail"\n'), cache)
    assert failing.code == 3
    assert 'stale_advisories = "fail"' in failing.stdout


def test_update_refusals(tmp_path: Path) -> None:
    cache = ("--cache-dir", str(tmp_path / "cache"))
    remote = run_gate("advisories", "update", "--from", "http://example.com/all.zip", *cache,
                      cwd=tmp_path)
    assert remote.code == 2
    assert "plain http is accepted only to loopback" in remote.stderr
    missing = run_gate("advisories", "update", "--from", str(tmp_path / "nope.zip"), *cache,
                       cwd=tmp_path)
    assert missing.code == 2 and "no such file" in missing.stderr
    (tmp_path / "junk.zip").write_text("not a zip", encoding="utf-8")
    junk = run_gate("advisories", "update", "--from", str(tmp_path / "junk.zip"), *cache,
                    cwd=tmp_path)
    assert junk.code == 3 and "neither a folder nor a zip" in junk.stderr
    assert "Traceback" not in remote.stderr + missing.stderr + junk.stderr
    absent = run_gate("advisories", "status", *cache, cwd=tmp_path)
    assert absent.code == 1 and "no local advisory data" in absent.stdout


def test_local_file_and_zip_bomb(tmp_path: Path) -> None:
    archive = export(tmp_path / "src", days_old=0)
    cache = ("--cache-dir", str(tmp_path / "cache"))
    ok = run_gate("advisories", "update", "--from", str(archive), *cache, cwd=tmp_path)
    assert ok.code == 0, ok.stderr
    assert "0 days old" in ok.stdout
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as out:
        out.writestr("PYSEC-1.json", b"{" + b" " * 5_000_000 + b"}")
    refused = run_gate("advisories", "update", "--from", str(bomb), *cache, cwd=tmp_path)
    assert refused.code == 3 and "refused" in refused.stderr
    status = run_gate("advisories", "status", *cache, cwd=tmp_path)
    assert "records: 4" in status.stdout  # the good copy is still in place


UNTIL_FIXED = """version = 1
[[waivers]]
rule = "{rule}"
reason = "waiting for upstream"
expires = 2027-01-31
until_fixed = true
"""


def _waiting_for(repo: Path, *rules: str) -> None:
    (repo / "gate.toml").write_text("".join(
        UNTIL_FIXED.replace("version = 1\n", "" if n else "version = 1\n").format(rule=r)
        for n, r in enumerate(rules)), encoding="utf-8")


def test_status_lists_until_fixed_waivers_whose_fix_appeared(tmp_path: Path) -> None:
    from tests.deps.conftest import write_database

    db = write_database(tmp_path / "db")  # PYSEC-9999-1 (alias CVE-9999-0001) fixed in 2.20.0
    repo = make_repo(tmp_path / "app", {"app.py": ""})
    _waiting_for(repo, "CVE-9999-0001", "PYSEC-9999-4")
    cache = ("--cache-dir", str(tmp_path / "cache"))  # no local copy: --advisory-db is read
    fixed = run_gate("advisories", "status", *cache, "--advisory-db", str(db), cwd=repo,
                     env={"GATE_TODAY": "2026-11-27"})
    assert fixed.code == 1, fixed.stderr
    assert "no local advisory data" not in fixed.stdout
    assert f"until_fixed waivers: 2, 1 fixed (advisory data: {db})" in fixed.stdout
    assert ("  fixed   waiver #1 (CVE-9999-0001): requests 2.20.0 (expires 2027-01-31): "
            "upgrade, then remove the waiver") in fixed.stdout
    assert ("  waiting waiver #2 (PYSEC-9999-4): no fixed version yet (expires 2027-01-31)"
            ) in fixed.stdout
    _waiting_for(repo, "PYSEC-9999-4")
    waiting = run_gate("advisories", "status", *cache, cwd=repo,
                       env={"GATE_ADVISORY_DB": str(db)})
    assert waiting.code == 0, waiting.stderr
    assert "until_fixed waivers: 1, 0 fixed" in waiting.stdout
    # no local copy, no --advisory-db: the live service, here down -> exit 3
    down = run_gate("advisories", "status", *cache, "--osv-url", DEAD_OSV, cwd=repo)
    assert down.code == 3 and "advisory service is unreachable" in down.stderr
    assert "Traceback" not in down.stderr


def test_status_reads_the_downloaded_copy(tmp_path: Path) -> None:
    archive = export(tmp_path / "src", days_old=0)
    cache = ("--cache-dir", str(tmp_path / "cache"))
    assert run_gate("advisories", "update", "--from", str(archive), *cache,
                    cwd=tmp_path).code == 0
    repo = make_repo(tmp_path / "app", {"app.py": ""})
    _waiting_for(repo, "GHSA-jjjj-2222-bbbb")
    result = run_gate("advisories", "status", *cache, cwd=repo)
    assert result.code == 1, result.stderr
    assert "records: 4" in result.stdout
    assert "  fixed   waiver #1 (GHSA-jjjj-2222-bbbb): jinja2 2.11.3" in result.stdout
