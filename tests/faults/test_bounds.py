"""Every input bounded (issue 24, item 6): hostile advisory data, trees, SARIF and package
lists end in a clear refusal (exit 2 or 3, one line naming the input) within stated memory
and time, never in "internal error" or a run past the scanner's timeout.

Limits asserted here: the gate's own process stays under 400 MB resident for every hostile
input below, and a check bounded by ``timeout = 5`` ends within 5 s plus start-up.
"""

from __future__ import annotations

import json
import os
import random
import re
import threading
import time
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from gate.guards.bounded import walk
from tests.deps.conftest import RECORDS, write_database
from tests.faults.measure import Measured, run_measured
from tests.helpers import load_json, make_repo

PEAK_MB = 400  # the gate's process, Python and every import included (~90 MB idle)

# 308 bytes of YAML that expand to 9**7 (4.8 million) strings when aliases are followed.
ALIAS_BOMB = (
    'id: PYSEC-2026-1\n'
    'affected: []\n'
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n'
    'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n'
    'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n'
    'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n'
    'f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n'
    'g: [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n'
)


def _one_line_refusal(run: Measured, code: int, *words: str) -> None:
    """Exit ``code``, one ``gate: error:`` line holding ``words``, no internal error."""
    assert run.code == code, run.stdout + run.stderr
    errors = [line for line in run.stderr.splitlines() if line.startswith("gate: error:")]
    assert len(errors) == 1, run.stderr
    for word in words:
        assert word in errors[0], errors[0]
    assert "internal error" not in run.stderr and "Traceback" not in run.stderr
    assert run.peak_mb < PEAK_MB, f"{run.peak_mb:.0f} MB"


def _zip(path: Path, members: dict[str, bytes | str],
         method: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", method) as out:
        for name, data in members.items():
            out.writestr(name, data)
    return path


def test_a_yaml_alias_bomb_is_refused_by_advisories_update(tmp_path: Path) -> None:
    assert len(ALIAS_BOMB.encode()) <= 320
    bomb = _zip(tmp_path / "all.zip", {"PYSEC-2026-1.yaml": ALIAS_BOMB})
    run = run_measured("advisories", "update", "--from", str(bomb), "--cache-dir",
                       str(tmp_path / "cache"), cwd=tmp_path, timeout=120)
    _one_line_refusal(run, 3, "PYSEC-2026-1.yaml", "alias")
    assert not (tmp_path / "cache" / "advisories" / "PyPI" / "all.zip").exists()


def test_an_alias_bomb_in_a_records_folder_fails_the_scan_in_time(tmp_path: Path) -> None:
    db = write_database(tmp_path / "db", {"requests/PYSEC-9999-1.json":
                                          RECORDS["requests/PYSEC-9999-1.json"]})
    (db / "vulns" / "requests" / "PYSEC-2026-1.yaml").write_text(ALIAS_BOMB, encoding="utf-8")
    repo = make_repo(tmp_path / "repo", {"requirements.txt": "requests==2.19.0\n"})
    run = run_measured("scan", ".", "--scanners", "pip-audit", "--advisory-db", str(db),
                       "--no-cache", cwd=repo, timeout=120)
    assert run.code == 3, run.stdout + run.stderr
    assert "PYSEC-2026-1.yaml" in run.stdout and "alias" in run.stdout
    assert run.seconds < 60 and run.peak_mb < PEAK_MB


def _expanding_records(count: int, seed: int = 3) -> dict[str, str]:
    """Records that each unpack ~95 times their packed size (under the per-member limit of
    200) into tens of thousands of small objects: cheap to send, costly to build."""
    rnd = random.Random(seed)
    members = {}
    for number in range(count):
        noise = "".join(rnd.choice("abcdefgh") for _ in range(900))
        body = ",".join(["{}"] * 20_000)
        members[f"PYSEC-2026-{number}.json"] = (
            f'{{"id": "PYSEC-2026-{number}", "affected": [], "n": "{noise}", "x": [{body}]}}')
    return members


def test_an_expanding_advisory_zip_is_refused_small(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "all.zip", _expanding_records(500))
    assert archive.stat().st_size < 400_000  # the reported archive was 313 KB
    run = run_measured("advisories", "update", "--from", str(archive), "--cache-dir",
                       str(tmp_path / "cache"), cwd=tmp_path, timeout=120)
    _one_line_refusal(run, 3, "all.zip", "times its size", "refused")


def test_a_record_of_too_many_objects_is_refused(tmp_path: Path) -> None:
    body = ",".join(["{}"] * 60_000)
    one = {"PYSEC-2026-0.json": f'{{"id": "PYSEC-2026-0", "affected": [], "x": [{body}]}}'}
    stored = _zip(tmp_path / "a.zip", one, zipfile.ZIP_STORED)  # no ratio to catch it
    run = run_measured("advisories", "update", "--from", str(stored),
                       "--cache-dir", str(tmp_path / "cache"), cwd=tmp_path, timeout=120)
    _one_line_refusal(run, 3, "PYSEC-2026-0.json", "more than 50000 lists and objects")


@pytest.mark.parametrize("suffix", ["json", "yaml"])
def test_an_advisory_record_nested_5000_levels_is_refused(tmp_path: Path, suffix: str) -> None:
    deep = ('{"id": "PYSEC-2026-1", "affected": [], "x": ' + "[" * 5000 + "]" * 5000 + "}")
    archive = _zip(tmp_path / "all.zip", {f"PYSEC-2026-1.{suffix}": deep})
    run = run_measured("advisories", "update", "--from", str(archive), "--cache-dir",
                       str(tmp_path / "cache"), cwd=tmp_path, timeout=120)
    _one_line_refusal(run, 3, f"PYSEC-2026-1.{suffix}", "nested deeper than 200 levels")


@pytest.fixture
def deep_tree(tmp_path: Path) -> Iterator[Path]:
    """A folder for a deep tree, removed level by level afterwards (shutil.rmtree, and so
    pytest's own clean-up, recurse)."""
    tree = tmp_path / "tree"
    yield tree
    for folder, _, files in reversed(list(walk(str(tree)))):
        for name in files:
            os.unlink(os.path.join(folder, name))
        os.rmdir(folder)


def test_a_file_1400_folders_deep_is_scanned(tmp_path: Path, deep_tree: Path) -> None:
    tree = deep_tree  # not a git repository: the gate walks the folders itself
    folder = str(tree)
    tree.mkdir()
    for _ in range(1400):  # one level at a time: os.makedirs itself recurses
        folder += "/d"
        os.mkdir(folder)
    with open(folder + "/notes.txt", "w", encoding="utf-8") as handle:
        handle.write("Nothing to see \u202ehere.\n")
    (tree / "top.txt").write_text("plain\n", encoding="utf-8")
    run = run_measured("scan", ".", "--scanners", "bidi", "--no-cache", "--json",
                       str(tmp_path / "out.json"), cwd=tree, timeout=120)
    assert run.code == 1, run.stdout + run.stderr
    report = load_json(tmp_path / "out.json")
    paths = [f["path"] for f in report["findings"]]
    assert paths == ["d/" * 1400 + "notes.txt"]
    assert run.peak_mb < PEAK_MB


SARIF = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "other"}}, "results": [
    {"ruleId": "r1", "level": "error", "message": {"text": "bad"},
     "locations": [{"physicalLocation": {"artifactLocation": {"uri": "app.py"},
                                         "region": {"startLine": 1}}}]}]}]}


@pytest.mark.parametrize(("field", "value", "what"), [
    ("uri", "app.py\u0000.txt", "a NUL byte"),
    ("text", "critical \ud800 finding", "a lone surrogate"),
])
def test_nul_bytes_and_lone_surrogates_in_sarif_are_refused(
        tmp_path: Path, field: str, value: str, what: str) -> None:
    data = json.loads(json.dumps(SARIF))
    result = data["runs"][0]["results"][0]
    if field == "uri":
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] = value
        where = "runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri"
    else:
        result["message"]["text"] = value
        where = "runs[0].results[0].message.text"
    (tmp_path / "app.py").write_text("x = 1\n", encoding="utf-8")
    sarif = tmp_path / "in.sarif"
    sarif.write_text(json.dumps(data), encoding="utf-8")  # \u escapes: valid JSON text
    run = run_measured("evaluate", str(sarif), "--root", str(tmp_path), "--json",
                       str(tmp_path / "out.json"), cwd=tmp_path, timeout=60)
    _one_line_refusal(run, 2, where, what)


# -- the package-existence check ------------------------------------------------------------

class _SlowIndex(BaseHTTPRequestHandler):
    """A simple-API index that knows every name and answers each request in 50 ms."""

    protocol_version = "HTTP/1.1"
    delay = 0.05
    seen: ClassVar[list[str]] = []

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _answer(self, body: bool) -> None:
        time.sleep(self.delay)
        self.seen.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "application/vnd.pypi.simple.v1+json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        if body:
            self.wfile.write(b"{}")

    def do_HEAD(self) -> None:
        self._answer(False)

    def do_GET(self) -> None:
        self._answer(True)


def _index(delay: float) -> Iterator[tuple[str, list[str]]]:
    handler = type("Index", (_SlowIndex,), {"delay": delay, "seen": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/simple/", handler.seen
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def slow_index() -> Iterator[tuple[str, list[str]]]:
    yield from _index(0.05)


@pytest.fixture
def fast_index() -> Iterator[tuple[str, list[str]]]:
    yield from _index(0.0)


def _many_names(tmp_path: Path, index: str, timeout: int, count: int = 2000) -> Path:
    requirements = "".join(f"internal-pkg-{n}==1.0\n" for n in range(count))
    return make_repo(tmp_path / "repo", {
        "requirements.txt": requirements,
        "gate.toml": (f'version = 1\n[scanners.pip-audit]\ntimeout = {timeout}\n'
                      f'index_url = "{index}"\n')})


def test_the_existence_check_ends_by_the_scanners_timeout(
        tmp_path: Path, slow_index: tuple[str, list[str]]) -> None:
    index, seen = slow_index
    repo = _many_names(tmp_path, index, timeout=5)
    db = write_database(tmp_path / "db")
    run = run_measured("scan", ".", "--scanners", "pip-audit", "--no-cache", "--advisory-db",
                       str(db), "--json", str(tmp_path / "out.json"), cwd=repo, timeout=120,
                       env={"NO_PROXY": "127.0.0.1"})
    report = load_json(tmp_path / "out.json")
    [record] = [r for r in report["runs"] if r["scanner"] == "pip-audit"]
    notes = " ".join(record["notes"])
    # offline data: an index that cannot answer every name in time is a note, not a pass
    # of unknown packages and not a run past the timeout (2,000 names x 50 ms / 16 batches)
    assert re.search(r"\d+ of 2000 package\(s\) checked in 2\.\d+s, the part of the "
                     "scanner's timeout", notes), notes
    assert "package index unreachable" in notes
    assert 50 < len(seen) < 2000
    assert run.code == 0 and record["ok"], record
    assert run.seconds < 5 + 25, run.seconds  # start-up and the scan of 2,000 pins


def test_two_thousand_names_are_asked_in_batches(
        tmp_path: Path, fast_index: tuple[str, list[str]]) -> None:
    index, seen = fast_index
    repo = _many_names(tmp_path, index, timeout=60)
    db = write_database(tmp_path / "db")
    run = run_measured("scan", ".", "--scanners", "pip-audit", "--no-cache", "--advisory-db",
                       str(db), "--json", str(tmp_path / "out.json"), cwd=repo, timeout=120,
                       env={"NO_PROXY": "127.0.0.1"})
    assert run.code == 0, run.stdout + run.stderr
    [record] = [r for r in load_json(tmp_path / "out.json")["runs"]
                if r["scanner"] == "pip-audit"]
    assert any("existence of 2000 package(s) checked" in n for n in record["notes"])
    assert len(seen) == 2000
