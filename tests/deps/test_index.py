"""Which index the existence check asks, and what the simple API answers (file:// and HTTP)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from gate.deps.index import (
    DEFAULT_INDEX,
    _pip_config_files,
    check_existence,
    configured_index,
    project_url,
)
from tests.deps.conftest import FIXTURES

FILE_INDEX = (FIXTURES / "index").resolve().as_uri() + "/"


@pytest.fixture
def clean_pip_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No pip settings from this machine: HOME, XDG and VIRTUAL_ENV under tmp_path."""
    for name in ("PIP_INDEX_URL", "PIP_CONFIG_FILE", "VIRTUAL_ENV", "XDG_CONFIG_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return tmp_path


def pip_conf(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_the_policy_option_wins_then_pip_index_url(clean_pip_env: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIP_INDEX_URL", " https://mirror.invalid/simple/ ")
    assert configured_index("https://policy.invalid/simple/") == "https://policy.invalid/simple/"
    assert configured_index(None) == "https://mirror.invalid/simple/"


def test_pip_config_files_most_specific_first(clean_pip_env: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    home = clean_pip_env / "home"
    explicit = pip_conf(clean_pip_env / "explicit.conf", "[global]\n")
    monkeypatch.setenv("PIP_CONFIG_FILE", str(explicit))
    monkeypatch.setenv("VIRTUAL_ENV", str(clean_pip_env / "venv"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(clean_pip_env / "xdg"))
    assert _pip_config_files() == [
        explicit, clean_pip_env / "venv" / "pip.conf", clean_pip_env / "xdg" / "pip" / "pip.conf",
        home / ".pip" / "pip.conf", Path("/etc/pip.conf")]
    monkeypatch.setenv("PIP_CONFIG_FILE", "/dev/null")  # pip's way to read no file
    assert Path("/dev/null") not in _pip_config_files()


def test_index_url_from_pip_config(clean_pip_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    venv = clean_pip_env / "venv"
    monkeypatch.setenv("VIRTUAL_ENV", str(venv))
    pip_conf(clean_pip_env / "home" / ".config" / "pip" / "pip.conf",
             "[global]\nindex-url = https://user.invalid/simple/\n")
    assert configured_index(None) == "https://user.invalid/simple/"
    pip_conf(venv / "pip.conf", "[global]\nindex-url = https://site.invalid/simple/\n"
             "[install]\nindex-url = https://install.invalid/simple/\n")
    assert configured_index(None) == "https://install.invalid/simple/"  # [install] first
    explicit = pip_conf(clean_pip_env / "broken.conf", "index-url without a section\n")
    monkeypatch.setenv("PIP_CONFIG_FILE", str(explicit))  # unreadable: the next file counts
    assert configured_index(None) == "https://install.invalid/simple/"


def test_default_is_pypi_when_nothing_names_an_index(clean_pip_env: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIP_CONFIG_FILE", str(pip_conf(clean_pip_env / "p.conf", "[global]\n")))
    system = Path("/etc/pip.conf")  # outside the test's reach
    if system.is_file() and "index-url" in system.read_text(encoding="utf-8", errors="replace"):
        pytest.skip("this machine's /etc/pip.conf names an index")
    assert configured_index(None) == DEFAULT_INDEX


def test_project_urls_use_normalised_names() -> None:
    assert project_url("https://pypi.org/simple", "Foo_Bar.baz") == (
        "https://pypi.org/simple/foo-bar-baz/")
    assert project_url(FILE_INDEX, "PyYAML").endswith("/index/pyyaml/")


def test_file_index() -> None:
    found = check_existence(FILE_INDEX, ["requests", "PyYAML", "internal-tool", "requests"])
    assert found.error is None
    assert found.exists == {"internal-tool": False, "pyyaml": True, "requests": True}
    missing = check_existence((FIXTURES / "no-such-index").as_uri() + "/", ["requests"])
    assert missing.exists == {} and "does not exist" in (missing.error or "")
    assert check_existence(FILE_INDEX, []).exists == {}


def test_unsupported_scheme() -> None:
    found = check_existence("ftp://index.invalid/simple/", ["requests"])
    assert found.error == "unsupported index URL scheme: ftp://index.invalid/simple/"


class _Index(BaseHTTPRequestHandler):
    """A simple-API index: knows requests and flask, fails for 'broken'."""

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        name = self.path.strip("/").split("/")[-1]
        status = {"requests": 200, "flask": 200, "gone": 410, "broken": 503}.get(name, 404)
        self.send_response(status)
        self.send_header("Content-Type", "application/vnd.pypi.simple.v1+json")
        self.end_headers()
        self.wfile.write(b'{"meta": {"api-version": "1.0"}, "files": []}')


@pytest.fixture
def http_index() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Index)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/simple/"
    server.shutdown()
    server.server_close()


def test_http_index(http_index: str) -> None:
    found = check_existence(http_index, ["requests", "Flask", "internal-tool", "gone"])
    assert found.error is None
    assert found.exists == {"flask": True, "gone": False, "internal-tool": False,
                            "requests": True}


def test_http_index_errors_stop_the_check(http_index: str) -> None:
    found = check_existence(http_index, ["requests", "broken"])
    assert found.exists == {} and found.error is not None and "HTTP 503" in found.error
    first = check_existence(http_index, ["broken"])
    assert "HTTP 503" in (first.error or "")
    closed = check_existence("http://127.0.0.1:9/simple/", ["requests"], timeout=2)
    assert closed.exists == {} and closed.error and closed.error.startswith(
        "http://127.0.0.1:9/simple/:")
