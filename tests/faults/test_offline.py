"""Offline means offline (issue 24, item 7): with local advisory data (``--advisory-db``,
``GATE_ADVISORY_DB`` or the copy ``gate advisories update`` keeps), no package name leaves
for the public index unless the user named an index or the policy asks for it.

Every request the gate would send to the public index goes through a loopback proxy
stand-in that records it and never connects anywhere: no real registry is ever asked about
the made-up internal names below.
"""

from __future__ import annotations

import json
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from tests.deps.conftest import RECORDS, write_database
from tests.helpers import load_json, make_repo, run_gate

INTERNAL = "acme-internal-billing"  # a private package: its name must not leave
DEAD_OSV = "http://127.0.0.1:9/v1/query"


class _Recorder(BaseHTTPRequestHandler):
    """A proxy (and index) stand-in: records every request line, answers 502 to CONNECT
    and 404 to everything else."""

    seen: ClassVar[list[str]] = []

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _record(self, status: int) -> None:
        self.seen.append(f"{self.command} {self.path}")
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_CONNECT(self) -> None:
        self._record(502)

    def do_GET(self) -> None:
        self._record(404 if INTERNAL in self.path else 200)

    def do_HEAD(self) -> None:
        self._record(404 if INTERNAL in self.path else 200)


def _serve() -> Iterator[tuple[str, list[str]]]:
    handler = type("Recorder", (_Recorder,), {"seen": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler.seen
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def proxy() -> Iterator[tuple[str, list[str]]]:
    yield from _serve()


@pytest.fixture
def private_index() -> Iterator[tuple[str, list[str]]]:
    yield from _serve()


@pytest.fixture
def setup(tmp_path: Path, proxy: tuple[str, list[str]]) -> dict[str, str]:
    """No pip settings from this machine, every connection through the recording proxy."""
    home = tmp_path / "home"
    home.mkdir()
    return {"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
            "PIP_CONFIG_FILE": "", "PIP_INDEX_URL": "", "VIRTUAL_ENV": "",
            "HTTPS_PROXY": proxy[0], "HTTP_PROXY": proxy[0], "https_proxy": proxy[0],
            "http_proxy": proxy[0], "NO_PROXY": "", "no_proxy": ""}


def _repo(tmp_path: Path, policy: str = "") -> Path:
    return make_repo(tmp_path / "repo", {
        "requirements.txt": f"{INTERNAL}==1.0\nrequests==2.19.0\n",
        "gate.toml": "version = 1\n" + policy})


def _notes(report: Path) -> str:
    [run] = [r for r in load_json(report)["runs"] if r["scanner"] == "pip-audit"]
    return " ".join(run["notes"])


def _cached_copy(tmp_path: Path, env: dict[str, str]) -> Path:
    """``gate advisories update`` from a local zip: the cache folder holding the copy."""
    archive = tmp_path / "all.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        record = RECORDS["requests/PYSEC-9999-1.json"]
        out.writestr("PYSEC-9999-1.json", json.dumps({**record,
                                                     "modified": "2099-01-01T00:00:00Z"}))
    cache = tmp_path / "cache"
    updated = run_gate("advisories", "update", "--from", str(archive), "--cache-dir",
                       str(cache), cwd=tmp_path, env=env)
    assert updated.code == 0, updated.stderr
    return cache


@pytest.mark.parametrize("source", ["--advisory-db", "GATE_ADVISORY_DB", "cached copy"])
def test_no_name_leaves_with_local_advisory_data(
        tmp_path: Path, setup: dict[str, str], proxy: tuple[str, list[str]],
        source: str) -> None:
    repo = _repo(tmp_path)
    env = dict(setup)
    args = ["scan", ".", "--scanners", "pip-audit", "--no-cache", "--osv-url", DEAD_OSV,
            "--json", str(tmp_path / "out.json")]
    db = write_database(tmp_path / "db")
    if source == "--advisory-db":
        args += ["--advisory-db", str(db)]
    elif source == "GATE_ADVISORY_DB":
        env["GATE_ADVISORY_DB"] = str(db)
    else:
        args += ["--cache-dir", str(_cached_copy(tmp_path, env))]
    run = run_gate(*args, cwd=repo, env=env)
    assert run.code == 1, run.output  # requests 2.19.0 is vulnerable in the local data
    assert proxy[1] == []  # nothing asked anywhere
    assert "package-existence check skipped: the audit is offline" in _notes(
        tmp_path / "out.json")


def test_the_policy_can_ask_the_public_index(tmp_path: Path, setup: dict[str, str],
                                             proxy: tuple[str, list[str]]) -> None:
    """The control: the proxy does see a request when the policy asks (so the test above
    would see a leak); the stand-in refuses it, so no registry is asked."""
    repo = _repo(tmp_path, '[scanners.pip-audit]\nexistence_check = "on"\n')
    db = write_database(tmp_path / "db")
    run = run_gate("scan", ".", "--scanners", "pip-audit", "--no-cache", "--advisory-db",
                   str(db), "--json", str(tmp_path / "out.json"), cwd=repo, env=setup)
    assert run.code == 1, run.output
    assert proxy[1] and all(line == "CONNECT pypi.org:443" for line in proxy[1]), proxy[1]
    assert "package index unreachable" in _notes(tmp_path / "out.json")


def test_only_the_configured_index_is_asked(
        tmp_path: Path, setup: dict[str, str], proxy: tuple[str, list[str]],
        private_index: tuple[str, list[str]]) -> None:
    repo = _repo(tmp_path)
    db = write_database(tmp_path / "db")
    env = {**setup, "PIP_INDEX_URL": private_index[0] + "/simple/", "NO_PROXY": "127.0.0.1",
           "no_proxy": "127.0.0.1"}
    run = run_gate("scan", ".", "--scanners", "pip-audit", "--no-cache", "--advisory-db",
                   str(db), "--json", str(tmp_path / "out.json"), cwd=repo, env=env)
    assert run.code == 1, run.output
    assert proxy[1] == []
    assert sorted(private_index[1]) == [f"HEAD /simple/{INTERNAL}/", "HEAD /simple/requests/"]
    report = load_json(tmp_path / "out.json")
    unknown = [f for f in report["findings"] if f["rule_id"] == "gate/unaudited-dependency"]
    assert [(f["path"], f["start_line"]) for f in unknown] == [("requirements.txt", 1)]
    assert "existence of 2 package(s) checked on" in _notes(tmp_path / "out.json")
