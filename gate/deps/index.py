"""Does a project exist on the package index? Asked through the simple API (PEP 691 / PEP 503).

The names are split into a few batches asked concurrently, each over one kept-alive
connection (``HEAD``, ``GET`` when the index refuses it), and the whole check ends by a
deadline: the scanner's timeout, however many names there are.
"""

from __future__ import annotations

import base64
import http.client
import netrc
import os
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Sequence
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

from gate.deps.osv import normalize
from gate.guards.scrub import scrub_error, without_userinfo

DEFAULT_INDEX = "https://pypi.org/simple/"
BATCHES = 16  # connections at once
_REDIRECTS = (301, 302, 303, 307, 308)
_MAX_PAGE = 16 * 1024 * 1024  # a project page read past this is not read on
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
    return user_index(option) or DEFAULT_INDEX


def user_index(option: str | None) -> str | None:
    """The index the user named (the policy's ``index_url``, ``PIP_INDEX_URL`` or pip's
    config files); None when nothing names one (the public index would be asked)."""
    if option:
        return option
    env = os.environ.get("PIP_INDEX_URL", "").strip()
    if env:
        return env
    for config in _pip_config_files():
        value = _index_from_config(config)
        if value:
            return value
    return None


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


def check_existence(index_url: str, names: Iterable[str], timeout: float = 5.0,
                    budget: float | None = None) -> Existence:
    """Ask the index about every name: the first alone (an unreachable index fails fast),
    the rest in ``BATCHES`` concurrent batches; stop at the first network error, and when
    ``budget`` seconds (default: ``timeout``) have passed."""
    wanted = sorted({normalize(n) for n in names})
    if not wanted:
        return Existence(index_url, {})
    limit = budget if budget is not None else timeout
    deadline = time.monotonic() + limit
    stop = threading.Event()
    batches = [wanted[i::BATCHES] for i in range(BATCHES) if wanted[i::BATCHES]]
    result: dict[str, bool] = {}
    try:
        result.update(_ask(index_url, wanted[:1], timeout, deadline, stop))
        rest = [b for b in ([n for n in batch if n != wanted[0]] for batch in batches) if b]
        with ThreadPoolExecutor(max_workers=BATCHES) as pool:
            futures = [pool.submit(_ask, index_url, b, timeout, deadline, stop) for b in rest]
            done, _ = wait(futures, timeout=max(deadline - time.monotonic(), 0) + 1,
                           return_when=FIRST_EXCEPTION)
            stop.set()  # the others finish the name they ask and return
            for future in done:
                result.update(future.result())
    except IndexUnreachable as exc:
        stop.set()
        return Existence(index_url, {}, str(exc))
    if len(result) < len(wanted):
        return Existence(index_url, {}, (
            f"{display_url(index_url)}: {len(result)} of {len(wanted)} package(s) checked "
            f"in {limit:.3g}s, the part of the scanner's timeout the check may use"))
    return Existence(index_url, result)


def _ask(index_url: str, names: Sequence[str], timeout: float, deadline: float,
         stop: threading.Event) -> dict[str, bool]:
    """One batch: ``names`` asked in turn over one kept-alive connection (file:// and other
    URLs one by one); IndexUnreachable on the first error or when ``deadline`` passes."""
    shown = display_url(index_url)
    parts = urllib.parse.urlsplit(shown)
    out: dict[str, bool] = {}
    if parts.scheme not in ("http", "https") or not parts.hostname:
        for name in names:
            out[name] = _exists(index_url, name, timeout)
        return out
    connection, absolute = _connect(parts, timeout)
    headers = {"Accept": _ACCEPT, "User-Agent": "secops-gate", **_authorization(index_url)}
    method = "HEAD"
    try:
        for name in names:
            left = deadline - time.monotonic()
            if stop.is_set() or left <= 0:
                break
            connection.timeout = min(timeout, left)
            if connection.sock is not None:
                connection.sock.settimeout(connection.timeout)
            path = project_url(shown, name)
            path = path if absolute else urllib.parse.urlsplit(path).path
            try:
                status = _status(connection, method, path, headers, shown)
            except IndexUnreachable:
                if time.monotonic() >= deadline - 0.05:
                    break  # cut off by the deadline, not an unreachable index
                raise
            if status in (405, 501) and method == "HEAD":
                method = "GET"
                status = _status(connection, method, path, headers, shown)
            if status == 200:
                out[name] = True
            elif status in (404, 410):
                out[name] = False
            elif status in _REDIRECTS:
                out[name] = _exists(index_url, name, min(timeout, max(left, 0.1)))
            else:
                raise IndexUnreachable(f"{project_url(shown, name)}: HTTP {status}")
    finally:
        connection.close()
    return out


def _connect(parts: urllib.parse.SplitResult, timeout: float
             ) -> tuple[http.client.HTTPConnection, bool]:
    """A connection to the index, through the proxy the environment names for it (as
    urllib would use: ``https_proxy``, ``http_proxy``, ``no_proxy``); True when requests
    must name the absolute URL (plain http through a proxy)."""
    host, port = parts.hostname or "", parts.port
    https = parts.scheme == "https"
    proxy = urllib.request.getproxies().get(parts.scheme)
    if proxy and not urllib.request.proxy_bypass(host):
        via = urllib.parse.urlsplit(proxy if "://" in proxy else "http://" + proxy)
        if https:
            tunnel = http.client.HTTPSConnection(via.hostname or "", via.port or 80,
                                                 timeout=timeout)
            tunnel.set_tunnel(host, port or 443)
            return tunnel, False
        return http.client.HTTPConnection(via.hostname or "", via.port or 80,
                                          timeout=timeout), True
    if https:
        return http.client.HTTPSConnection(host, port, timeout=timeout), False
    return http.client.HTTPConnection(host, port, timeout=timeout), False


def _status(connection: http.client.HTTPConnection, method: str, path: str,
            headers: dict[str, str], shown: str) -> int:
    """The status of one request; a dropped kept-alive connection is opened again once."""
    for attempt in (1, 2):
        try:
            connection.request(method, path, headers=headers)
            response = connection.getresponse()
            read = 0
            while chunk := response.read(1 << 16):  # drained, so the connection is reused
                read += len(chunk)
                if read > _MAX_PAGE:
                    connection.close()
                    break
            return response.status
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as exc:
            connection.close()
            if attempt == 2:
                raise IndexUnreachable(f"{shown}: {scrub_error(str(exc))}") from exc
        except (http.client.HTTPException, OSError, ValueError) as exc:
            connection.close()
            raise IndexUnreachable(f"{shown}: {scrub_error(str(exc))}") from exc
    raise AssertionError("unreachable")  # pragma: no cover
