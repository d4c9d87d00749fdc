"""The options every scanning verb shares (``scan``, ``baseline create``), declared once so
their names, environment variables and help stay the same."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Annotated

import typer

from gate.deps.advisory_store import store_dir
from gate.errors import UsageError
from gate.scanners import REGISTRY, accepting

PolicyFile = Annotated[Path | None, typer.Option(help="Policy file (default: discovered).")]
PolicyRef = Annotated[str | None, typer.Option(
    help="Read the policy (extends, waivers) from this git ref, e.g. the pull request's "
    "base, so a change cannot loosen its own gate.")]
OsvUrl = Annotated[str | None, typer.Option(
    envvar="GATE_OSV_URL", help="OSV-compatible advisory service URL.")]
AdvisoryDb = Annotated[Path | None, typer.Option(
    envvar="GATE_ADVISORY_DB",
    help="Offline OSV records (folder or zip) for the dependency audit.")]
CacheDir = Annotated[Path | None, typer.Option(
    help="Cache folder, outside the repository (default: the user's cache folder, "
    "$RUNNER_TEMP in CI); 'gate advisories update' keeps advisory data there.")]


def scanner_options(osv_url: str | None, advisory_db: Path | None,
                    cache_dir: Path | None = None) -> dict[str, dict[str, object]]:
    """``--osv-url``, ``--advisory-db`` and the advisory data under ``--cache-dir`` for the
    dependency audit."""
    options: dict[str, object] = {}
    if osv_url:
        options["osv_url"] = osv_url
    if advisory_db:
        if not advisory_db.exists():
            raise UsageError(f"--advisory-db: no such file or folder: {advisory_db}")
        options["advisory_db"] = str(advisory_db.resolve())
    if cache_dir is not None:
        options["advisory_store"] = str(store_dir(cache_dir.resolve()))
    out: dict[str, dict[str, object]] = {}
    for key, value in options.items():
        for name in accepting(key):
            out.setdefault(name, {})[key] = value
    return out


TODAY_ENV = "GATE_TODAY"


def active_overrides() -> tuple[str, ...]:
    """The environment settings that change what the gate decides, in words: a pinned date
    (``GATE_TODAY``) and every replaced scanner command (``GATE_<NAME>_COMMAND``)."""
    out: list[str] = []
    today = os.environ.get(TODAY_ENV, "").strip()
    if today:
        out.append(f"{TODAY_ENV}={today[:40]}: the policy is applied as of that date, not "
                   "today (waivers expire by it)")
    for name in REGISTRY:
        variable = "GATE_" + name.upper().replace("-", "_") + "_COMMAND"
        command = os.environ.get(variable, "").strip()
        if command:
            shown = command if len(command) <= 120 else command[:117] + "..."
            out.append(f"{variable}: the {name} scanner ran `{shown}`, not the installed tool")
    return tuple(out)


def pinned_today() -> dt.date | None:
    """The date from GATE_TODAY (tests pin the clock with it), else None (today in UTC)."""
    value = os.environ.get(TODAY_ENV, "").strip()
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{TODAY_ENV}: expected a date like 2026-11-27; got {value!r}"
                         ) from None
