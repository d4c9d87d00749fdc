"""``gate advisories update|status``: the local copy of OSV's PyPI advisory data."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from gate import app as gate_app
from gate.cli.scan_options import AdvisoryDb, CacheDir, OsvUrl, PolicyFile, pinned_today
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
def status_cmd(
    cache_dir: CacheDir = None,
    policy: PolicyFile = None,
    root: Annotated[Path, typer.Option(help="Repository root (where the policy is found).")
                    ] = Path("."),
    advisory_db: AdvisoryDb = None,
    osv_url: OsvUrl = None,
) -> None:
    """Print the local advisory data's source, record count and age, and each until_fixed
    waiver of the policy whose advisory now has a fixed version.

    Exit 1 when such a fix has appeared (upgrade, then remove the waiver: the next scan
    judges the finding without it), 0 when none has; without until_fixed waivers, exit 1
    when there is no local copy; 3 when the advisory data cannot be read or reached."""
    folder = store_dir(cache_dir)
    info = read_status(folder)
    loaded, waivers = gate_app.until_fixed_waivers(root, policy)
    if info is None and not waivers:
        typer.echo(f"no local advisory data in {folder}: scans use the live OSV service; "
                   "run 'gate advisories update' to download it")
        raise typer.Exit(1)
    today = _today()
    if info is not None:
        typer.echo(f"source: {info.source}\nrecords: {info.records}\n{info.describe(today)}\n"
                   f"stored in {info.path}")
    if not waivers:
        return
    found = gate_app.awaited_fixes(loaded, waivers, store=folder, advisory_db=advisory_db,
                                   osv_url=osv_url, today=today)
    typer.echo(f"until_fixed waivers: {len(waivers)}, {len(found.fixed)} fixed "
               f"({found.data})")
    for waiver, state in found.waivers:
        word = "fixed" if state.fixed else "waiting"
        then = (": upgrade, then remove the waiver (a scan ends it once a fix lies above "
                "the pin)") if state.fixed else ""
        typer.echo(f"  {word:<8}{waiver.label}: {state.describe()} (expires "
                   f"{waiver.expires.isoformat()}){then}")
    if found.fixed:
        raise typer.Exit(1)
