"""Does a project exist on the package index? Asked through the simple API (PEP 691 / PEP 503)."""

from __future__ import annotations

import base64
import netrc
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from gate.deps.osv import normalize
from gate.guards.scrub import scrub_error, without_userinfo

DEFAULT_INDEX = "https://pypi.org/simple/"
_ACCEPT = (
    "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, "
    "text/html;q=0.1"
)


class IndexUnreachable(Exception):
    """The index could not be asked (network error, server error)."""


@dataclass(frozen=True)
class Existence:
    """Which names the index knows, or why the check could not be made."""

    index_url: str
    exists: dict[str, bool]
    error: str | None = None


def configured_index(option: str | None) -> str:
    """The policy's ``index_url``, else ``PIP_INDEX_URL``, else pip's config files, else PyPI."""
    if option:
        return option
    env = os.environ.get("PIP_INDEX_URL", "").strip()
    if env:
        return env
    for config in _pip_config_files():
        value = _index_from_config(config)
        if value:
            return value
    return DEFAULT_INDEX


def _pip_config_files() -> list[Path]:
    """pip's user and site configuration files, most specific first (no pip subprocess)."""
    files = []
    explicit = os.environ.get("PIP_CONFIG_FILE")
    if explicit and explicit != os.devnull:
        files.append(Path(explicit))
    if os.environ.get("VIRTUAL_ENV"):
        files.append(Path(os.environ["VIRTUAL_ENV"]) / "pip.conf")
    config_home = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    files += [Path(config_home) / "pip" / "pip.conf", Path.home() / ".pip" / "pip.conf"]
    files.append(Path("/etc/pip.conf"))
    return files


def _index_from_config(path: Path) -> str | None:
    import configparser

    parser = configparser.ConfigParser()
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, OSError, UnicodeDecodeError):
        return None
    for section in ("install", "global"):
        if parser.has_option(section, "index-url"):
            return parser.get(section, "index-url").strip() or None
    return None


def project_url(index_url: str, name: str) -> str:
    """The simple-API page of ``name`` on ``index_url``."""
    return index_url.rstrip("/") + "/" + urllib.parse.quote(normalize(name)) + "/"


def display_url(index_url: str) -> str:
    """The index URL as it may be shown: without ``user:password@``."""
    return without_userinfo(index_url)[0]


def _authorization(index_url: str) -> dict[str, str]:
    """HTTP basic auth from the URL's userinfo, else from ``~/.netrc`` for its host."""
    _, user, password = without_userinfo(index_url)
    if user is None:
        host = urllib.parse.urlsplit(index_url).hostname or ""
        try:
            found = netrc.netrc().authenticators(host) if host else None
        except (OSError, netrc.NetrcParseError):
            found = None
        if not found:
            return {}
        user, _, password = found
    token = base64.b64encode(f"{user}:{password or ''}".encode()).decode("ascii")
    return {"Authorization": f"Basic {token}"}


def _exists(index_url: str, name: str, timeout: float) -> bool:
    shown = display_url(index_url)
    url = project_url(shown, name)
    if url.startswith("file:"):
        folder = Path(urllib.request.url2pathname(urllib.parse.urlparse(url).path))
        root = folder.parent
        if not root.is_dir():
            raise IndexUnreachable(f"index folder {root} does not exist")
        return folder.is_dir() or folder.with_suffix(".html").is_file()
    if not url.startswith(("http://", "https://")):
        raise IndexUnreachable(f"unsupported index URL scheme: {shown}")
    headers = {"Accept": _ACCEPT, **_authorization(index_url)}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310  # nosec B310 - scheme checked above
            response.read(1)
            return True
    except urllib.error.HTTPError as exc:
        if exc.code in (404, 410):
            return False
        raise IndexUnreachable(f"{url}: HTTP {exc.code}") from exc
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = scrub_error(str(getattr(exc, "reason", exc)))
        raise IndexUnreachable(f"{shown}: {reason}") from exc


def check_existence(index_url: str, names: Iterable[str], timeout: float = 5.0) -> Existence:
    """Ask the index about every name (a few in parallel); stop at the first network error."""
    wanted = sorted({normalize(n) for n in names})
    if not wanted:
        return Existence(index_url, {})
    try:
        first = _exists(index_url, wanted[0], timeout)
    except IndexUnreachable as exc:
        return Existence(index_url, {}, str(exc))
    result = {wanted[0]: first}
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            answers = list(pool.map(lambda n: _exists(index_url, n, timeout), wanted[1:]))
    except IndexUnreachable as exc:
        return Existence(index_url, {}, str(exc))
    result.update(zip(wanted[1:], answers, strict=True))
    return Existence(index_url, result)
