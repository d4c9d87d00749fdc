"""The local copy of OSV's PyPI export (``all.zip``) in the user cache: downloaded atomically
with size and decompression limits, checked whole before it replaces the old copy, and
described by its newest ``modified`` date (the data's age) and the download time.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import os
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from gate.cache.location import default_dir
from gate.deps.osv import Advisory, AdvisoryDatabase
from gate.errors import AdvisoryDataError, UsageError
from gate.guards.scrub import scrub_error, without_userinfo

DEFAULT_URL = "https://osv-vulnerabilities.storage.googleapis.com/PyPI/all.zip"
MAX_DOWNLOAD_BYTES = 512 * 1024 * 1024  # the PyPI export is ~30 MB packed
ZIP_NAME = "all.zip"
META_NAME = "meta.json"
_CHUNK = 1 << 16


@dataclass(frozen=True)
class StoreInfo:
    """What the local copy holds: where it came from, how many records, how old."""

    path: Path
    source: str
    records: int
    newest_modified: dt.datetime | None
    downloaded: dt.datetime

    def age_days(self, today: dt.date) -> int | None:
        """Days between the newest record's ``modified`` date and ``today``."""
        if self.newest_modified is None:
            return None
        return max(0, (today - self.newest_modified.date()).days)

    def describe(self, today: dt.date) -> str:
        """``advisory data from 2026-11-30, 1 day old (downloaded 2026-12-01 09:12 UTC)``."""
        when = self.downloaded.strftime("%Y-%m-%d %H:%M UTC")
        if self.newest_modified is None:
            return f"advisory data of unknown date (downloaded {when})"
        days = self.age_days(today)
        return (f"advisory data from {self.newest_modified.date().isoformat()}, {days} "
                f"day{'' if days == 1 else 's'} old (downloaded {when})")

    def to_json(self) -> dict[str, Any]:
        """The metadata file's content."""
        return {"source": self.source, "records": self.records,
                "newest_modified": (self.newest_modified.isoformat()
                                    if self.newest_modified else None),
                "downloaded": self.downloaded.isoformat(), "zip_bytes": self.path.stat().st_size}


def store_dir(cache_dir: Path | None = None) -> Path:
    """Where the PyPI advisory data lives: ``<cache>/advisories/PyPI``."""
    return (cache_dir if cache_dir is not None else default_dir()) / "advisories" / "PyPI"


def records_dir(store: Path | None = None) -> Path:
    """Where OSV records read by id from the live service are kept a day: beside the
    advisory store ``store`` (``store_dir``'s folder), ``<cache>/osv-records``."""
    return (store.parent.parent if store is not None else default_dir()) / "osv-records"


def parse_time(value: object) -> dt.datetime | None:
    """An OSV timestamp (RFC 3339 text, or a YAML datetime/date) as an aware datetime."""
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    if isinstance(value, str) and value:
        try:
            parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
    return None


def newest_modified(advisories: Iterable[Advisory]) -> dt.datetime | None:
    """The newest ``modified`` among ``advisories``."""
    times = [t for t in (parse_time(a.record.get("modified")) for a in advisories) if t]
    return max(times) if times else None


def read_status(folder: Path) -> StoreInfo | None:
    """The local copy's description, or None when there is none (or it is incomplete)."""
    try:
        meta = json.loads((folder / META_NAME).read_text(encoding="utf-8"))
        path = folder / ZIP_NAME
        if path.stat().st_size != meta.get("zip_bytes"):
            return None
        downloaded = parse_time(meta.get("downloaded"))
        if downloaded is None:
            return None
        return StoreInfo(path, str(meta.get("source", "")), int(meta.get("records", 0)),
                         parse_time(meta.get("newest_modified")), downloaded)
    except (OSError, ValueError, TypeError, AttributeError):
        return None


def check_source(source: str) -> str:
    """``source`` when it may be fetched: https anywhere, http to loopback only, or an existing
    local file (returned resolved); UsageError otherwise."""
    parts = urllib.parse.urlsplit(source)
    if parts.scheme == "https" and parts.hostname:
        return source
    if parts.scheme == "http":
        if not _loopback(parts.hostname or ""):
            raise UsageError(f"--from {without_userinfo(source)[0]}: plain http is accepted "
                             "only to loopback (127.0.0.1, ::1, localhost); use https")
        return source
    if parts.scheme in ("", "file"):
        path = Path(parts.path if parts.scheme == "file" else source)
        if not path.is_file():
            raise UsageError(f"--from {source}: no such file")
        return str(path.resolve())
    raise UsageError(f"--from {without_userinfo(source)[0]}: expected an https URL, an http "
                     "URL to loopback or a local file")


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only to a URL ``--from`` itself would accept."""

    def redirect_request(self, req: urllib.request.Request, fp: IO[bytes], code: int, msg: str,
                         headers: Any, newurl: str) -> urllib.request.Request | None:
        check_source(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _download(url: str, target: IO[bytes], timeout: float) -> None:
    opener = urllib.request.build_opener(_CheckedRedirects())
    request = urllib.request.Request(url, headers={"User-Agent": "secops-gate"})  # noqa: S310
    try:
        with opener.open(request, timeout=timeout) as response:
            total = 0
            while chunk := response.read(_CHUNK):
                total += len(chunk)
                if total > MAX_DOWNLOAD_BYTES:
                    raise AdvisoryDataError(f"advisory download from {without_userinfo(url)[0]} "
                                            f"is larger than {MAX_DOWNLOAD_BYTES >> 20} MB; "
                                            "refused")
                target.write(chunk)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise AdvisoryDataError(
            f"cannot download advisory data from {without_userinfo(url)[0]}: "
            f"{scrub_error(str(getattr(exc, 'reason', exc)))}",
            hint="check the network, or download all.zip elsewhere and pass --from FILE"
        ) from None


def update(source: str, folder: Path, *, timeout: float = 60.0,
           now: dt.datetime | None = None) -> StoreInfo:
    """Fetch ``source`` (checked with check_source), verify every record, and replace the
    local copy in ``folder`` atomically; the new copy's StoreInfo."""
    checked = check_source(source)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=".all.", suffix=".zip.part", dir=folder)
    except OSError as exc:
        raise AdvisoryDataError(f"cannot write the advisory data folder {folder}: "
                                f"{exc.strerror}") from None
    partial = Path(name)
    try:
        with os.fdopen(handle, "wb") as out:
            if "://" in checked:
                _download(checked, out, timeout)
            else:
                with open(checked, "rb") as local:
                    _copy(local, out)
        try:  # every record parsed, zip limits applied; errors name the source, not the copy
            database = AdvisoryDatabase(partial)
        except AdvisoryDataError as exc:
            raise AdvisoryDataError(str(exc).replace(str(partial), without_userinfo(source)[0])
                                    ) from None
        records = database.all_advisories()
        if not records:
            raise AdvisoryDataError(f"{without_userinfo(source)[0]} holds no OSV records")
        os.replace(partial, folder / ZIP_NAME)
        info = StoreInfo(folder / ZIP_NAME, without_userinfo(source)[0], len(records),
                         newest_modified(records), now or dt.datetime.now(dt.UTC))
        _write_atomic(folder / META_NAME, json.dumps(info.to_json(), indent=2) + "\n")
        return info
    finally:
        partial.unlink(missing_ok=True)


def _copy(source: IO[bytes], target: IO[bytes]) -> None:
    total = 0
    while chunk := source.read(_CHUNK):
        total += len(chunk)
        if total > MAX_DOWNLOAD_BYTES:
            raise AdvisoryDataError(f"advisory file is larger than {MAX_DOWNLOAD_BYTES >> 20} "
                                    "MB; refused")
        target.write(chunk)


def _write_atomic(path: Path, text: str) -> None:
    handle, name = tempfile.mkstemp(prefix=".meta.", dir=path.parent)
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(text)
    os.replace(name, path)
