"""Semgrep adapter: the project's own rule packs, offline, nosemgrep off, ids as in the YAML."""

from __future__ import annotations

import re
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from gate.findings import (
    Confidence,
    Finding,
    InlineSuppression,
    Location,
    Severity,
    fingerprint,
    read_lines,
)
from gate.process import ProcessResult, tool_path
from gate.runs import ScanResult, SkippedFile
from gate.scanners.common import (
    ToolFailure,
    as_int,
    invoke,
    optional_list,
    parse_output,
    relative_path,
    require_list,
)
from gate.scanners.interface import BaseScanner, ScanContext
from gate.scanners.semgrep import rulepacks, sinks, targets
from gate.scanners.semgrep.engine import ENGINE_ARGS, Engine, engine_for, normalise
from gate.tree import repo_files

_NATIVE_SEVERITY = {
    "CRITICAL": Severity.CRITICAL, "HIGH": Severity.HIGH, "ERROR": Severity.HIGH,
    "MEDIUM": Severity.MEDIUM, "WARNING": Severity.MEDIUM,
    "LOW": Severity.LOW, "INFO": Severity.LOW, "INVENTORY": Severity.INFO,
}
_Parsed = tuple[str | None, list[Finding], tuple[SkippedFile, ...], str | None]
_Outcome = ProcessResult | ToolFailure | None
# No limit of semgrep's own: the gate's discovery refuses files over its 10 MB limit (and says
# so), and the two command lines treat the limit differently for named files (engine.py).
MAX_TARGET_BYTES = 0
RUNS_AT_ONCE = 2
"""Semgrep runs of one scan started at once: the small runs' start-up and the word-bound
packs' runs use the core the big run leaves (``--jobs`` is often 1 beside the other
scanners), and the whole scan shares one deadline."""
_NOSEMGREP = re.compile(r"#\s*nosem(?:grep)?\b(?P<colon>\s*:)?(?P<rest>[^#]*)", re.IGNORECASE)
_ID = re.compile(r"[A-Za-z0-9_.*?\-/]+")
# Dockerfile-named binaries that are no Dockerfile: archives, images, executables.
_ARCHIVE_SUFFIXES = (".tar", ".gz", ".tgz", ".zip", ".bz2", ".xz", ".zst", ".7z", ".bin",
                     ".img", ".iso", ".exe", ".so", ".dll", ".png", ".jpg", ".gif", ".pdf")


class SemgrepScanner(BaseScanner):
    """Runs semgrep with the shipped packs on an explicit file list."""

    name = "semgrep"
    tool = "semgrep"
    information_uri = "https://semgrep.dev/"
    ok_codes = (0, 1)
    suppression_kinds = ("nosemgrep",)
    cache_per_file = True  # the packs hold intra-file rules only

    def __init__(self, engine: Engine | None = None) -> None:
        self._engine = engine

    @property
    def engine(self) -> Engine:
        """The command line that runs: the OCaml CLI only for versions proven equivalent."""
        return self._engine or engine_for(self.tool_version())

    @property
    def rule_ids(self) -> frozenset[str]:  # type: ignore[override]
        """Every rule id of the shipped packs."""
        return rulepacks.all_rule_ids()

    def is_secret(self, finding: Finding) -> bool:
        """The settings pack marks its secret rules with ``metadata.secret``."""
        return finding.secret

    def parse_suppressions(self, comment: str) -> list[InlineSuppression]:
        """``# nosemgrep``, bare or ``# nosemgrep: rule-id[, rule-id]``."""
        match = _NOSEMGREP.search(comment)
        if not match:
            return []
        rest = match["rest"].strip()
        if match["colon"]:
            head, _, tail = rest.partition(" ")
            ids = tuple(i for i in re.split(r"[\s,]+", head) if i and _ID.fullmatch(i))
            return [InlineSuppression("nosemgrep", ids, tail.strip())]
        return [InlineSuppression("nosemgrep", (), rest)]

    def suppression_applies(self, suppression: InlineSuppression, finding: Finding) -> bool:
        """A bare ``# nosemgrep`` names every semgrep rule; else the id (or its tail)."""
        return finding.scanner == self.name and (
            not suppression.rules or finding.rule_id in suppression.rules
            or any(finding.rule_id.endswith("." + r) for r in suppression.rules))

    def describe_suppression(self, suppression: InlineSuppression) -> str:
        """``# nosemgrep: ids``."""
        ids = ",".join(suppression.rules)
        return f"# nosemgrep: {ids}" if ids else "# nosemgrep"

    def confirm_coverage(self, given: Sequence[str], output: Mapping[str, Any]
                         ) -> tuple[SkippedFile, ...]:
        """Files semgrep was given but neither scanned nor listed as skipped (``--verbose``
        output), and those it skipped with its reason."""
        scanned = _scanned(output)
        listed = {s.path for s in _listed_skips(output)}
        out = list(_listed_skips(output))
        out += [SkippedFile(path, "semgrep did not scan it (no language for its name?)")
                for path in given if path not in scanned and path not in listed]
        return tuple(out)

    def run_arguments(self, ctx: ScanContext) -> list[str]:
        """The normalised arguments a run on ``ctx`` reports."""
        shown: list[str] = []
        for plan in self._plans(ctx):
            shown += (["&&"] if shown else []) + self.arguments(plan, ctx.timeout)
        return shown

    def cache_config(self, ctx: ScanContext) -> dict[str, Any]:
        """Every pack's content and the base arguments decide a file's findings."""
        packs = rulepacks.available_packs()
        return {"packs": rulepacks.packs_digest(packs),
                "arguments": self.arguments(targets.SemgrepRun((), ()), ctx.timeout)}

    def select(self, files: Sequence[str], root: Path) -> list[str]:
        """Files one of the packs applies to (Kubernetes manifests by content)."""
        return [f for f in files if _kind(f, root) is not None]

    def arguments(self, run: targets.SemgrepRun, timeout: float) -> list[str]:
        """Normalised arguments of one semgrep invocation: pack names, not install paths."""
        args = ["scan", *ENGINE_ARGS[self.engine], "--metrics=off", "--disable-version-check",
                "--json", "--disable-nosem", "--verbose",
                f"--max-target-bytes={MAX_TARGET_BYTES}",
                f"--timeout={max(1, int(timeout // 4))}", *run.extra_args]
        return args + [f"--config=policies/rules/{pack}" for pack in run.packs]

    def command_line(self, plan: targets.SemgrepRun, timeout: float,
                     jobs: int | None = None, configs: Sequence[Path] | None = None
                     ) -> list[str]:
        """The arguments of one semgrep run on ``plan``: the packs' install paths (or
        ``configs``), the targets after ``--`` (``--jobs`` only when given: it depends on
        the machine)."""
        args = [a for a in self.arguments(plan, timeout) if not a.startswith("--config=")]
        args += [f"--jobs={jobs}"] if jobs is not None else []
        if configs is None:
            configs = [rulepacks.rules_dir() / pack for pack in plan.packs]
        args += [f"--config={config}" for config in configs]
        return [*args, "--", *plan.paths]

    def raw_argv(self, root: Path, files: Sequence[str]) -> list[str]:
        """Semgrep by hand with the gate's packs, flags and engine on ``files`` (benchmarks).

        Dockerfiles semgrep does not know by name need a second run; they are left out.
        """
        plans = self.plans(files, root, every_pack=True)
        if not plans:
            return []
        return [tool_path("semgrep"), *self.command_line(plans[0], 600.0)]

    def plans(self, files: Sequence[str], root: Path,
              every_pack: bool = False) -> list[targets.SemgrepRun]:
        """The semgrep runs that cover ``files`` (see ``targets.plan_semgrep_runs``): each
        Python file only with the packs it can match, or with all (``every_pack``)."""
        kinds = [(f, kind) for f in files if (kind := _kind(f, root)) is not None]
        unneeded = None if every_pack else {
            f: _unneeded(f, root) for f, kind in kinds if kind == "python"}
        return targets.plan_semgrep_runs(kinds, unneeded)

    def _plans(self, ctx: ScanContext) -> list[targets.SemgrepRun]:
        return self.plans(ctx.files, ctx.root)

    def scan(self, ctx: ScanContext) -> ScanResult:
        """Run semgrep from the root; ``.semgrepignore`` does not apply to explicit targets."""
        findings: list[Finding] = []
        skipped: list[SkippedFile] = []
        shown: list[str] = []
        version, exit_code = "unknown", 0
        plans = self._plans(ctx)
        started = time.monotonic()
        deadline = started + ctx.timeout

        at_once = max(1, min(len(plans), RUNS_AT_ONCE))
        # The scan's cores are split between the runs at once: semgrep --jobs 2 twice on 2
        # cores burnt 2.6 x the CPU of --jobs 1 twice (its workers wait on one another).
        jobs = max(1, ctx.jobs // at_once)

        def run(plan: targets.SemgrepRun, configs: Sequence[Path] | None = None
                ) -> ProcessResult | ToolFailure:
            return invoke(self, self.command_line(plan, ctx.timeout, jobs, configs), ctx,
                          timeout=max(1.0, deadline - time.monotonic()))

        def one(plan: targets.SemgrepRun) -> tuple[targets.SemgrepRun, _Outcome]:
            if not sinks.worth_it(plan.packs, plan.paths):
                return plan, run(plan, None)
            return self._where_sinks_are(plan, run)

        # The run with the most packs (the outside-data taint packs) starts first, so that it
        # does not end alone on one core; results are read in plan order.
        order = sorted(range(len(plans)), key=lambda i: -len(plans[i].packs))
        with ThreadPoolExecutor(max_workers=at_once) as pool:
            futures = {i: pool.submit(one, plans[i]) for i in order}
            results = [futures[i].result() for i in range(len(plans))]
        duration = time.monotonic() - started
        for plan, (ran, result) in zip(plans, results, strict=True):
            args = self.arguments(plan, ctx.timeout)
            shown += (["&&"] if shown else []) + args
            if result is None:  # no sink of its rules in any of its files
                continue
            if isinstance(result, ToolFailure):
                return self.failed(ctx, result.reason, exit_code=result.exit_code,
                                   arguments=shown, duration=duration)
            exit_code = result.returncode if result.returncode is not None else exit_code
            known = rulepacks.file_rule_ids(plan.packs)

            def parse(raw: dict[str, Any], known: frozenset[str] = known,
                      given: tuple[str, ...] = ran.paths) -> _Parsed:
                data = normalise(raw)
                got = [self._finding(ctx, item, known) for item in require_list(data, "results")]
                run_skipped, fatal = _errors(optional_list(data, "errors"))
                if isinstance(data.get("paths"), dict):  # --verbose: what it read, to confirm
                    errored = {skip.path for skip in run_skipped}
                    run_skipped += tuple(s for s in self.confirm_coverage(given, data)
                                         if s.path not in errored)
                    if given and not _scanned(data) and not errored:
                        fatal = fatal or f"read none of the {len(given)} file(s) it was given"
                reported = data.get("version")
                return (str(reported) if reported else None), got, run_skipped, fatal

            parsed = parse_output(result, parse)
            if isinstance(parsed, ToolFailure):
                return self.failed(ctx, parsed.reason, exit_code=parsed.exit_code,
                                   arguments=shown, duration=duration)
            reported, got, run_skipped, fatal = parsed
            version = reported or version
            if fatal:
                return self.failed(ctx, fatal, exit_code=result.returncode, version=version,
                                   arguments=shown, duration=duration)
            findings += got
            skipped += [s for s in run_skipped if s not in skipped]  # a file in two runs
        return ScanResult(tuple(findings), self.record(
            ctx, version=version, arguments=shown, exit_code=exit_code, duration=duration,
            skipped=skipped))

    def _where_sinks_are(self, plan: targets.SemgrepRun,
                         run: Callable[[targets.SemgrepRun, Sequence[Path] | None],
                                       ProcessResult | ToolFailure]
                         ) -> tuple[targets.SemgrepRun, _Outcome]:
        """``plan``'s taint rules run only where their sinks match (see ``sinks``): a first
        run of the sinks, then the packs, each rule limited to those files' names, on the
        files with a sink or not read cleanly by the first run. The plan as it ran (its
        files) and its result (None: no file to run); when the first run fails, the plan
        runs whole."""
        with tempfile.TemporaryDirectory(prefix="gate-semgrep-") as folder:
            search = Path(folder, "sinks.json")
            search.write_text(sinks.search_rules(plan.packs), encoding="utf-8")
            first = run(targets.SemgrepRun((), plan.paths, plan.extra_args), [search])
            rules = rulepacks.file_rule_ids(plan.packs)  # taint rules only (worth_it)
            found = None if isinstance(first, ToolFailure) else parse_output(
                first, lambda raw: sinks_found(normalise(raw), plan.paths, rules))
            if found is None or isinstance(found, ToolFailure):
                return plan, run(plan, None)
            by_rule, every = found
            wanted = every.union(*by_rule.values())
            paths = tuple(p for p in plan.paths if p in wanted)
            if not paths:
                return targets.SemgrepRun(plan.packs, (), plan.extra_args), None
            limits = {rule_id: names for rule_id, names
                      in sinks.includes(by_rule, every, rules).items() if names is not None}
            configs: list[Path] = []
            for pack in plan.packs:
                text = sinks.restrict(rulepacks.pack_text(pack.removesuffix(".yml")), limits)
                if text is not None:
                    configs.append(Path(folder, pack))
                    configs[-1].write_text(text, encoding="utf-8")
            ran = targets.SemgrepRun(plan.packs, paths, plan.extra_args)
            return ran, run(ran, configs)

    def _finding(self, ctx: ScanContext, item: dict[str, Any], known: frozenset[str]) -> Finding:
        rule = rulepacks.strip_rule_prefix(str(item["check_id"]), known)
        path = relative_path(str(item["path"]))
        start, end = item.get("start", {}), item.get("end", {})
        line = as_int(start.get("line"))
        end_line = max(as_int(end.get("line"), line), line)
        extra = item.get("extra", {})
        meta = extra.get("metadata", {}) or {}
        severity = _severity(meta, str(extra.get("severity", "")))
        confidence_word = str(meta.get("confidence", "medium")).upper()
        confidence = Confidence.__members__.get(confidence_word, Confidence.MEDIUM)
        refs = meta.get("references") or []
        content = read_lines(ctx.read_text(path), line, end_line)
        secret = bool(meta.get("secret", False))
        return Finding(
            scanner=self.name,
            rule_id=rule,
            rule_name=str(meta.get("short-description") or rule),
            message=" ".join(str(extra.get("message", "")).split()),
            severity=severity,
            confidence=confidence,
            location=Location(path, line, as_int(start.get("col")), end_line,
                              as_int(end.get("col"), 1)),
            fingerprint=fingerprint(rule, path, content),
            cwe=_cwes(meta.get("cwe")),
            help_uri=str(refs[0]) if isinstance(refs, list) and refs else "",
            remediation=str(meta.get("remediation", "")),
            tags=("security", *_kind_tags(path, ctx.root)),
            secret=secret,
        )


def _kind(path: str, root: Path) -> targets.SemgrepKind | None:
    """What ``path`` is to the packs; binary YAML or HTML, Helm templates (by their chart)
    and Dockerfile-named binaries with a binary suffix are nothing (``Dockerfile.tar`` is no
    Dockerfile: it goes to the secrets scanner alone). A Dockerfile holding a NUL byte is
    given to semgrep, which names it with its own reason when it cannot parse it."""
    head = ""
    if path.lower().endswith((".yml", ".yaml")) and _helm_template(path, root):
        return None
    if targets.reads_head(path):
        text = repo_files.head(root, path, targets.HEAD_CHARS)
        if text is None or "\0" in text[:8192]:
            return None
        head = text
    kind = targets.semgrep_kind(path, head)
    if (kind == "dockerfile" and path.lower().endswith(_ARCHIVE_SUFFIXES)
            and repo_files.looks_binary(root, path)):
        return None
    return kind


def _unneeded(path: str, root: Path) -> frozenset[str]:
    """The packs and rules ``path`` cannot match, judged on its text as semgrep reads it (UTF-8) and
    as Python decodes it (a ``# coding:`` declaration); unreadable, none left out."""
    texts = repo_files.read_both_ways(root, path)
    return targets.unneeded(*texts) if texts is not None else frozenset()


def _helm_template(path: str, root: Path) -> bool:
    """A Helm template: below a ``templates/`` folder whose parent holds ``Chart.yaml``
    (what the file holds never decides it)."""
    return any((root / folder / "Chart.yaml").is_file()
               for folder in targets.chart_folders(path))


def _kind_tags(path: str, root: Path) -> tuple[str, ...]:
    kind = _kind(path, root)
    return (kind,) if kind else ()


def _severity(meta: dict[str, Any], native: str) -> Severity:
    word = str(meta.get("severity", "")).upper()
    if word in Severity.__members__:
        return Severity[word]
    return _NATIVE_SEVERITY.get(native.upper(), Severity.MEDIUM)


def _cwes(value: object) -> tuple[int, ...]:
    items = value if isinstance(value, list) else [value] if value else []
    out: list[int] = []
    for item in items:
        text = str(item).upper().removeprefix("CWE-").split(":")[0].strip()
        if text.isdigit():
            out.append(int(text))
    return tuple(out)


def sinks_found(output: Mapping[str, Any], given: Sequence[str], rules: frozenset[str]
                 ) -> tuple[dict[str, set[str]], set[str]] | None:
    """From the sinks' first run: rule id -> paths with one of its sinks, and the paths it
    did not read cleanly (an error, a skip, not scanned), to give every rule; None when it
    reported an error of no file (a rule's: its sinks may be missing)."""
    errors = optional_list(output, "errors")
    if any(not isinstance(e, dict) or not e.get("path") for e in errors):
        return None
    by_rule: dict[str, set[str]] = {}
    for item in require_list(output, "results"):
        rule_id = rulepacks.strip_rule_prefix(str(item["check_id"]), rules)
        by_rule.setdefault(rule_id, set()).add(relative_path(str(item["path"])))
    scanned = _scanned(output)
    skipped, _ = _errors(errors)
    every = {s.path for s in skipped} | {s.path for s in _listed_skips(output)}
    every |= {path for path in given if path not in scanned}
    return by_rule, every


def _scanned(output: Mapping[str, Any]) -> set[str]:
    paths = output.get("paths")
    listed = paths.get("scanned") if isinstance(paths, dict) else None
    return {relative_path(str(p)) for p in listed} if isinstance(listed, list) else set()


def _listed_skips(output: Mapping[str, Any]) -> list[SkippedFile]:
    paths = output.get("paths")
    listed = paths.get("skipped") if isinstance(paths, dict) else None
    return [SkippedFile(relative_path(str(item["path"])), str(item.get("reason", "skipped")))
            for item in listed or [] if isinstance(item, dict) and item.get("path")]


def _errors(errors: list[Any]) -> tuple[tuple[SkippedFile, ...], str | None]:
    skipped: list[SkippedFile] = []
    listed: set[str] = set()
    fatal: str | None = None
    for error in errors:
        if not isinstance(error, dict):
            continue
        kind = error.get("type")
        kind_text = str(kind[0] if isinstance(kind, list) and kind else kind or "error")
        if error.get("path"):
            path = relative_path(str(error["path"]))
            if path not in listed:  # one error per rule that timed out: the file once
                listed.add(path)
                skipped.append(SkippedFile(path, kind_text))
        elif str(error.get("level", "")).lower() == "error" and fatal is None:
            fatal = f"reported an error: {kind_text}"
    return tuple(skipped), fatal


