"""pip-audit adapter: the gate reads the manifests, pip-audit checks the pins against OSV.

No code from the repository ever runs: the gate extracts the requirements itself and hands
pip-audit a temporary requirements file outside the repository (``--no-deps --disable-pip``
in ``pins`` mode). Offline advisory data (``advisory_db``) is served through a loopback OSV
endpoint. Every package is checked to exist on the index, so an unknown package cannot pass
silently; lines the gate cannot audit become ``gate/unaudited-dependency`` findings.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import tempfile
import time
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path
from typing import Any

from gate.deps import findings as dep
from gate.deps.advisory_data import data_version
from gate.deps.advisory_store import read_status, records_dir, store_dir
from gate.deps.existence import judge, requirement_groups
from gate.deps.live_records import LiveRecords, unreachable
from gate.deps.manifests import (
    LOCK_KINDS,
    Declared,
    ManifestClass,
    Manifests,
    kind_of,
    locked_ranges,
    read_manifests,
)
from gate.deps.matcher import fixes_all, fixes_all_reported, match, merge_reported, related
from gate.deps.osv import Advisory, AdvisoryDatabase, normalize
from gate.deps.reachability import NOT_IMPORTED, UNKNOWN, Reach, analyse, is_source
from gate.deps.server import LoopbackOsv
from gate.errors import AdvisoryDataError
from gate.findings import Finding
from gate.guards.validators import FailOrWarn
from gate.process import ProcessResult, first_stderr_line
from gate.runs import Component, ScanResult, SkippedFile
from gate.scanners.common import ToolFailure, invoke, parse_output, require_list
from gate.scanners.interface import BaseScanner, ScanContext
from gate.scanners.pip_audit.options import CHECKS, OfflineEngine, Options, Resolve

UNAUDITED, UNSUPPORTED, CONFUSION = dep.UNAUDITED, dep.UNSUPPORTED, dep.CONFUSION
NAME = "pip-audit"
OK_CODES = (0, 1)  # 0: no known vulnerabilities, 1: vulnerabilities found (with JSON on stdout)
ENGINE_LOCAL = "gate-osv-matcher"  # the run record's arguments name the engine that matched
# Part of the audit's cache key: raised when what the gate reads from manifests changes (a
# cached audit from before would lack it). 2: manifest classes, entry lines, locked ranges.
READING = "2"

OFFLINE_WAYS: tuple[str, ...] = (
    "to audit without reaching the advisory service: run 'gate advisories update' once "
    "where it is reachable (or 'gate advisories update --from all.zip'), then scan again",
    "or pass --advisory-db PATH (env GATE_ADVISORY_DB): a folder or zip of OSV records",
    "or set GATE_OSV_URL (or --osv-url) to an OSV-compatible service this machine reaches",
)
"""Shown, one line each, when the live advisory service is unreachable and no local data
was given."""


class PipAuditScanner(BaseScanner):
    """The ``pip-audit`` scanner adapter."""

    name = NAME
    tool = "pip-audit"
    information_uri = "https://github.com/pypa/pip-audit"
    ok_codes = OK_CODES
    options = CHECKS
    rule_ids = dep.RULE_IDS
    whole_tree_only = True  # a manifest's -r/-c includes reach other files

    def owns_rule(self, pattern: str) -> bool:
        """Advisory ids (PYSEC, GHSA, CVE, OSV) and the gate's own dependency rules."""
        return dep.ADVISORY_ID.match(pattern) is not None or super().owns_rule(pattern)

    def select(self, files: Sequence[str], root: Path) -> list[str]:
        """Manifests the gate reads, plus known kinds it reports as unsupported, and the
        files that tell which dependencies the code reaches (Python, Dockerfiles, ...); none
        without a manifest (then there is nothing to audit)."""
        if not any(kind_of(f) is not None for f in files):
            return []
        return [f for f in files if kind_of(f) is not None or is_source(f)]

    def cache_key(self, ctx: ScanContext) -> str | None:
        """A key for the whole audit: manifests, options, advisory-data and tool versions.

        None (never cached) with a live advisory service: its data changes without notice.
        """
        options = Options.from_mapping(ctx.options)
        if not options.advisory_db:
            return None
        digest = hashlib.sha256()
        version = self.tool_version()
        if version == "unknown":  # a replaced command: nothing reliable to key on
            return None
        for part in (READING, version, data_version(Path(options.advisory_db)),
                     json.dumps(dict(ctx.options), sort_keys=True, default=str),
                     json.dumps([ctx.test_paths, ctx.partial])):
            digest.update(part.encode() + b"\0")
        # every file the audit reads: the manifests and what they include with -r/-c
        read = set(ctx.files) | set(read_manifests(ctx.root, manifest_files(ctx)).read)
        for rel in sorted(read):
            digest.update(rel.encode("utf-8", "surrogateescape") + b"\0")
            try:
                digest.update((ctx.root / rel).read_bytes())
            except OSError:
                return None
            digest.update(b"\0")
        return digest.hexdigest()

    def scan(self, ctx: ScanContext) -> ScanResult:
        """Audit every manifest in ``ctx.files``: with ``advisory_db``, that data; else the
        local copy 'gate advisories update' wrote when it is fresh; else the live service
        (stale local data only when the live service does not answer)."""
        started = time.monotonic()
        options = Options.from_mapping(ctx.options)
        if options.advisory_db:
            return _with_data(_Audit(self, ctx, options, started, Path(options.advisory_db))
                              .run(), f"advisory data: {options.advisory_db}")
        local = read_status(Path(options.advisory_store) if options.advisory_store
                            else store_dir())
        live_data = f"advisory data: the live OSV service ({options.osv_url or 'osv.dev'})"
        if local is None:
            audit = _Audit(self, ctx, options, started, None)
            result = audit.run()
            if ctx.hook and audit.unreachable:
                return _not_audited(self, ctx, audit, audit.unreachable)
            return _with_data(result, live_data)
        today = dt.datetime.now(dt.UTC).date()
        described = local.describe(today)
        age = local.age_days(today)
        if age is not None and age <= options.max_age_days:
            return _with_data(_Audit(self, ctx, options, started, local.path).run(), described)
        live = _Audit(self, ctx, options, started, None).run()
        if live.run.ok:
            return _with_data(live, live_data)
        why = (f"local {described} is older than max_age_days = {options.max_age_days} and "
               "the live advisory service did not answer")
        error = f"; its error: {live.run.error}"
        if options.stale_advisories is FailOrWarn.FAIL:
            return self.failed(ctx, f'{why} (stale_advisories = "fail"){error}',
                               version=live.run.version, duration=time.monotonic() - started)
        return _with_data(_Audit(self, ctx, options, started, local.path).run(), described,
                          f'{why}: used it (stale_advisories = "warn"){error}')


def _not_audited(scanner: PipAuditScanner, ctx: ScanContext, audit: _Audit, why: str
                 ) -> ScanResult:
    """The commit hook's answer when no advisory service answers and no local data exists:
    the manifests are listed as not audited and a warning says so, not a scanner error (the
    CI gate, without ``--hook``, stays fail-closed)."""
    reason = "not audited: advisory service unreachable and no local advisory data"
    warning = (f"{why}; no local advisory data either, so the dependencies were NOT audited "
               "in this commit hook ('gate advisories update' keeps a local copy for offline "
               "use; the CI gate audits them)")
    record = scanner.record(ctx, version=audit.version, arguments=(), exit_code=None,
                            skipped=[SkippedFile(path, reason) for path in manifest_files(ctx)],
                            notes=audit.notes, duration=time.monotonic() - audit.started)
    run = replace(record, data="advisory data: none reachable", warnings=(warning,))
    return ScanResult(tuple(audit.findings), run)


def _with_data(result: ScanResult, data: str, warning: str = "") -> ScanResult:
    """``result`` whose run record names the advisory data it judged with."""
    run = replace(result.run, data=data, warnings=(*result.run.warnings, warning)
                  if warning else result.run.warnings)
    return replace(result, run=run)


class _Audit:
    """One audit: manifests -> existence check -> pip-audit -> findings."""

    def __init__(self, scanner: PipAuditScanner, ctx: ScanContext, options: Options,
                 started: float, data: Path | None) -> None:
        self.scanner = scanner
        self.ctx = ctx
        self.options = options
        self.started = started
        self.findings: list[Finding] = []
        self.notes: list[str] = []
        self.database: AdvisoryDatabase | None = None
        self.data = data
        self.components: dict[Component, None] = {}
        self.complete = False
        self.version = scanner.tool_version()
        self.unreachable = ""  # why the index or the live advisory service did not answer
        self.read: list[str] = []  # the manifests and lock files read

    def fail(
        self, error: str, arguments: Sequence[str] = (), code: int | None = None
    ) -> ScanResult:
        return self.scanner.failed(self.ctx, error, arguments=arguments, exit_code=code,
                                   version=self.version,
                                   duration=time.monotonic() - self.started)

    def run(self) -> ScanResult:
        manifests = read_manifests(self.ctx.root, manifest_files(self.ctx))
        self.read = list(manifests.read)
        self.notes += manifests.notes
        self._report_manifest_problems(manifests)
        full = self.options.resolve is Resolve.FULL
        named = [d for d in manifests.declared if full or d.version is not None]
        if self.data is not None:
            try:
                self.database = AdvisoryDatabase(
                    self.data, deadline=self.started + self.ctx.timeout)
            except AdvisoryDataError as exc:
                return self.fail(str(exc))
        left = max(self.ctx.timeout - (time.monotonic() - self.started), 0.5)
        existence = judge(NAME, named, index_option=self.options.index_url,
                          private=self.options.private_packages,
                          timeout=min(10.0, left), budget=left / 2,  # half: the audit
                          # itself needs the rest
                          offline=self.database is not None,
                          unaudited_severity=self.options.unaudited_severity,
                          wanted=self.options.existence_check.value)
        if existence.error:  # the index did not answer
            self.unreachable = existence.error
            return self.fail(existence.error)
        self.findings += existence.findings
        self.notes += existence.notes
        private, known = self.options.private_packages, existence.known
        audited = [d for d in named if d.name not in private and known.get(d.name, True)]
        self.complete = full or (bool(manifests.read) and all(
            kind_of(p) in LOCK_KINDS for p in manifests.read))
        if not audited:
            self.notes.append("no pinned dependency to audit")
            return self._result((), None)
        if self.database is not None:
            try:  # read the needed records now: a malformed one is an error naming its file
                for name in sorted({d.name for d in audited}):
                    self.database.advisories_for(name)
            except AdvisoryDataError as exc:
                return self.fail(str(exc))
            if not full and self.options.offline_engine is OfflineEngine.GATE:
                try:
                    return self._match_locally(audited, self.database)
                except AdvisoryDataError as exc:
                    return self.fail(str(exc))
        with ExitStack() as stack:
            server = None
            osv_url = self.options.osv_url
            if self.database is not None:
                server = stack.enter_context(LoopbackOsv(self.database))
                osv_url = server.url
            work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="gate-pip-audit-")))
            return self._pip_audit(audited, manifests, work, osv_url, server)

    # -- manifest-level findings -------------------------------------------------------------

    def _report_manifest_problems(self, manifests: Manifests) -> None:
        for item in manifests.unsupported:
            self.notes.append(f"{item.path}: found but not supported: {item.reason}")
            self.findings.append(dep.unsupported(NAME, item.path, item.reason))
        for line in manifests.unaudited:
            self._unaudited(line.path, line.line, line.text, line.reason, line.manifest_class)
        if self.options.resolve is Resolve.PINS:
            locked = locked_ranges(manifests)
            for declared in manifests.declared:
                if declared.version is None and declared not in locked:
                    self.findings.append(dep.unpinned(NAME, declared))
            counts: dict[tuple[str, str], int] = {}
            for declared, lock in locked.items():
                counts[(declared.path, lock)] = counts.get((declared.path, lock), 0) + 1
            self.notes += [f"{path}: {count} range(s) pinned by {lock} beside it (no "
                           "gate/unpinned-dependency: the lock's versions are audited)"
                           for (path, lock), count in sorted(counts.items())]

    def _unaudited(self, path: str, line: int, text: str, reason: str,
                   klass: ManifestClass) -> None:
        self.findings.append(dep.unaudited(NAME, path, line, text, reason,
                                           self.options.unaudited_severity, klass))

    # -- the gate's matcher on local data ----------------------------------------------------

    def _match_locally(self, audited: list[Declared], database: AdvisoryDatabase) -> ScanResult:
        """Pins matched by the gate's own matcher: no pip-audit, no loopback round trip."""
        deadline = self.started + self.ctx.timeout
        for number, declared in enumerate(audited):
            if time.monotonic() > deadline:
                return self.fail(f"{ENGINE_LOCAL} did not finish within the scanner's timeout "
                                 f"({self.ctx.timeout:g}s): {number} of {len(audited)} pin(s) "
                                 "matched")
            version = declared.version or ""
            self.components[Component(declared.name, version, declared.path, declared.line)] = None
            found = match(database, declared.name, version)
            if not found:
                continue
            upgrade = fixes_all(database, declared.name, version)
            for vulnerability in found:
                vuln = vulnerability.as_report(declared.name)
                self.findings.append(dep.vulnerability(
                    NAME, declared, version, vuln,
                    records=related(database, declared.name, vulnerability.ids),
                    default_severity=self.options.default_severity, fixes_all=upgrade))
        self.notes.append(f"engine: {ENGINE_LOCAL} on local advisory data "
                          f"({len(audited)} pin(s)); pip-audit not run")
        return self._result((), None)

    # -- pip-audit -----------------------------------------------------------------------------

    def _pip_audit(
        self,
        audited: list[Declared],
        manifests: Manifests,
        work: Path,
        osv_url: str | None,
        server: LoopbackOsv | None,
    ) -> ScanResult:
        full = self.options.resolve is Resolve.FULL
        cache = self.ctx.cache_dir
        root = self.ctx.root.resolve()
        if cache is None or cache.resolve().is_relative_to(root):
            cache = work / "cache"
        else:
            cache = cache / "pip-audit"
        reports: list[dict[str, Any]] = []
        arguments: list[str] = []
        code: int | None = None
        for number, group in enumerate(requirement_groups(audited, full)):
            requirements = work / f"requirements-{number}.txt"
            requirements.write_text("".join(line + "\n" for line in group), encoding="utf-8")
            args = ["-r", str(requirements), "--format", "json", "--progress-spinner", "off",
                    "--vulnerability-service", "osv", "--cache-dir", str(cache),
                    "--timeout", str(int(min(15, max(self.ctx.timeout, 1))))]
            if not full:
                args += ["--no-deps", "--disable-pip"]
            elif self.options.index_url:
                args += ["--index-url", self.options.index_url]
            if osv_url:
                args += ["--osv-url", osv_url]
            arguments = [_normalise_arg(a, work, self.ctx.cache_dir) for a in args]
            if server is not None:
                arguments = [a if a != osv_url else "http://127.0.0.1:PORT/v1/query"
                             for a in arguments]
            timeout = max(self.ctx.timeout - (time.monotonic() - self.started), 1.0)
            result = invoke(self.scanner, args, self.ctx, cwd=work, timeout=timeout,
                            extra_env={"PIP_ONLY_BINARY": ":all:", "PIP_NO_INPUT": "1"})
            if server is not None and server.errors:
                return self.fail(server.errors[0], arguments, _code(result))
            if isinstance(result, ToolFailure):
                self._probe(server, osv_url)
                return self._offline(self.fail(f"pip-audit {result.reason}", arguments,
                                               result.exit_code))
            code = result.returncode
            parsed = parse_output(result, lambda data: require_list(data, "dependencies"))
            if isinstance(parsed, ToolFailure):
                self._probe(server, osv_url)
                line = first_stderr_line(result.stderr)
                detail = f"; its last error line: {line}" if line else ""
                if self.unreachable:
                    return self._offline(self.fail(
                        f"{self.unreachable} and no local advisory data; pip-audit "
                        f"{parsed.reason}{detail}", arguments, code))
                return self.fail(f"pip-audit {parsed.reason}{detail} (is the advisory service "
                                 "reachable?)", arguments, code)
            reports.extend(d for d in parsed if isinstance(d, dict))
        error = self._collect(reports, audited, manifests)
        if error:
            return self.fail(error, arguments, code)
        return self._result(arguments, code)

    def _offline(self, result: ScanResult) -> ScanResult:
        """A failed run on an unreachable live service, with the ways to scan offline."""
        if not self.unreachable:
            return result
        return ScanResult(result.findings, replace(result.run, warnings=OFFLINE_WAYS))

    def _probe(self, server: LoopbackOsv | None, osv_url: str | None) -> None:
        """After a failed pip-audit run on the live service: is the service reachable?"""
        if server is None:
            why = unreachable(osv_url, min(5.0, max(self.ctx.timeout, 1.0)))
            self.unreachable = f"advisory service unreachable ({why})" if why else ""

    def _collect(
        self, reports: list[dict[str, Any]], audited: list[Declared], manifests: Manifests
    ) -> str | None:
        by_pin: dict[tuple[str, str], list[Declared]] = {}
        by_name: dict[str, list[Declared]] = {}
        for declared in audited:
            by_name.setdefault(declared.name, []).append(declared)
            if declared.version is not None:
                pin = (declared.name, dep.canonical(declared.version))
                by_pin.setdefault(pin, []).append(declared)
        reported: set[tuple[str, str]] = set()
        full = self.options.resolve is Resolve.FULL
        live = self._live_records(reports) if self.database is None else {}
        for dependency in reports:
            name = normalize(str(dependency.get("name", "")))
            version = str(dependency.get("version", ""))
            reported.add((name, dep.canonical(version)))
            places = (by_pin.get((name, dep.canonical(version)))
                      or (by_name.get(name) if full else None))
            if "skip_reason" in dependency:
                for declared in places or []:
                    self._unaudited(
                        declared.path,
                        declared.line,
                        declared.spec,
                        f"pip-audit skipped it: {dependency['skip_reason']}",
                        declared.manifest_class,
                    )
                continue
            transitive = False
            if not places:
                if not full:
                    continue
                first = manifests.read[0] if manifests.read else audited[0].path
                places = [Declared(first, 1, name, version, f"{name}=={version}")]
                transitive = True
            vulns = merge_reported([v for v in dependency.get("vulns") or []
                                    if isinstance(v, dict)])
            for declared in places:
                self.components[Component(name, version, declared.path, declared.line)] = None
                upgrade = (fixes_all(self.database, declared.name, version)
                           if self.database is not None else fixes_all_reported(
                               version, [dep.versions(v.get("fix_versions") or [])
                                         for v in vulns]))
                for vuln in vulns:
                    records = (related(self.database, declared.name, _ids(vuln))
                               if self.database is not None
                               else [live[i] for i in _ids(vuln) if i in live])
                    self.findings.append(dep.vulnerability(
                        NAME, declared, version, vuln, records=records,
                        default_severity=self.options.default_severity,
                        fixes_all=upgrade, transitive=transitive))
        if not full:
            missing = sorted({(d.name, dep.canonical(d.version or "")) for d in audited} - reported)
            if missing:
                listed = ", ".join(f"{n}=={v}" for n, v in missing[:5])
                return f"pip-audit did not report on {listed}"
        return None

    def _live_records(self, reports: list[dict[str, Any]]) -> dict[str, Advisory]:
        """The OSV records of every reported id and alias, from the live service (a day's
        cache): the severity the query answers lack."""
        ids = [i for d in reports for v in d.get("vulns") or [] if isinstance(v, dict)
               for i in _ids(v)]
        if not ids:
            return {}
        store = self.options.advisory_store
        cache = records_dir(Path(store) if store else None)
        live = LiveRecords(self.options.osv_url, cache, min(10.0, max(self.ctx.timeout, 1.0)))
        found = live.records(ids)
        self.notes.append(f"{len(found)} OSV record(s) read by id for severities "
                          f"({live.fetched} fetched, {live.failed} not available)")
        return found

    def _result(self, arguments: Sequence[str], code: int | None) -> ScanResult:
        self._reachability()
        record = self.scanner.record(
            self.ctx, version=self.version, arguments=arguments, exit_code=code,
            notes=self.notes, duration=time.monotonic() - self.started,
            files=len(manifest_files(self.ctx)))
        return ScanResult(tuple(self.findings), replace(
            record, components=tuple(self.components), components_complete=self.complete))


    def _reachability(self) -> None:
        """Each vulnerable pin's reachability, in its message and its ``extra``."""
        if not any(dict(f.extra).get("package") for f in self.findings):
            return
        sources = [f for f in self.ctx.files if is_source(f)]
        reach = analyse(self.ctx.root, sources, self.read, self.ctx.test_paths,
                        complete=not self.ctx.partial)
        counts: dict[str, int] = {}
        for index, finding in enumerate(self.findings):
            package = dict(finding.extra).get("package")
            if package:
                answer = reach.of(package)
                counts[answer.value] = counts.get(answer.value, 0) + 1
                self.findings[index] = with_reach(finding, answer)
        self.notes.append("reachability: " + ", ".join(f"{n} {v}" for v, n in sorted(
            counts.items())) + f" finding(s) from {len(sources)} file(s) outside the tests "
            "class" + (f"; lock graph from {', '.join(reach_locks(self.read))}"
                       if reach.graph is not None else "; no lock file gives the graph"))
        if self.ctx.partial:
            self.notes.append("reachability: a partial scan sees part of the tree: nothing "
                              "is not-imported")
        if reach.uses.unreadable:
            shown = ", ".join(reach.uses.unreadable[:3])
            self.notes.append(f"reachability: {len(reach.uses.unreadable)} Python file(s) "
                              f"could not be parsed ({shown}): nothing is not-imported")


def manifest_files(ctx: ScanContext) -> list[str]:
    """The manifests among the scanner's files (the others feed reachability only)."""
    return [f for f in ctx.files if kind_of(f) is not None]


def reach_locks(read: Sequence[str]) -> list[str]:
    """The lock files among ``read`` that give a dependency graph."""
    return [p for p in read if p.rpartition("/")[2] in ("uv.lock", "poetry.lock")]


def with_reach(finding: Finding, reach: Reach) -> Finding:
    """``finding`` with ``reachability`` (and where) in its extra and its message."""
    if reach.value == NOT_IMPORTED:
        said = ("not-imported: no first-party code imports or runs it, nor anything that "
                "depends on it in the lock file")
    elif reach.value == UNKNOWN:
        said = "unknown"
    elif reach.via:
        said = f"{reach.label}, which {reach.where} uses"
    else:
        said = f"imported at {reach.where}"
    extra = (*[(k, v) for k, v in finding.extra if k not in ("reachability", "reachable_at")],
             ("reachability", reach.label), ("reachable_at", reach.where))
    return replace(finding, message=f"{finding.message}; reachability: {said}", extra=extra)


def _ids(vuln: dict[str, Any]) -> list[str]:
    ids = [str(vuln.get("id", ""))] + [str(a) for a in vuln.get("aliases") or []]
    return [i for i in ids if i]


def _code(result: ProcessResult | ToolFailure) -> int | None:
    return result.exit_code if isinstance(result, ToolFailure) else result.returncode


def _normalise_arg(arg: str, work: Path, cache: Path | None = None) -> str:
    """Arguments as recorded: temporary and cache paths replaced (``$TMP``, ``$CACHE``) so
    the record is deterministic and names no folder of this machine."""
    text = str(arg)
    if text.startswith(str(work)):
        return "$TMP" + text[len(str(work)) :]
    if cache is not None and text.startswith(str(cache) + "/"):
        return "$CACHE" + text[len(str(cache)) :]
    return text

