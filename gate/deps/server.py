"""A loopback OSV endpoint serving an AdvisoryDatabase to pip-audit (``POST /v1/query``) and
records by id (``GET /v1/vulns/ID``), as the live service does.

pip-audit 2.10.1's OSV service posts ``{"package": {"name", "ecosystem"}, "version"}`` to the
configured URL and reads ``{"vulns": [record, ...]}`` (or ``{}`` when nothing applies).
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from gate.deps.osv import AdvisoryDatabase
from gate.errors import AdvisoryDataError

QUERY_PATH = "/v1/query"
VULNS_PATH = "/v1/vulns/"


def _json_default(value: object) -> str:
    """YAML timestamps back to RFC 3339 (``...Z``), the form pip-audit parses."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.strftime(
            "%Y-%m-%dT%H:%M:%S.%fZ" if value.microsecond else "%Y-%m-%dT%H:%M:%SZ"
        )
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%dT00:00:00Z")
    return str(value)


_MAX_BODY = 1 << 20


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default stderr access log."""

    def _reply(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body, default=_json_default).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        """Answer ``GET /v1/vulns/ID`` with the record, or 404."""
        path = self.path.split("?")[0]
        found = None
        if path.startswith(VULNS_PATH):
            self.server.gets += 1
            try:
                found = self.server.database.by_id(path[len(VULNS_PATH):])
            except AdvisoryDataError as exc:
                self.server.errors.append(str(exc))
        if found is None:
            self._reply(404, {"message": "not found"})
        else:
            self._reply(200, found.record)

    def do_POST(self) -> None:
        """Answer one OSV ``query``."""
        if self.path.split("?")[0] != QUERY_PATH:
            self._reply(404, {"message": "not found"})
            return
        length = int(self.headers.get("Content-Length") or 0)
        try:
            query = json.loads(self.rfile.read(min(length, _MAX_BODY)))
            package = query["package"]
            name, ecosystem, version = package["name"], package["ecosystem"], query["version"]
        except (ValueError, KeyError, TypeError):
            self._reply(400, {"message": "expected {package: {name, ecosystem}, version}"})
            return
        if ecosystem != "PyPI":
            self._reply(200, {})
            return
        try:
            matches = self.server.database.query(str(name), str(version))
        except AdvisoryDataError as exc:
            self.server.errors.append(str(exc))
            self._reply(500, {"message": "advisory data error"})
            return
        self.server.queries += 1
        body = {"vulns": [a.record for a in matches]} if matches else {}
        self._reply(200, body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, database: AdvisoryDatabase) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.database = database
        self.errors: list[str] = []
        self.queries = 0
        self.gets = 0


class LoopbackOsv:
    """Context manager: a running loopback OSV server; ``url`` is its query endpoint."""

    def __init__(self, database: AdvisoryDatabase) -> None:
        self._server = _Server(database)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The ``--osv-url`` to hand to pip-audit."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}{QUERY_PATH}"

    @property
    def errors(self) -> list[str]:
        """Advisory data errors met while answering queries."""
        return self._server.errors

    @property
    def queries(self) -> int:
        """How many queries were answered."""
        return self._server.queries

    @property
    def gets(self) -> int:
        """How many records were asked for by id."""
        return self._server.gets

    def __enter__(self) -> LoopbackOsv:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
