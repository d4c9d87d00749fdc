"""A loopback stand-in for the part of GitHub's REST API the pull-request comment uses.

Serves ``GET /repos/{repo}/issues/{n}/comments`` (paged, with ``Link: rel="next"``),
``POST`` to the same path and ``PATCH /repos/{repo}/issues/comments/{id}``, on 127.0.0.1.
It records every request (method, path, Authorization header) and can answer writes with an
error status instead.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

BOT = "github-actions[bot]"
_LIST = re.compile(r"^/repos/([^/]+/[^/]+)/issues/(\d+)/comments$")
_ONE = re.compile(r"^/repos/([^/]+/[^/]+)/issues/comments/(\d+)$")


@dataclass
class FakeGitHub:
    """The stand-in's state: comments by id, the requests seen, an optional write failure."""

    url: str = ""
    comments: dict[int, dict[str, Any]] = field(default_factory=dict)
    requests: list[tuple[str, str, str]] = field(default_factory=list)
    fail_writes: int | None = None  # answer POST/PATCH with this status
    fail_headers: dict[str, str] = field(default_factory=dict)  # ... and these headers
    next_id: int = 1000

    def add(self, login: str, body: str) -> int:
        """A comment already on the pull request."""
        self.next_id += 1
        self.comments[self.next_id] = {"id": self.next_id, "user": {"login": login},
                                       "body": body}
        return self.next_id

    def writes(self) -> list[tuple[str, str]]:
        """(method, path) of every POST and PATCH."""
        return [(m, p) for m, p, _ in self.requests if m in ("POST", "PATCH")]


@contextmanager
def serve() -> Iterator[FakeGitHub]:
    """Run the stand-in on a free loopback port for the duration of the block."""
    state = FakeGitHub()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def _send(self, status: int, data: Any, headers: dict[str, str] | None = None) -> None:
            raw = json.dumps(data).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(raw)

        def _record(self) -> str:
            path = urlsplit(self.path).path
            state.requests.append((self.command, self.path, self.headers.get("Authorization",
                                                                             "")))
            return path

        def _body(self) -> dict[str, Any]:
            length = int(self.headers.get("Content-Length", "0"))
            data: dict[str, Any] = json.loads(self.rfile.read(length) or b"{}")
            return data

        def do_GET(self) -> None:
            path = self._record()
            if not _LIST.match(path):
                self._send(404, {"message": "Not Found"})
                return
            query = parse_qs(urlsplit(self.path).query)
            per_page = int(query.get("per_page", ["30"])[0])
            page = int(query.get("page", ["1"])[0])
            items = [state.comments[key] for key in sorted(state.comments)]
            chunk = items[(page - 1) * per_page: page * per_page]
            headers = {}
            if page * per_page < len(items):
                headers["Link"] = (f'<{state.url}{path}?per_page={per_page}&page={page + 1}>; '
                                   'rel="next"')
            self._send(200, chunk, headers)

        def do_POST(self) -> None:
            path = self._record()
            if state.fail_writes:
                self._send(state.fail_writes, {"message": "Resource not accessible by "
                                                          "integration"}, state.fail_headers)
                return
            if not _LIST.match(path):
                self._send(404, {"message": "Not Found"})
                return
            ident = state.add(BOT, self._body()["body"])
            self._send(201, state.comments[ident])

        def do_PATCH(self) -> None:
            path = self._record()
            match = _ONE.match(path)
            if state.fail_writes:
                self._send(state.fail_writes, {"message": "Forbidden"})
                return
            if not match or int(match[2]) not in state.comments:
                self._send(404, {"message": "Not Found"})
                return
            state.comments[int(match[2])]["body"] = self._body()["body"]
            self._send(200, state.comments[int(match[2])])

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
