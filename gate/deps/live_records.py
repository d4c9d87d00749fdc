"""OSV records fetched by id from the live service (``GET /v1/vulns/{id}``), kept a day in the
user cache: the live query answers carry no severity, the records of a vulnerability's ids
and aliases do.
"""

from __future__ import annotations

import json
import os
import re
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from gate.deps.osv import MAX_RECORD_CONTAINERS, Advisory
from gate.guards.bounded import loads_json
from gate.guards.scrub import scrub_error

DEFAULT_BASE = "https://api.osv.dev/v1"
MAX_AGE_SECONDS = 24 * 3600
MAX_RECORD_BYTES = 4 * 1024 * 1024
_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_FETCHED_PREFIXES = ("PYSEC-", "GHSA-", "MAL-")  # PyPI records; CVE ids are not fetched


def base_url(query_url: str | None) -> str:
    """The API base for ``--osv-url`` (``…/v1/query`` → ``…/v1``)."""
    if not query_url:
        return DEFAULT_BASE
    return query_url.rstrip("/").removesuffix("/query")


class LiveRecords:
    """Fetch-and-cache of OSV records by id; failures give no record, never an error."""

    def __init__(self, query_url: str | None, cache: Path, timeout: float) -> None:
        self.base = base_url(query_url)
        self.cache = cache
        self.timeout = timeout
        self.fetched = 0
        self.failed = 0

    def records(self, ids: Iterable[str]) -> dict[str, Advisory]:
        """The records for those of ``ids`` the service has (PYSEC, GHSA and MAL ids)."""
        wanted = sorted({i for i in ids if i.startswith(_FETCHED_PREFIXES) and _SAFE_ID.match(i)})
        with ThreadPoolExecutor(max_workers=8) as pool:
            found = list(pool.map(self._one, wanted))
        return {vid: Advisory(vid, record, f"{self.base}/vulns/{vid}")
                for vid, record in zip(wanted, found, strict=True) if record is not None}

    def _one(self, vid: str) -> dict[str, Any] | None:
        path = self.cache / f"{vid}.json"
        try:
            if time.time() - path.stat().st_mtime < MAX_AGE_SECONDS:
                return _record(path.read_bytes())
        except (OSError, ValueError):
            pass
        request = urllib.request.Request(f"{self.base}/vulns/{vid}",  # noqa: S310
                                         headers={"User-Agent": "secops-gate"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                data = response.read(MAX_RECORD_BYTES + 1)
            if len(data) > MAX_RECORD_BYTES:
                raise ValueError("record too large")
            record = _record(data)
        except (urllib.error.URLError, OSError, ValueError):
            self.failed += 1
            return None
        self.fetched += 1
        try:
            self.cache.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(f".{os.getpid()}.part")
            partial.write_bytes(json.dumps(record).encode("utf-8"))
            partial.replace(path)
        except OSError:
            pass
        return record


def _record(data: bytes) -> dict[str, Any]:
    record = loads_json(data.decode("utf-8"), max_containers=MAX_RECORD_CONTAINERS)
    if not isinstance(record, dict) or not isinstance(record.get("id"), str):
        raise ValueError("not an OSV record")
    return record


def unreachable(query_url: str | None, timeout: float) -> str | None:
    """Why the OSV service behind ``query_url`` cannot be reached, or None when it answers
    (any HTTP status counts as an answer)."""
    url = f"{base_url(query_url)}/query"
    if not url.startswith(("http://", "https://")):
        return f"unsupported advisory service URL scheme: {url.split(':', 1)[0]}"
    try:
        with urllib.request.urlopen(url, timeout=timeout):  # noqa: S310  # nosec B310 - http(s) only
            return None
    except urllib.error.HTTPError:
        return None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return scrub_error(str(getattr(exc, "reason", exc)))
