"""The scan use case: load policy, discover, scan, evaluate. No output I/O here."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from gate import __version__, suppressions
from gate.baseline import Baseline
from gate.baseline import create as baseline_create
from gate.cache.store import open_cache
from gate.deps import fixes, manifests
from gate.deps.advisory_store import read_status, records_dir
from gate.deps.fixes import FixState
from gate.deps.live_records import LiveRecords, unreachable
from gate.deps.osv import AdvisoryDatabase
from gate.errors import AdvisoryDataError, UsageError
from gate.findings import Finding
from gate.guards.bounded import loads_json
from gate.guards.redact import scrub_finding
from gate.ingest import baseline_import, report_import, sarif_import
from gate.policy import evaluate as policy_eval
from gate.policy import from_ref as ref_policy
from gate.policy.decision import Decision
from gate.policy.load import load
from gate.policy.model import Level, Policy, Waiver
from gate.policy.provenance import origins
from gate.policy.what_if import class_effects, what_if
from gate.runs import ScannerRun
from gate.scan.reclass import judged_as_code
from gate.scan.run import ScanOutcome, coverage, plan, run_scanners
from gate.scanners import REGISTRY, accepting
from gate.scanners.interface import ScanContext
from gate.shards import plan as shards
from gate.shards import report as shard_report
from gate.tree import git, scope
from gate.tree.discovery import Targets, discover, find_root
from gate.tree.git import RefSource


@dataclass(frozen=True)
class ScanRequest:
    """What the user asked for on the command line."""

    paths: tuple[Path, ...] = (Path("."),)
    policy_file: Path | None = None
    scanners: tuple[str, ...] = ()
    fail_on: Level | None = None
    fail_on_set: bool = False
    category: str = "gate"
    jobs: int | None = None
    options: dict[str, dict[str, object]] = field(default_factory=dict)
    today: dt.date | None = None
    baseline_file: Path | None = None
    new_only: bool = False
    include_waived: bool = False
    policy_ref: str | None = None
    changed_since: str | None = None
    only_files: tuple[Path, ...] | None = None
    cache_dir: Path | None = None
    use_cache: bool = True
    what_if: bool = False  # also evaluate every fail_on level (the HTML report, --what-if)
    prune_cache: bool = False
    shard: shards.Shard | None = None


def resolve_policy(root: Path, request: ScanRequest,
                   from_ref: ref_policy.RefPolicy | None = None) -> Policy:
    """The effective policy for the request (``--fail-on`` applied)."""
    policy = from_ref.policy if from_ref else load(root, request.policy_file)
    if request.fail_on_set:
        policy = policy.with_fail_on(request.fail_on)
    return policy


@dataclass(frozen=True)
class Scanned:
    """A scan before any policy verdict: where, under which policy, what ran, what it found."""

    request: ScanRequest
    root: Path
    from_ref: ref_policy.RefPolicy | None
    policy: Policy
    targets: Targets
    partial: bool
    work: dict[str, list[str]]  # what this run scanned (a shard: its part of the plan)
    outcome: ScanOutcome
    cached: bool


def scan(request: ScanRequest, *, with_baseline: bool = True,
         baseline_reader: Callable[[Path], str] | None = None,
         on_done: Callable[[ScannerRun], None] | None = None) -> Decision:
    """Run the whole gate for ``request`` and return the Decision.

    Raises PolicyError, DiscoveryError, BaselineError, CacheError or ValueError for
    configuration problems (exit 2). ``baseline_reader`` reads the baseline (a git ref under
    --policy-ref); ``on_done`` is called as each scanner finishes (progress display).
    """
    scanned = run_scan(request, on_done)
    return decide(scanned, with_baseline=with_baseline, baseline_reader=baseline_reader)


def run_scan(request: ScanRequest, on_done: Callable[[ScannerRun], None] | None = None
             ) -> Scanned:
    """Load the policy, discover, plan (``request.shard``'s part of it) and run the scanners;
    with ``request.prune_cache`` a full scan then deletes the cache entries it did not use."""
    root = find_root(list(request.paths))
    from_ref = (ref_policy.policy_from_ref(root, request.policy_file, request.policy_ref)
                if request.policy_ref else None)
    policy = resolve_policy(root, request, from_ref)
    cache = open_cache(request.cache_dir, root) if request.use_cache else None
    targets, partial = narrow(root, request, policy)
    work = plan(policy, targets, request.scanners or None)
    if request.shard is not None:
        work = shards.restrict(work, targets.root, request.shard)
    with tempfile.TemporaryDirectory(prefix="gate-base-") as base_copy:
        options = (data_from_ref(root, from_ref.ref, policy, request.options, Path(base_copy))
                   if from_ref is not None else request.options)
        outcome = run_scanners(policy, targets, work, options, request.jobs, on_done,
                               cache, history_base(root, request),
                               hook=request.only_files is not None,
                               partial=partial or any(Path(p).resolve() != root.resolve()
                                                      for p in request.paths))
    if cache is not None and request.prune_cache and not partial:
        cache.prune()
    return Scanned(request, root, from_ref, policy, targets, partial, work, outcome,
                   cache is not None)


def decide(scanned: Scanned, *, with_baseline: bool = True,
           baseline_reader: Callable[[Path], str] | None = None) -> Decision:
    """Apply inline suppressions, the baseline and the policy to a scan's outcome."""
    request, root, policy, outcome = (scanned.request, scanned.root, scanned.policy,
                                      scanned.outcome)
    from_ref, partial = scanned.from_ref, scanned.partial or request.shard is not None
    category = f"{request.category}-partial" if partial else request.category
    suppression_notes: list[str] = []
    findings = suppressions.apply(outcome.findings, root=root, notes=suppression_notes)
    if baseline_reader is None and from_ref is not None:
        baseline_reader = gitref_reader(root, from_ref.ref)
    baseline = load_baseline(root, request, policy, baseline_reader) if with_baseline else None
    notes: tuple[str, ...] = tuple(suppression_notes)
    if with_baseline and baseline is None and request.new_only:
        raise UsageError("--new-only needs --baseline FILE (or 'baseline' in the policy)")
    if with_baseline and baseline is None and policy.new_only:
        notes += ("new_only is set but no baseline was given (--baseline FILE or policy "
                 "'baseline'): every finding counts as new",)
    ctx = policy_eval.Context(today=request.today or policy_eval.today_utc(),
                              category=category, partial=partial,
                              files_scanned=outcome.files,
                              skipped=outcome.skipped, links=outcome.links,
                              coverage=outcome.coverage,
                              changed=changed_files(root, request, policy),
                              as_code=judged_as_code(root, _every_file(scanned), policy),
                              baseline=baseline, new_only=request.new_only, notes=notes,
                              scope={name: frozenset(files) for name, files in
                                     scanned.work.items()})
    decision = judge(request, policy, findings, outcome.runs, ctx)
    if request.shard is not None:
        mine = sorted({f for files in scanned.work.values() for f in files})
        decision = replace(decision, scanned=tuple(mine))
    decision = replace(decision, cache_used=scanned.cached)
    return with_scope(decision, scanned.targets if scanned.partial else None, from_ref)


def _without(targets: Targets, root: Path, reports: Sequence[Path]) -> Targets:
    """The targets without the shard reports being merged (downloaded into the checkout,
    they are no file the shards scanned)."""
    own = set()
    for report in reports:
        try:
            own.add(Path(os.path.abspath(report)).relative_to(root.resolve()).as_posix())
        except ValueError:
            continue
    return replace(targets, files=tuple(f for f in targets.files if f not in own))


def data_from_ref(root: Path, ref: str, policy: Policy,
                  options: dict[str, dict[str, object]], folder: Path
                  ) -> dict[str, dict[str, object]]:
    """Scanner options where a data path the policy names inside the tree (pip-audit's
    ``advisory_db``) points at a copy of it as committed at ``ref``, written in ``folder``:
    under ``--policy-ref`` the change under review cannot replace the advisory records.
    A path given on the command line, or outside the tree, is used as it is."""
    out = {name: dict(values) for name, values in options.items()}
    for name in REGISTRY:
        value = policy.scanner(name).options.get("advisory_db")
        if not value or "advisory_db" in out.get(name, {}):
            continue
        given = Path(os.path.abspath(str(value)))
        try:
            given.relative_to(root.resolve())
        except ValueError:
            continue
        copy = git.export_from_ref(root, ref, given, folder / name)
        out.setdefault(name, {})["advisory_db"] = str(
            copy if copy is not None else folder / name / "missing-at-base")
    return out


def _every_file(scanned: Scanned) -> tuple[str, ...]:
    """Every file of the tree (a partial scan's importers are outside its files)."""
    if not scanned.partial:
        return scanned.targets.files
    policy = scanned.policy
    return discover(scanned.root, [scanned.root], policy.exclude, policy.submodules).files


def scan_shard(request: ScanRequest, on_done: Callable[[ScannerRun], None] | None = None
               ) -> tuple[Decision, dict[str, Any]]:
    """``gate scan --shard I/N``: the shard's own (partial) Decision and the ``shard`` object
    its JSON report carries for ``gate merge``."""
    if request.shard is None:
        raise UsageError("scan_shard needs a shard")
    scanned = run_scan(request, on_done)
    paths = sorted({_relative(scanned.root, p) for p in request.paths})
    common = {**_identity(scanned.root, scanned.policy, scanned.targets.files),
              "scanner_versions": {name: REGISTRY[name].tool_version() for name in REGISTRY},
              "scanners": list(request.scanners), "paths": paths,
              "files_total": scanned.outcome.files}
    shard = shard_report.build(request.shard, common, scanned.outcome, scanned.work)
    return decide(scanned), {**shard, "cache": scanned.cached}


def merge(reports: Sequence[Path], request: ScanRequest) -> Decision:
    """``gate merge``: the Decision one full scan would have given, from every shard's report.

    ShardError (exit 3) unless shards 1..N are all there once and agree with each other and
    with this checkout, policy and gate version; UsageError for a file that is no report.
    """
    root = find_root(list(request.paths))
    from_ref = (ref_policy.policy_from_ref(root, request.policy_file, request.policy_ref)
                if request.policy_ref else None)
    policy = resolve_policy(root, request, from_ref)
    data = [shard_report.parse(_read_json(path), str(path)) for path in reports]
    paths = [root / p for p in (data[0].common["paths"] if data else ["."])]
    targets = _without(discover(root, paths, policy.exclude, policy.submodules), root, reports)
    files = targets.files if git.tree_id(root) is None else ()
    shard_report.check(data, _identity(root, policy, files))
    # The plan comes from the tree at this commit, never from the reports: a shard report
    # whose file list was emptied would leave those files unscanned.
    planned = plan(policy, targets, data[0].common["scanners"] or None)
    shard_report.check_scopes(data, lambda shard: shards.restrict(planned, root, shard))

    def arguments_for(name: str, files: tuple[str, ...]) -> tuple[str, ...]:
        settings = policy.scanner(name)
        ctx = ScanContext(root=root, files=files, timeout=settings.timeout,
                          options=settings.options)
        return tuple(REGISTRY[name].run_arguments(ctx)) if name in REGISTRY else ()

    outcome, work = shard_report.combine(data, arguments_for)
    outcome = replace(outcome, coverage=coverage(targets, work, outcome.runs))
    scanned = Scanned(replace(request, shard=None), root, from_ref, policy, targets,
                      False, work, outcome, any(d.cached for d in data))
    overrides = [o for path in reports for o in _recorded_overrides(path)]
    return replace(decide(scanned), overrides=tuple(dict.fromkeys(overrides)))


def _recorded_overrides(path: Path) -> list[str]:
    """The overrides a shard's report names (its job's pinned date or replaced commands)."""
    data = _read_json(path)
    listed = data.get("overrides") if isinstance(data, dict) else None
    return [f"{path.name}: {o}" for o in listed or [] if isinstance(o, str)]


def _identity(root: Path, policy: Policy, files: Sequence[str]) -> dict[str, Any]:
    """What ties a shard to its tree, policy and gate."""
    return {"tree": git.tree_id(root) or shard_report.file_list_digest(files),
            "policy_digest": shard_report.policy_digest(policy), "gate_version": __version__}


def _relative(root: Path, path: Path) -> str:
    resolved = path.resolve()
    return "." if resolved == root else resolved.relative_to(root).as_posix()


def _read_json(path: Path) -> Any:
    try:
        return loads_json(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    except ValueError:  # TooComplex included
        raise UsageError(f"{path} is not JSON (expected a shard report)") from None


def history_base(root: Path, request: ScanRequest) -> str | None:
    """The commit the change under review starts from: the merge base of ``--changed-since``
    or ``--policy-ref`` with HEAD (for scanners that read git history); None without one."""
    from gate.tree.git import GitError, merge_base

    base = request.changed_since or request.policy_ref
    if base is None:
        return None
    try:
        return merge_base(root, base)
    except GitError:
        return None  # a scanner that needs it says so, with the fetch-depth advice


def changed_files(root: Path, request: ScanRequest, policy: Policy) -> frozenset[str] | None:
    """The files the change under review touched (relative to ``--changed-since`` or
    ``--policy-ref``), when the policy needs them for ``on_skipped_files = "changed"``."""
    from gate.policy.model import OnSkipped
    from gate.tree.git import changed_files as changed_since

    base = request.changed_since or request.policy_ref
    if base is None or policy.on_skipped_files is not OnSkipped.CHANGED:
        return None
    return frozenset(changed_since(root, base))


def gitref_reader(root: Path, ref: str) -> Callable[[Path], str]:
    """Read files (the baseline) as they are at git ``ref`` instead of the working tree;
    a file outside the tree is read as it is."""
    from gate.tree.git import read_from_ref

    def read(path: Path) -> str:
        full = Path(os.path.abspath(path))
        try:
            rel = full.relative_to(root.resolve())
        except ValueError:  # outside the tree: the change under review cannot edit it
            return full.read_text(encoding="utf-8")
        return read_from_ref(root, ref, rel.as_posix())

    return read


def create_baseline(request: ScanRequest) -> tuple[Baseline, Decision]:
    """Scan as ``gate scan`` would (no baseline) and record every finding in a Baseline."""
    decision = scan(replace(request, baseline_file=None, new_only=False), with_baseline=False)
    today = request.today or policy_eval.today_utc()
    findings = [d.finding for d in decision.items]
    return baseline_create(findings, today), decision


def load_baseline(root: Path, request: ScanRequest, policy: Policy,
                  reader: Callable[[Path], str] | None = None) -> Baseline | None:
    """The baseline named by ``--baseline`` or the policy's ``baseline`` key, if any.

    A policy ``baseline`` path is relative to the repository root. ``reader`` reads it (from
    a git ref under ``--policy-ref``); BaselineError when it cannot be read (exit 2).
    """
    if request.baseline_file is not None:
        return baseline_import.load(request.baseline_file, root, reader)
    if policy.baseline:
        return baseline_import.load(root / policy.baseline, root, reader)
    return None


def narrow(root: Path, request: ScanRequest, policy: Policy) -> tuple[Targets, bool]:
    """The files to scan, and whether that is a partial scan (``--changed-since``, hook).

    A partial scan's SARIF goes under ``<category>-partial`` so that uploading it never
    closes the full scan's alerts.
    """
    if request.only_files is not None:
        targets = discover(root, [root], policy.exclude, policy.submodules)
        return scope.restrict(targets, scope.hook_files(root, request.only_files)), True
    targets = discover(root, list(request.paths), policy.exclude, policy.submodules)
    if request.changed_since is not None:
        changed = scope.changed_since(targets, request.changed_since)
        # A pin edited in a file that an unchanged requirements.txt includes with -r:
        # the including manifest changed too.
        touched = set(changed.files)
        grown = {path for path, included in manifests.includes(root, targets.files).items()
                 if touched.intersection(included)}
        if grown - touched:
            changed = scope.restrict(targets, touched | grown)
        return changed, True
    return targets, False


def with_scope(decision: Decision, partial: Targets | None,
               from_ref: ref_policy.RefPolicy | None) -> Decision:
    """Record the files a partial scan looked at and a policy change under review."""
    if partial is not None:
        decision = replace(decision, scanned=partial.files)
    if from_ref is not None:
        decision = replace(decision, policy_ref=from_ref.ref)
        if from_ref.changed:
            decision = replace(decision, policy_changed=from_ref.changed,
                               warnings=(from_ref.changed, *decision.warnings))
    return decision


def parse_scanner_list(text: str, known: Sequence[str]) -> tuple[str, ...]:
    """``"bandit,semgrep"`` -> names, or ValueError naming the valid choices."""
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    unknown = [n for n in names if n not in known]
    if unknown:
        raise UsageError(f"unknown scanner(s) {', '.join(unknown)}; valid: {', '.join(known)}")
    return names


def evaluate_sarif(sarif_files: Sequence[Path], request: ScanRequest,
                   baseline_reader: Callable[[Path], str] | None = None) -> Decision:
    """Apply the policy to SARIF from any tool, without scanning (``gate evaluate``).

    ``request.paths[0]`` locates the repository root (URIs are resolved against it). Raises
    SarifImportError for unreadable or malformed SARIF, plus the errors of ``scan``.
    """
    root = find_root(list(request.paths))
    policy = resolve_policy(root, request)
    imported = sarif_import.read(sarif_files, root, policy.default_severity)
    findings = suppressions.apply([scrub_finding(f) for f in imported.findings], root=root)
    scope: dict[str, frozenset[str]] = {}
    for finding in findings:
        scope[finding.scanner] = scope.get(finding.scanner, frozenset()) | {
            finding.location.path}
    ctx = policy_eval.Context(today=request.today or policy_eval.today_utc(),
                              category=request.category, files_scanned=len(imported.files),
                              baseline=load_baseline(root, request, policy, baseline_reader),
                              new_only=request.new_only, notes=imported.warnings, scope=scope)
    return judge(request, policy, findings, imported.runs, ctx, shown_only=True)


def judge(request: ScanRequest, policy: Policy, findings: Sequence[Finding],
          runs: Sequence[ScannerRun], ctx: policy_eval.Context, *, shown_only: bool = False
          ) -> Decision:
    """The Decision, with the what-if for every fail_on level when the request asks for it
    (``shown_only``: the findings come from SARIF, which lacks the hidden ones)."""
    decision = policy_eval.evaluate(policy, findings, runs, ctx)
    if not request.what_if:
        return decision
    rows = what_if(policy, findings, runs, ctx, decision, shown_only=shown_only)
    effects = class_effects(policy, findings, runs, ctx, decision)
    return replace(decision, what_if=rows, class_effects=effects)


def evaluate_files(files: Sequence[Path], request: ScanRequest) -> Decision:
    """``gate evaluate``: one JSON report written by ``--json``, or SARIF files."""
    reports = [f for f in files if report_import.is_report(f)]
    if not reports:
        return evaluate_sarif(files, request)
    if len(files) > 1:
        raise UsageError(f"{reports[0]} is a JSON report: give it alone (several SARIF "
                         "files can be evaluated together)")
    return evaluate_report(files[0], request)


def evaluate_report(path: Path, request: ScanRequest) -> Decision:
    """Judge the findings of a JSON report again under the policy of ``request``.

    The report's baseline states, coverage and runs are kept (``--baseline`` replaces the
    baseline); a verdict that differs from the one recorded, and a policy the scan read from
    a git ref, are called out.
    """
    root = find_root(list(request.paths))
    policy = resolve_policy(root, request)
    report = report_import.read(path)
    baseline = (load_baseline(root, request, policy) if request.baseline_file is not None
                else report.baseline)
    scope = ({r.scanner: frozenset(report.scanned) for r in report.runs} if report.partial
             else None)
    ctx = policy_eval.Context(
        today=request.today or policy_eval.today_utc(),
        category=f"{request.category}-partial" if report.partial else request.category,
        partial=report.partial, files_scanned=report.files_scanned, baseline=baseline,
        new_only=request.new_only or report.new_only, scope=scope, skipped=report.skipped,
        links=report.links)
    decision = judge(request, policy, report.findings, report.runs, ctx)
    decision = replace(decision, scanned=report.scanned)
    notes = [report.policy_changed] if report.policy_changed else []
    if report.policy_ref:
        notes.append(f"{path} read its policy from git ref {report.policy_ref}; this "
                     f"evaluation uses {policy.source}")
    if decision.verdict.value != report.verdict:
        notes.append(f"{path} recorded the verdict {report.verdict} (exit {report.exit_code}); "
                     f"under this policy it is {decision.verdict.value}")
    return replace(decision, policy_changed=report.policy_changed,
                   warnings=(*notes, *decision.warnings), overrides=report.overrides)


def policy_origins(root: Path, decision: Decision) -> dict[str, str]:
    """Which file of the policy's ``extends`` chain set each value (read at the git ref
    under ``--policy-ref``)."""
    if decision.policy_ref:
        source = RefSource.open(root, decision.policy_ref)
        return origins(decision.policy.chain, source.reader())
    return origins(decision.policy.chain)


@dataclass(frozen=True)
class AwaitedFixes:
    """The policy's ``until_fixed`` waivers, each with what the advisory data says of its
    advisory, and which data said it."""

    data: str
    waivers: tuple[tuple[Waiver, FixState], ...]

    @property
    def fixed(self) -> list[tuple[Waiver, FixState]]:
        """The waivers whose advisory now has a fixed version."""
        return [(w, s) for w, s in self.waivers if s.fixed]


def until_fixed_waivers(root: Path, policy_file: Path | None) -> tuple[Policy, list[Waiver]]:
    """The policy for ``root`` and its ``until_fixed`` waivers."""
    policy = load(find_root([root]), policy_file)
    return policy, [w for w in policy.waivers if w.until_fixed]


def awaited_fixes(policy: Policy, waivers: Sequence[Waiver], *, store: Path,
                  advisory_db: Path | None, osv_url: str | None, today: dt.date,
                  timeout: float = 10.0) -> AwaitedFixes:
    """Look each waiver's advisory up in the advisory data a scan would use: ``advisory_db``
    (``--advisory-db``, else the policy's), else the downloaded copy in ``store``, else the
    live service (``osv_url``, else the policy's, else api.osv.dev; AdvisoryDataError when it
    does not answer)."""
    options = policy.scanner(accepting("advisory_db")[0]).options  # the dependency audit
    ids = [w.rule or "" for w in waivers]
    db = advisory_db or (Path(str(options["advisory_db"])) if options.get("advisory_db")
                         else None)
    local = read_status(store) if db is None else None
    data = f"advisory data: {db}"
    if local is not None:
        db, data = local.path, local.describe(today)
    if db is not None:
        states = fixes.from_database(ids, AdvisoryDatabase(db))
    else:
        url = osv_url or (str(options["osv_url"]) if options.get("osv_url") else None)
        why = unreachable(url, timeout)
        if why:
            raise AdvisoryDataError(f"cannot look the until_fixed waivers' advisories up: the "
                                    f"advisory service is unreachable ({why})",
                                    hint="run 'gate advisories update' where it is "
                                    "reachable, or pass --advisory-db PATH")
        live = LiveRecords(url, records_dir(store), timeout)
        states = fixes.from_service(ids, live)
        data = f"advisory data: the live OSV service ({url or 'osv.dev'})"
    return AwaitedFixes(data, tuple(zip(waivers, states, strict=True)))
