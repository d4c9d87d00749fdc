"""The ``gate`` command line: verbs and flags only; the work lives in ``gate.app``."""

from __future__ import annotations

import os
import sys
import traceback
from dataclasses import replace
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from gate import __version__
from gate import app as gate_app
from gate.baseline import dumps as baseline_dumps
from gate.cli import outfiles, progress
from gate.cli import output as integrations
from gate.cli.advisories import advisories_app
from gate.cli.hook_args import FileNamesCommand, check_hook_paths
from gate.cli.report_options import (
    BaselineFile,
    Category,
    CodeQuality,
    GitlabSast,
    NewOnly,
    SarifIncludeWaived,
    Vex,
)
from gate.cli.scan_options import (
    AdvisoryDb,
    CacheDir,
    OsvUrl,
    PolicyFile,
    PolicyRef,
    active_overrides,
    pinned_today,
    scanner_options,
)
from gate.errors import (
    EXIT_INTERNAL,
    EXIT_SCANNER,
    GateError,
    UsageError,
    internal_error_message,
)
from gate.guards.scrub import scrub
from gate.policy.decision import Decision
from gate.policy.evaluate import blanket_rules, idle_path_classes
from gate.policy.load import load
from gate.policy.model import LEVEL_WORDS, Level, level_word, parse_level
from gate.report import comment, json_report
from gate.scanners import REGISTRY
from gate.shards import plan as shards
from gate.tree.discovery import find_root

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  context_settings={"help_option_names": ["-h", "--help"]},
                  help="A security gate: scanners in, one SARIF and a verdict out.")
policy_app = typer.Typer(no_args_is_help=True, help="Check and explain policies.")
app.add_typer(policy_app, name="policy")
baseline_app = typer.Typer(no_args_is_help=True, help="Record findings to gate on new ones only.")
app.add_typer(baseline_app, name="baseline")
app.add_typer(advisories_app, name="advisories")
# Tests pin the date with GATE_TODAY=YYYY-MM-DD (read here only, never deeper in the gate).
DEBUG_ENV = "GATE_DEBUG"
# Choices shown in --help (the values are checked by _level, console_format, parse_scanner_list).
LEVELS_METAVAR = "[" + "|".join(LEVEL_WORDS) + "]"
SCANNERS_METAVAR = "[" + "|".join(REGISTRY) + "],..."
FORMATS_METAVAR = "[" + "|".join(integrations.FORMATS) + "]"
OUT_HELP = " ('-': standard output)."
PR_COMMENT = typer.Option("--pr-comment", help="Write the pull-request comment's Markdown "
                          "here (post it with 'gate comment').")


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


@app.command(cls=FileNamesCommand)
def scan(
    ctx: typer.Context,
    paths: Annotated[list[Path] | None, typer.Argument(help="Files or folders (default .)")] = None,
    policy: Annotated[Path | None, typer.Option(help="Policy file (default: discovered).")] = None,
    sarif: Annotated[Path | None, typer.Option(help="Write SARIF 2.1.0 here" + OUT_HELP)
                     ] = None,
    json_out: Annotated[Path | None, typer.Option(
        "--json", help="Write the JSON report here" + OUT_HELP)] = None,
    junit: Annotated[Path | None, typer.Option(help="Write JUnit XML here" + OUT_HELP)] = None,
    html: Annotated[Path | None, typer.Option(
        help="Write the self-contained HTML report here" + OUT_HELP)] = None,
    scanners: Annotated[str | None, typer.Option(
        metavar=SCANNERS_METAVAR, help="Comma-separated scanners to run.")] = None,
    fail_on: Annotated[str | None, typer.Option(
        metavar=LEVELS_METAVAR, help="Override every fail level.")] = None,
    category: Category = "gate",
    osv_url: Annotated[str | None, typer.Option(
        envvar="GATE_OSV_URL", help="OSV-compatible advisory service URL.")] = None,
    advisory_db: Annotated[Path | None, typer.Option(
        envvar="GATE_ADVISORY_DB",
        help="Offline OSV records (folder or zip) for the dependency audit.")] = None,
    jobs: Annotated[int | None, typer.Option(
        help="Cores for the scanners, at most N at once (default: all).")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only the verdict and failures.")
                     ] = False,
    baseline: Annotated[Path | None, typer.Option(
        help="Baseline file: sets baselineState new/unchanged, lists absent entries.")] = None,
    new_only: NewOnly = False,
    sarif_include_waived: SarifIncludeWaived = False,
    output_format: Annotated[str | None, typer.Option(
        "--format", metavar=FORMATS_METAVAR, help="Console format (default: github when "
        "GITHUB_ACTIONS=true, else text).")] = None,
    changed_since: Annotated[str | None, typer.Option(
        help="Scan only files changed since merge-base(REF, HEAD), plus untracked files "
        "(a partial scan: SARIF category <category>-partial).")] = None,
    policy_ref: Annotated[str | None, typer.Option(
        help="Read the policy (extends, waivers) from this git ref, e.g. the pull request's "
        "base, so a change cannot loosen its own gate.")] = None,
    hook: Annotated[bool, typer.Option(
        "--hook", help="pre-commit mode: scan exactly the files given after `--` (a partial "
        "scan), short report.")] = False,
    cache_dir: Annotated[Path | None, typer.Option(
        envvar="GATE_CACHE_DIR",
        help="Result cache folder, outside the repository (default: the user's cache "
             "folder, $RUNNER_TEMP in CI).")] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Neither read nor write the "
                                           "result cache.")] = False,
    sbom: Annotated[Path | None, typer.Option(
        help="Write a CycloneDX 1.6 JSON SBOM of the audited dependencies here.")] = None,
    prune_cache: Annotated[bool, typer.Option(
        "--prune-cache", help="After a full scan, delete the cache entries it did not use.")
                           ] = False,
    shard: Annotated[str | None, typer.Option(
        help="Scan shard I of N (e.g. 2/3) and write its report with --json for "
             "'gate merge'; exits 0 once the report is written.")] = None,
    pr_comment: Annotated[Path | None, PR_COMMENT] = None,
    codequality: CodeQuality = None,
    gitlab_sast: GitlabSast = None,
    vex: Vex = None,
) -> None:
    """Scan PATHS, write reports, and exit 0 (pass), 1 (fail), 2 (usage) or 3 (scanner error).

    With --hook, the file names follow `--` (pre-commit appends them after the hook's args)."""
    if hook:
        check_hook_paths(ctx, len(paths or ()))
    integrations.stdout_report(sarif=sarif, json=json_out, junit=junit, html=html,
                               codequality=codequality, gitlab_sast=gitlab_sast, vex=vex)
    request = gate_app.ScanRequest(
        paths=tuple(paths or [Path(".")]),
        policy_file=policy,
        scanners=gate_app.parse_scanner_list(scanners, list(REGISTRY)) if scanners else (),
        fail_on=_level(fail_on) if fail_on else None,
        fail_on_set=fail_on is not None,
        category=_category(category),
        jobs=jobs,
        options=scanner_options(osv_url, advisory_db, cache_dir),
        today=pinned_today(),
        baseline_file=baseline,
        new_only=new_only,
        policy_ref=policy_ref,
        changed_since=changed_since,
        only_files=tuple(paths or ()) if hook else None,
        cache_dir=cache_dir,
        use_cache=not no_cache,
        what_if=html is not None,
        prune_cache=prune_cache,
        shard=shards.parse(shard) if shard is not None else None,
    )
    if jobs is not None and jobs < 1:
        raise UsageError("--jobs: expected a number of at least 1")
    fmt = integrations.console_format(output_format)
    display = progress.Progress(sys.stderr, progress.wanted(sys.stderr, quiet or hook))
    if request.shard is not None:
        _scan_shard(request, json_out, sarif is not None or vex is not None or hook
                    or changed_since is not None, display, quiet, fmt)
    with display:
        decision = gate_app.scan(request, on_done=display.done)
    if sbom:
        from gate.report import sbom as sbom_render

        _write(sbom, sbom_render.render(decision), _tree(request.paths[0]))
    _emit(decision, sarif, json_out, sarif_include_waived, fmt, quiet or hook,
          more=integrations.ReportFiles(junit, html, request.paths[0], codequality=codequality,
                                        gitlab_sast=gitlab_sast, vex=vex),
          pr_comment=pr_comment)


def _scan_shard(request: gate_app.ScanRequest, json_out: Path | None, conflicts: bool,
                display: progress.Progress, quiet: bool, fmt: str) -> NoReturn:
    """``scan --shard``: write the shard report; the verdict comes from ``gate merge``.

    In GitHub mode the job's summary and outputs describe the shard's part; annotations
    come from the merge job only."""
    if json_out is None or conflicts:
        raise UsageError("--shard writes a shard report: give --json FILE, and no --sarif, "
                         "--vex, --hook or --changed-since ('gate merge' writes the SARIF "
                         "and the VEX)")
    with display:
        decision, report = gate_app.scan_shard(request, on_done=display.done)
    decision = with_overrides(decision)
    _write(json_out, json_report.render(decision, extra={"shard": report}),
           _tree(request.paths[0]))
    if fmt == "github":
        integrations.github_files(decision, "", _append)
    typer.echo(integrations.console(decision, fmt, quiet=quiet, annotations=False), nl=False)
    label = request.shard.label if request.shard else ""
    typer.echo(f"shard {label}: report written to {json_out}; 'gate merge' of every "
               "shard's report gives the verdict")
    raise typer.Exit(0)


def _append(path: Path, content: str) -> None:
    try:
        with path.open("a", encoding="utf-8") as handle:
            handle.write(content)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror}") from None


@policy_app.command("check")
def policy_check(
    file: Annotated[Path | None, typer.Argument(help="Policy file (default: discovered).")] = None,
) -> None:
    """Validate a policy without scanning; exit 2 with file, line and key when it is invalid."""
    root = find_root([Path(".")])
    loaded = load(root, file)
    typer.echo(f"policy OK: {loaded.source} (fail_on = {level_word(loaded.fail_on)}, "
               f"report = {level_word(loaded.report)}, {len(loaded.waivers)} waiver(s), "
               f"{len(loaded.rules)} rule override(s))")
    for klass in loaded.paths:
        patterns = ", ".join(klass.patterns) or "no patterns (off)"
        typer.echo(f"  path class {klass.name}: {patterns}; {klass.describe()}")
    for warning in [*blanket_rules(loaded), *idle_path_classes(loaded)]:
        typer.echo(f"  warning: {warning}")


def _level(word: str) -> Level:
    word = word.strip().lower()
    if word not in LEVEL_WORDS:
        raise UsageError(f"--fail-on: expected one of {', '.join(LEVEL_WORDS)}; got {word!r}")
    return parse_level(word)


def _category(name: str) -> str:
    cleaned = name.strip().strip("/")
    if not cleaned or any(not (c.isalnum() or c in "-_./") for c in cleaned):
        raise UsageError("--category: use letters, digits, '-', '_', '.' and '/'")
    return cleaned


def _emit(decision: Decision, sarif: Path | None, json_out: Path | None, include_waived: bool,
          fmt: str, quiet: bool, more: integrations.ReportFiles | None = None,
          pr_comment: Path | None = None) -> NoReturn:
    """Write the requested files, print the console report and exit with the gate's code."""
    more = more or integrations.ReportFiles()
    decision = with_overrides(decision)
    tree = _tree(more.root)
    if sarif:
        decision = _write_sarif(sarif, decision, include_waived, tree)
    if json_out:
        _write(json_out, json_report.render(decision), tree)
    written = integrations.reports(
        decision, junit=more.junit, html=more.html, source=more.source,
        codequality=more.codequality, gitlab_sast=more.gitlab_sast, vex=more.vex,
        origins=lambda: gate_app.policy_origins(find_root([more.root]), decision))
    for path, content in written:
        _write(path, content, tree)
    if more.vex is not None and all(path != more.vex for path, _ in written):
        typer.echo(f"gate: no VEX document written to {more.vex}: no dependency advisory "
                   "to state", err=True)
    links = integrations.source_links()
    if pr_comment:
        _write(pr_comment, comment.body(decision, links), tree)
    if fmt == "github":
        integrations.github_files(decision, str(sarif or ""), _append, links)
    to_stderr = integrations.stdout_report(sarif=sarif, json=json_out, junit=more.junit,
                                           html=more.html, codequality=more.codequality,
                                           gitlab_sast=more.gitlab_sast, vex=more.vex)
    stream = sys.stderr if to_stderr else sys.stdout
    typer.echo(integrations.console(decision, fmt, quiet=quiet,
                                    color=integrations.colour(stream)), nl=False, err=to_stderr)
    raise typer.Exit(decision.exit_code)


def with_overrides(decision: Decision) -> Decision:
    """``decision`` naming this process's overrides too (after those its input recorded)."""
    return replace(decision, overrides=tuple(dict.fromkeys(
        (*decision.overrides, *active_overrides()))))


def _write_sarif(path: Path, decision: Decision, include_waived: bool,
                 tree: Path | None = None) -> Decision:
    """Write the SARIF; the Decision returned also says what GitHub's limits left out."""
    from gate.report import sarif as sarif_render

    data = sarif_render.to_dict(decision, include_waived=include_waived)
    _write(path, sarif_render.dumps(data), tree)
    return sarif_render.with_limit_notes(decision, data)


def _tree(path: Path) -> Path | None:
    """The scanned tree holding ``path`` (its git top level), where outputs follow no link."""
    try:
        return find_root([path])
    except GateError:
        return None


def _write(path: Path, content: str, tree: Path | None = None) -> None:
    """Write an output: ``-`` is standard output (fenced under GitHub Actions unless it is
    JSON, which holds no raw line break); a file is written without following links
    (``outfiles``), none inside ``tree`` (else the current folder)."""
    if integrations.is_stdout(path):
        typer.echo(integrations.stdout_text(content), nl=False)
        return
    outfiles.write_text(path, content, [tree if tree is not None else Path.cwd()])


def main(argv: list[str] | None = None) -> None:
    """Console entry point: every GateError exits with its own code and advice; any other
    exception is a bug in the gate (exit 3, traceback only with ``GATE_DEBUG=1``)."""
    try:
        app(args=argv, prog_name="gate")
    except GateError as exc:
        typer.echo(integrations.error_text(f"gate: error: {scrub(exc.diagnostics())}"),
                   err=True, nl=False)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # the one place an unexpected error is turned into exit 3
        if os.environ.get(DEBUG_ENV, "").strip() not in ("", "0"):
            traceback.print_exception(exc)
        typer.echo(internal_error_message(__version__, exc), err=True)
        sys.exit(EXIT_INTERNAL)



@baseline_app.command("create")
def baseline_create(
    paths: Annotated[list[Path] | None, typer.Argument(help="Files or folders (default .)")] = None,
    output: Annotated[Path, typer.Option("--output", "-o", help="Write the baseline here.")
                      ] = Path("gate-baseline.json"),
    policy: PolicyFile = None,
    scanners: Annotated[str | None, typer.Option(
        metavar=SCANNERS_METAVAR, help="Comma-separated scanners to run.")] = None,
    osv_url: OsvUrl = None,
    advisory_db: AdvisoryDb = None,
    cache_dir: CacheDir = None,
    policy_ref: PolicyRef = None,
) -> None:
    """Scan PATHS and record every finding in a baseline file (exit 3 if a scanner failed)."""
    request = gate_app.ScanRequest(
        paths=tuple(paths or [Path(".")]), policy_file=policy,
        scanners=gate_app.parse_scanner_list(scanners, list(REGISTRY)) if scanners else (),
        options=scanner_options(osv_url, advisory_db, cache_dir), policy_ref=policy_ref,
        cache_dir=cache_dir, today=pinned_today())
    recorded, decision = gate_app.create_baseline(request)
    failed = [r.scanner for r in decision.failed_runs]
    if failed:
        typer.echo(f"gate: error: baseline not written: scanner(s) {', '.join(failed)} failed "
                   f"(see 'gate scan')", err=True)
        raise typer.Exit(EXIT_SCANNER)
    _write(output, baseline_dumps(recorded), _tree(request.paths[0]))
    total = sum(e.count for e in recorded.entries)
    typer.echo(f"baseline written: {output} ({total} finding(s))")


@app.command("evaluate")
def evaluate_cmd(
    files: Annotated[list[Path], typer.Argument(
        help="SARIF files from any tool, or one JSON report written by --json.")],
    policy: Annotated[Path | None, typer.Option(help="Policy file (default: discovered).")] = None,
    root: Annotated[Path, typer.Option(help="Repository root the SARIF URIs are relative to.")
                    ] = Path("."),
    sarif: Annotated[Path | None, typer.Option(
        help="Write the merged SARIF 2.1.0 here" + OUT_HELP)] = None,
    json_out: Annotated[Path | None, typer.Option(
        "--json", help="Write the JSON report here" + OUT_HELP)] = None,
    junit: Annotated[Path | None, typer.Option(help="Write JUnit XML here" + OUT_HELP)] = None,
    html: Annotated[Path | None, typer.Option(
        help="Write the self-contained HTML report here" + OUT_HELP)] = None,
    fail_on: Annotated[str | None, typer.Option(
        metavar=LEVELS_METAVAR, help="Override every fail level.")] = None,
    category: Category = "gate",
    baseline: BaselineFile = None,
    new_only: NewOnly = False,
    sarif_include_waived: SarifIncludeWaived = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only the verdict and failures.")
                     ] = False,
    codequality: CodeQuality = None,
    gitlab_sast: GitlabSast = None,
    vex: Vex = None,
) -> None:
    """Apply the policy to SARIF files or one JSON report, without scanning; exit like scan."""
    integrations.stdout_report(sarif=sarif, json=json_out, junit=junit, html=html,
                               codequality=codequality, gitlab_sast=gitlab_sast, vex=vex)
    request = gate_app.ScanRequest(
        paths=(root,), policy_file=policy, fail_on=_level(fail_on) if fail_on else None,
        fail_on_set=fail_on is not None, category=_category(category), today=pinned_today(),
        baseline_file=baseline, new_only=new_only, what_if=html is not None)
    decision = gate_app.evaluate_files(files, request)
    _emit(decision, sarif, json_out, sarif_include_waived, integrations.console_format(None),
          quiet, more=integrations.ReportFiles(junit, html, root, ", ".join(map(str, files)),
                                               codequality=codequality,
                                               gitlab_sast=gitlab_sast, vex=vex))


@app.command("report")
def report_cmd(
    report: Annotated[Path, typer.Argument(help="A JSON report written by --json.")],
    output: Annotated[Path, typer.Option(
        "--output", "-o", help="Write the HTML report here ('-': standard output).")],
    policy: Annotated[Path | None, typer.Option(help="Policy file (default: discovered).")] = None,
    root: Annotated[Path, typer.Option(help="Repository root (where the policy is found).")
                    ] = Path("."),
) -> None:
    """Render a JSON report as one self-contained HTML file, its findings judged again by the
    policy (the same policy and date give the same verdict); exit 0 once written."""
    request = gate_app.ScanRequest(paths=(root,), policy_file=policy, today=pinned_today(),
                                   what_if=True)
    decision = with_overrides(gate_app.evaluate_report(report, request))
    for path, content in integrations.reports(
            decision, junit=None, html=output, source=str(report),
            origins=lambda: gate_app.policy_origins(find_root([root]), decision)):
        _write(path, content, _tree(root))
    if not integrations.is_stdout(output):
        typer.echo(f"HTML report written: {output} (verdict {decision.verdict.value})", err=True)


@policy_app.command("explain")
def policy_explain(
    sarif_file: Annotated[Path | None, typer.Argument(
        metavar="[SARIF|REPORT]",
        help="A SARIF or JSON report written by the gate: explain each failing finding.")
    ] = None,
    policy: Annotated[Path | None, typer.Option(help="Policy file (default: discovered).")] = None,
    root: Annotated[Path, typer.Option(help="Repository root.")] = Path("."),
    what_if: Annotated[bool, typer.Option(
        "--what-if", help="Also show what each fail_on level would fail (needs the file).")
    ] = False,
) -> None:
    """Print the effective policy (with where each value came from) and, given a SARIF or JSON
    report, which setting fails each finding, which waivers apply or expire soon, and with
    --what-if what each fail_on level would do."""
    if what_if and sarif_file is None:
        raise UsageError("--what-if needs a SARIF or JSON report written by the gate")
    from gate.policy import evaluate as policy_eval
    from gate.policy.provenance import origins
    from gate.report import explain
    today = None
    today = pinned_today() or policy_eval.today_utc()
    request = gate_app.ScanRequest(paths=(root,), policy_file=policy, today=today,
                                   what_if=what_if)
    repo = find_root([root])
    effective = gate_app.resolve_policy(repo, request)
    where = origins(effective.chain)
    out = explain.render_policy(effective, where, today)
    if sarif_file is not None:
        decision = gate_app.evaluate_files([sarif_file], request)
        out += "\n" + explain.render_decision(decision, where, today, str(sarif_file))
        if what_if:
            out += "\n" + explain.render_what_if(decision)
    typer.echo(out, nl=False)
