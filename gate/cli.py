"""The ``gate`` command line: verbs and flags only; the work lives in ``gate.app``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from gate import __version__
from gate import app as gate_app
from gate.discovery import DiscoveryError, find_root
from gate.policy.errors import PolicyError
from gate.policy.evaluate import EXIT_USAGE
from gate.policy.load import load
from gate.policy.model import LEVEL_WORDS, Level, level_word, parse_level
from gate.report import json_report, progress, text
from gate.scanners import REGISTRY

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="A security gate: scanners in, one SARIF and a verdict out.")
policy_app = typer.Typer(no_args_is_help=True, help="Check and explain policies.")
app.add_typer(policy_app, name="policy")


def _usage_error(message: str) -> typer.Exit:
    typer.echo(f"gate: error: {message}", err=True)
    return typer.Exit(EXIT_USAGE)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"secops-gate {__version__}")
        raise typer.Exit(0)


@app.callback()
def main_options(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """secops-gate: run code, dependency and config scanners and apply a policy."""


@app.command()
def scan(
    paths: Annotated[list[Path] | None, typer.Argument(help="Files or folders (default .)")] = None,
    policy: Annotated[Path | None, typer.Option(help="Policy file (default: discovered).")] = None,
    sarif: Annotated[Path | None, typer.Option(help="Write SARIF 2.1.0 here.")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the JSON report here.")
                        ] = None,
    scanners: Annotated[str | None, typer.Option(
        help=f"Comma-separated scanners to run ({', '.join(REGISTRY)}).")] = None,
    fail_on: Annotated[str | None, typer.Option(
        help=f"Override every fail level: {', '.join(LEVEL_WORDS)}.")] = None,
    category: Annotated[str, typer.Option(help="SARIF category prefix.")] = "gate",
    osv_url: Annotated[str | None, typer.Option(help="OSV-compatible advisory service URL.")
                       ] = None,
    advisory_db: Annotated[Path | None, typer.Option(
        help="Offline OSV records (folder or zip) for the dependency audit.")] = None,
    jobs: Annotated[int | None, typer.Option(help="Scanners run at once (default: CPUs).")
                    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only the verdict and failures.")
                     ] = False,
    cache_dir: Annotated[Path | None, typer.Option(
        help="Result cache folder, outside the repository (default: the user's cache "
             "folder, $RUNNER_TEMP in CI).")] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Neither read nor write the "
                                           "result cache.")] = False,
) -> None:
    """Scan PATHS, write reports, and exit 0 (pass), 1 (fail), 2 (usage) or 3 (scanner error)."""
    try:
        request = gate_app.ScanRequest(
            paths=tuple(paths or [Path(".")]),
            policy_file=policy,
            scanners=gate_app.parse_scanner_list(scanners, list(REGISTRY)) if scanners else (),
            fail_on=_level(fail_on) if fail_on else None,
            fail_on_set=fail_on is not None,
            category=_category(category),
            jobs=jobs,
            options=_scanner_options(osv_url, advisory_db),
            cache_dir=cache_dir,
            use_cache=not no_cache,
        )
        if jobs is not None and jobs < 1:
            raise ValueError("--jobs: expected a number of at least 1")
        display = progress.Progress(sys.stderr, progress.wanted(sys.stderr, quiet))
        with display:
            decision = gate_app.scan(request, on_done=display.done)
    except (PolicyError, DiscoveryError, ValueError) as exc:
        raise _usage_error(str(exc)) from None
    from gate import sarif as sarif_render

    if sarif:
        _write(sarif, sarif_render.render(decision))
    if json_out:
        _write(json_out, json_report.render(decision))
    typer.echo(text.render(decision, quiet=quiet), nl=False)
    raise typer.Exit(decision.exit_code)


@policy_app.command("check")
def policy_check(
    file: Annotated[Path | None, typer.Argument(help="Policy file (default: discovered).")] = None,
) -> None:
    """Validate a policy without scanning; exit 2 with file, line and key when it is invalid."""
    try:
        root = find_root([Path(".")])
        loaded = load(root, file)
    except (PolicyError, DiscoveryError) as exc:
        raise _usage_error(str(exc)) from None
    typer.echo(f"policy OK: {loaded.source} (fail_on = {level_word(loaded.fail_on)}, "
               f"report = {level_word(loaded.report)}, {len(loaded.waivers)} waiver(s), "
               f"{len(loaded.rules)} rule override(s))")


def _level(word: str) -> Level:
    word = word.strip().lower()
    if word not in LEVEL_WORDS:
        raise ValueError(f"--fail-on: expected one of {', '.join(LEVEL_WORDS)}; got {word!r}")
    return parse_level(word)


def _category(name: str) -> str:
    cleaned = name.strip().strip("/")
    if not cleaned or any(not (c.isalnum() or c in "-_./") for c in cleaned):
        raise ValueError("--category: use letters, digits, '-', '_', '.' and '/'")
    return cleaned


def _scanner_options(osv_url: str | None, advisory_db: Path | None
                     ) -> dict[str, dict[str, object]]:
    options: dict[str, object] = {}
    if osv_url:
        options["osv_url"] = osv_url
    if advisory_db:
        if not advisory_db.exists():
            raise ValueError(f"--advisory-db: no such file or folder: {advisory_db}")
        options["advisory_db"] = str(advisory_db.resolve())
    return {"pip-audit": options} if options else {}


def _write(path: Path, content: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    except OSError as exc:
        typer.echo(f"gate: error: cannot write {path}: {exc.strerror}", err=True)
        raise typer.Exit(EXIT_USAGE) from None


def main() -> None:
    """Console entry point."""
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
