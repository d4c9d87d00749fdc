"""``gate advisories update|status``: the local copy of OSV's PyPI advisory data."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

from gate.cli.scan_options import CacheDir, pinned_today
from gate.deps.advisory_store import DEFAULT_URL, read_status, store_dir, update

advisories_app = typer.Typer(no_args_is_help=True,
                             help="Download and inspect the local advisory data.")


def _today() -> dt.date:
    return pinned_today() or dt.datetime.now(dt.UTC).date()


@advisories_app.command("update")
def update_cmd(
    source: Annotated[str, typer.Option(
        "--from", help="OSV PyPI export (all.zip): an https URL, an http URL to loopback, "
        "or a local file.")] = DEFAULT_URL,
    cache_dir: CacheDir = None,
    timeout: Annotated[float, typer.Option(help="Download timeout in seconds.")] = 120.0,
) -> None:
    """Fetch OSV's PyPI records into the cache (checked whole, replaced atomically)."""
    info = update(source, store_dir(cache_dir), timeout=timeout)
    typer.echo(f"advisories updated: {info.records} records from {info.source}\n"
               f"{info.describe(_today())}\nstored in {info.path}")


@advisories_app.command("status")
def status_cmd(cache_dir: CacheDir = None) -> None:
    """Print the local advisory data's source, record count and age (exit 1 when absent)."""
    folder = store_dir(cache_dir)
    info = read_status(folder)
    if info is None:
        typer.echo(f"no local advisory data in {folder}: scans use the live OSV service; "
                   "run 'gate advisories update' to download it")
        raise typer.Exit(1)
    typer.echo(f"source: {info.source}\nrecords: {info.records}\n{info.describe(_today())}\n"
               f"stored in {info.path}")
