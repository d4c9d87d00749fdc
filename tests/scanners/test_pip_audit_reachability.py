"""Reachability end to end: the gate with the real pip-audit on OSV records this test writes,
served over loopback, and a file:// index written here (no registry is asked)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.deps.conftest import write_database
from tests.helpers import load_json, make_repo, run_gate

PINS = {"flask": "1.0", "pyyaml": "5.3", "jinja2": "2.10", "gunicorn": "19.9.0",
        "requests": "2.19.0"}

UV_LOCK = """version = 1
requires-python = ">=3.11"

[[package]]
name = "app"
version = "0.1.0"
source = { virtual = "." }
dependencies = [
    { name = "flask" },
    { name = "gunicorn" },
    { name = "pyyaml" },
    { name = "requests" },
]

[[package]]
name = "flask"
version = "1.0"
source = { registry = "https://pypi.org/simple" }
dependencies = [{ name = "jinja2" }]

[[package]]
name = "gunicorn"
version = "19.9.0"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "jinja2"
version = "2.10"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "pyyaml"
version = "5.3"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "requests"
version = "2.19.0"
source = { registry = "https://pypi.org/simple" }
"""

MAIN = """import flask
import yaml
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # a type only: never runs
    import requests

app = flask.Flask(__name__)
"""


def _record(number: int, package: str, version: str) -> dict[str, object]:
    return {"id": f"PYSEC-9999-{number}", "summary": f"{package} is vulnerable",
            "affected": [{"package": {"name": package, "ecosystem": "PyPI"},
                          "versions": [version]}]}


@pytest.fixture
def world(tmp_path: Path) -> tuple[Path, Path]:
    """The advisory data and the index: one advisory per pin; every pin on the index."""
    records = {f"{name}/PYSEC-9999-{n}.json": _record(n, name, version)
               for n, (name, version) in enumerate(PINS.items(), 20)}
    db = write_database(tmp_path / "osv-db", records)
    index = tmp_path / "index"
    for name in PINS:
        (index / name).mkdir(parents=True)
        (index / name / "index.html").write_text(
            f'<!DOCTYPE html>\n<html><body><a href="../../files/{name}-1.0.tar.gz">'
            f"{name}-1.0.tar.gz</a></body></html>\n", encoding="utf-8")
    (index / "index.html").write_text(
        "<!DOCTYPE html>\n<html><body>\n" + "".join(f'<a href="{n}/">{n}</a>\n' for n in PINS)
        + "</body></html>\n", encoding="utf-8")
    return db, index


def _repo(tmp_path: Path, index: Path, *, lock: bool = True, main: str = MAIN) -> Path:
    files = {
        "gate.toml": f'version = 1\n[scanners.pip-audit]\nindex_url = "{index.as_uri()}/"\n'
                     'offline_engine = "pip-audit"\n',
        "requirements.txt": "".join(f"{n}=={v}\n" for n, v in PINS.items()),
        "pyproject.toml": '[project]\nname = "app"\nversion = "0.1.0"\n',
        "app/__init__.py": "",
        "app/main.py": main,
        "tests/test_main.py": "import requests\n",  # the tests class does not count
        "Dockerfile": 'FROM python:3.12-slim\nCOPY . /srv\nCMD ["gunicorn", "app.main:app"]\n',
    }
    if lock:
        files["uv.lock"] = UV_LOCK
    return make_repo(tmp_path, files)


def _scan(repo: Path, db: Path, out: Path) -> tuple[int, str, dict[str, Any]]:
    result = run_gate("scan", ".", "--scanners", "pip-audit", "--advisory-db", str(db),
                      "--no-cache", "--json", str(out / "r.json"), "--sarif",
                      str(out / "r.sarif"), "--html", str(out / "r.html"), cwd=repo)
    assert result.code in (0, 1), result.stderr + result.stdout
    return result.code, result.stdout, load_json(out / "r.json")


def _answers(report: dict[str, Any]) -> dict[str, tuple[str, str | None, str]]:
    """package -> (reachability, where, disposition) of its findings in requirements.txt."""
    out: dict[str, tuple[str, str | None, str]] = {}
    for f in report["findings"]:
        if f["path"] == "requirements.txt":
            out[f["package"]] = (f["reachability"], f["reachable_at"], f["disposition"])
    return out


EXPECTED = {
    "flask": ("imported", "app/main.py:1", "fail"),
    "pyyaml": ("imported", "app/main.py:2", "fail"),
    "jinja2": ("imported (via flask)", "app/main.py:1", "fail"),
    "gunicorn": ("imported", "Dockerfile:3", "fail"),
    "requests": ("not-imported", None, "warn"),
}


@pytest.mark.slow  # three gate runs, each running pip-audit (about 6 s in all)
def test_the_target_application(tmp_path: Path, world: tuple[Path, Path]) -> None:
    db, index = world
    repo = _repo(tmp_path / "app", index)
    code, stdout, report = _scan(repo, db, tmp_path / "out")
    assert code == 1
    assert _answers(report) == EXPECTED
    # the lock file's own entries carry the same answers
    at_lock = {f["package"]: f["reachability"] for f in report["findings"]
               if f["path"] == "uv.lock"}
    assert at_lock == {name: answer[0] for name, answer in EXPECTED.items()}
    requests = next(f for f in report["findings"] if f["package"] == "requests")
    assert requests["reason"].endswith(
        'but not-imported: capped at warn by [scanners.pip-audit] not_imported = "warn"')
    assert "reachability: not-imported" in requests["message"]
    assert "pip-audit: gunicorn 19.9.0 [imported] (requirements.txt:4)" in stdout
    assert "pip-audit: jinja2 2.10 [imported (via flask)] (requirements.txt:3)" in stdout
    sarif = load_json(tmp_path / "out" / "r.sarif")
    results = sarif["runs"][0]["results"]
    props = {(r["properties"]["gate/package"], r["locations"][0]["physicalLocation"][
        "artifactLocation"]["uri"]): r for r in results}
    pyyaml = props[("pyyaml", "requirements.txt")]
    assert pyyaml["properties"]["reachability"] == "imported"
    assert pyyaml["properties"]["gate/reachable-at"] == "app/main.py:2"
    assert "reachability: imported at app/main.py:2" in pyyaml["message"]["text"]
    html = (tmp_path / "out" / "r.html").read_text(encoding="utf-8")
    assert '<div class="note">requests <b>not-imported</b></div>' in html
    assert '<div class="note">jinja2 <b>imported (via flask)</b></div>' in html

    # without the lock file no graph is known: what nothing imports is unknown, and fails
    without = _repo(tmp_path / "nolock", index, lock=False)
    code, _, report = _scan(without, db, tmp_path / "out2")
    assert code == 1
    answers = _answers(report)
    assert answers["requests"] == ("unknown", None, "fail")
    assert answers["jinja2"] == ("unknown", None, "fail")  # the graph came from the lock
    assert {k: v for k, v in answers.items() if k not in ("requests", "jinja2")} == {
        k: v for k, v in EXPECTED.items() if k not in ("requests", "jinja2")}

    # one import less flips exactly that finding
    flipped = _repo(tmp_path / "flipped", index, main=MAIN.replace("import yaml\n", ""))
    code, _, report = _scan(flipped, db, tmp_path / "out3")
    assert code == 1
    assert _answers(report) == {**EXPECTED, "pyyaml": ("not-imported", None, "warn")}


def test_the_policy_can_fail_what_is_not_imported(tmp_path: Path,
                                                  world: tuple[Path, Path]) -> None:
    db, index = world
    repo = _repo(tmp_path / "app", index)
    policy = repo / "gate.toml"
    policy.write_text(policy.read_text(encoding="utf-8") + 'not_imported = "fail"\n',
                      encoding="utf-8")
    _, _, report = _scan(repo, db, tmp_path / "out")
    assert _answers(report)["requests"] == ("not-imported", None, "fail")


def test_a_bad_not_imported_value_is_a_policy_error(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "app", {
        "gate.toml": 'version = 1\n[scanners.pip-audit]\nnot_imported = "ignore"\n',
        "requirements.txt": "flask==1.0\n"})
    result = run_gate("scan", ".", "--scanners", "pip-audit", cwd=repo)
    assert result.code == 2, result.stdout + result.stderr
    text = result.stdout + result.stderr
    assert "not_imported" in text and "fail" in text and "warn" in text


def test_a_partial_scan_never_says_not_imported(tmp_path: Path,
                                                world: tuple[Path, Path]) -> None:
    """--changed-since sees the edited manifests, not the code that imports them."""
    db, index = world
    repo = _repo(tmp_path / "app", index)
    for name in ("requirements.txt", "uv.lock"):
        with (repo / name).open("a", encoding="utf-8") as handle:
            handle.write("# touched\n")
    result = run_gate("scan", ".", "--scanners", "pip-audit", "--advisory-db", str(db),
                      "--no-cache", "--changed-since", "HEAD", "--json",
                      str(tmp_path / "r.json"), cwd=repo)
    assert result.code == 1, result.stderr + result.stdout
    answers = _answers(load_json(tmp_path / "r.json"))
    assert answers["requests"] == ("unknown", None, "fail")
    assert answers["gunicorn"] == ("unknown", None, "fail")  # the Dockerfile is not in scope
    assert answers["jinja2"] == ("unknown", None, "fail")
