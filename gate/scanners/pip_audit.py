"""pip-audit adapter: the gate reads the manifests, pip-audit checks the pins against OSV.

No code from the repository ever runs: the gate extracts the requirements itself and hands
pip-audit a temporary requirements file outside the repository (``--no-deps --disable-pip``
in ``pins`` mode). Offline advisory data (``advisory_db``) is served through a loopback OSV
endpoint. Every package is checked to exist on the index, so an unknown package cannot pass
silently; lines the gate cannot audit become ``gate/unaudited-dependency`` findings.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import tempfile
import time
from collections.abc import Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

from gate.deps.index import check_existence, configured_index
from gate.deps.manifests import Declared, Manifests, kind_of, read_manifests
from gate.deps.osv import Advisory, AdvisoryDatabase, AdvisoryDataError, normalize
from gate.deps.server import LoopbackOsv
from gate.findings import Confidence, Finding, Location, Severity, fingerprint
from gate.process import command_for, first_stderr_line, run, scanner_env, tool_path
from gate.scanners.interface import ScanContext, ScannerRun, ScanResult, failed

UNAUDITED = "gate/unaudited-dependency"
UNSUPPORTED = "gate/unsupported-manifest"
CONFUSION = "gate/dependency-confusion"
NAME = "pip-audit"
OK_CODES = (0, 1)  # 0: no known vulnerabilities, 1: vulnerabilities found (with JSON on stdout)
_ID_ORDER = ("PYSEC-", "GHSA-", "CVE-")


@dataclass(frozen=True)
class Options:
    """The validated ``[scanners.pip-audit]`` policy keys (and the matching CLI flags)."""

    resolve: str = "pins"
    unaudited: str = "fail"
    private_packages: frozenset[str] = frozenset()
    osv_url: str | None = None
    advisory_db: str | None = None
    default_severity: Severity = Severity.HIGH
    index_url: str | None = None

    @classmethod
    def from_mapping(cls, options: Mapping[str, Any]) -> Options:
        """Build from ``ScanContext.options`` (missing keys take the defaults)."""
        severity = options.get("default_severity") or "high"
        return cls(
            resolve=str(options.get("resolve") or "pins"),
            unaudited=str(options.get("unaudited") or "fail"),
            private_packages=frozenset(normalize(p) for p in options.get("private_packages", ())),
            osv_url=options.get("osv_url") or None,
            advisory_db=str(options["advisory_db"]) if options.get("advisory_db") else None,
            default_severity=Severity.from_word(str(severity)),
            index_url=options.get("index_url") or None,
        )


def dependency_finding(rule_id: str, rule_name: str, message: str, severity: Severity,
                       path: str, line: int, content: str, *, remediation: str,
                       tags: tuple[str, ...] = (), **more: Any) -> Finding:
    """A dependency-audit Finding at a manifest line; ``content`` feeds the fingerprint
    (the declaration, not the line number, so it survives lines moving)."""
    return Finding(
        scanner=NAME, rule_id=rule_id, rule_name=rule_name, message=message,
        severity=severity, confidence=Confidence.HIGH, location=Location(path, line, 1, line),
        fingerprint=fingerprint(rule_id, path, content), remediation=remediation,
        tags=("dependency", "security", *tags), **more)


def advisory_data_version(path: Path) -> str:
    """What identifies a copy of advisory data: a zip's size and time, or a folder's
    record count, newest modification and total size."""
    try:
        if path.is_file():
            stat = path.stat()
            return f"zip:{stat.st_size}:{stat.st_mtime_ns}"
        count = size = newest = 0
        for folder, _, names in os.walk(path):
            for name in names:
                stat = os.stat(os.path.join(folder, name))
                count, size = count + 1, size + stat.st_size
                newest = max(newest, stat.st_mtime_ns)
        return f"dir:{count}:{size}:{newest}"
    except OSError:
        return "unreadable"


def choose_rule_id(ids: Sequence[str]) -> str:
    """PYSEC id if any, else GHSA, else CVE, else the first id."""
    for prefix in _ID_ORDER:
        for advisory_id in ids:
            if advisory_id.startswith(prefix):
                return advisory_id
    return ids[0]


class PipAuditScanner:
    """The ``pip-audit`` scanner adapter."""

    name = NAME
    tool = "pip-audit"

    def select(self, files: Sequence[str], root: Path) -> list[str]:
        """Manifests the gate reads, plus known kinds it reports as unsupported."""
        return [f for f in files if kind_of(f) is not None]

    def cache_key(self, ctx: ScanContext) -> str | None:
        """A key for the whole audit: manifests, options, advisory-data and tool versions.

        None (never cached) with a live advisory service: its data changes without notice.
        """
        options = Options.from_mapping(ctx.options)
        if not options.advisory_db:
            return None
        digest = hashlib.sha256()
        for part in (_tool_version(), advisory_data_version(Path(options.advisory_db)),
                     json.dumps(dict(ctx.options), sort_keys=True, default=str)):
            digest.update(part.encode() + b"\0")
        for rel in sorted(ctx.files):
            digest.update(rel.encode("utf-8", "surrogateescape") + b"\0")
            try:
                digest.update((ctx.root / rel).read_bytes())
            except OSError:
                return None
            digest.update(b"\0")
        return digest.hexdigest()

    def scan(self, ctx: ScanContext) -> ScanResult:
        """Audit every manifest in ``ctx.files``."""
        started = time.monotonic()
        options = Options.from_mapping(ctx.options)
        return _Audit(ctx, options, started).run()


class _Audit:
    """One audit: manifests -> existence check -> pip-audit -> findings."""

    def __init__(self, ctx: ScanContext, options: Options, started: float) -> None:
        self.ctx = ctx
        self.options = options
        self.started = started
        self.findings: list[Finding] = []
        self.notes: list[str] = []
        self.database: AdvisoryDatabase | None = None
        self.version = _tool_version()

    def fail(
        self, error: str, arguments: Sequence[str] = (), code: int | None = None
    ) -> ScanResult:
        return failed(
            NAME,
            NAME,
            error,
            arguments=arguments,
            exit_code=code,
            files=len(self.ctx.files),
            version=self.version,
            duration=time.monotonic() - self.started,
        )

    def run(self) -> ScanResult:
        manifests = read_manifests(self.ctx.root, self.ctx.files)
        self._report_manifest_problems(manifests)
        full = self.options.resolve == "full"
        named = [d for d in manifests.declared if full or d.version is not None]
        if self.options.advisory_db:
            try:
                self.database = AdvisoryDatabase(Path(self.options.advisory_db))
            except AdvisoryDataError as exc:
                return self.fail(str(exc))
        error = self._check_existence(named)
        if error:
            return self.fail(error)
        private, known = self.options.private_packages, self._known
        audited = [d for d in named if d.name not in private and known.get(d.name, True)]
        if not audited:
            self.notes.append("no pinned dependency to audit")
            return self._result((), None)
        if self.database is not None:
            try:  # read the needed records now: a malformed one is an error naming its file
                for name in sorted({d.name for d in audited}):
                    self.database.advisories_for(name)
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

    def _unaudited_severity(self) -> Severity:
        return Severity.HIGH if self.options.unaudited == "fail" else Severity.LOW

    def _report_manifest_problems(self, manifests: Manifests) -> None:
        for item in manifests.unsupported:
            self.notes.append(f"{item.path}: found but not supported: {item.reason}")
            self.findings.append(dependency_finding(
                UNSUPPORTED, "Manifest kind not supported by the dependency audit",
                f"{item.path} is not audited: {item.reason}", Severity.LOW,
                item.path, 1, item.reason, remediation=item.reason))
        for line in manifests.unaudited:
            self._unaudited(line.path, line.line, line.text, line.reason)
        if self.options.resolve == "pins":
            for declared in manifests.declared:
                if declared.version is None:
                    self._unaudited(
                        declared.path,
                        declared.line,
                        declared.spec,
                        "not pinned to one version with '=='",
                    )

    def _unaudited(self, path: str, line: int, text: str, reason: str) -> None:
        what = f"'{text}' " if text else ""
        self.findings.append(dependency_finding(
            UNAUDITED, "Dependency the audit cannot check", f"{what}is not audited: {reason}",
            self._unaudited_severity(), path, line, text or reason,
            remediation="Pin the dependency to one version from the package index with '==', "
            "or allow-list it (private_packages) or waive this finding with a reason."))

    # -- existence on the index --------------------------------------------------------------

    _known: dict[str, bool]

    def _check_existence(self, named: list[Declared]) -> str | None:
        self._known = {}
        if not named:
            return None
        index = configured_index(self.options.index_url)
        timeout = min(10.0, max(self.ctx.timeout, 1.0))
        existence = check_existence(index, {d.name for d in named}, timeout=timeout)
        if existence.error:
            if self.database is not None:
                self.notes.append(
                    f"package index unreachable ({existence.error}): the check that every "
                    "audited package exists on the index was skipped"
                )
                return None
            return (
                f"package index unreachable ({existence.error}): cannot check that the audited "
                "packages exist, and a package the advisory service does not know would pass "
                "silently; set index_url, or use --advisory-db to audit offline"
            )
        self._known = existence.exists
        self.notes.append(f"existence of {len(existence.exists)} package(s) checked on {index}")
        for declared in named:
            exists = existence.exists.get(declared.name, True)
            if declared.name in self.options.private_packages:
                if exists:
                    self._confusion(declared, index)
            elif not exists:
                self._unaudited(
                    declared.path,
                    declared.line,
                    declared.spec,
                    f"package '{declared.name}' does not exist on the index {index} "
                    "(add it to private_packages if it is yours)",
                )
        return None

    def _confusion(self, declared: Declared, index: str) -> None:
        self.findings.append(dependency_finding(
            CONFUSION, "Private package name exists on the public index",
            f"private package '{declared.name}' also exists on {index}: an installer "
            "that consults that index may install the public package instead "
            "(dependency confusion)",
            Severity.HIGH, declared.path, declared.line, declared.name,
            remediation="Install private packages only from the private index (no "
            "--extra-index-url), pin them with hashes, or rename them.",
            tags=("dependency-confusion",)))

    # -- pip-audit -----------------------------------------------------------------------------

    def _pip_audit(
        self,
        audited: list[Declared],
        manifests: Manifests,
        work: Path,
        osv_url: str | None,
        server: LoopbackOsv | None,
    ) -> ScanResult:
        full = self.options.resolve == "full"
        cache = self.ctx.cache_dir
        root = self.ctx.root.resolve()
        if cache is None or cache.resolve().is_relative_to(root):
            cache = work / "cache"
        else:
            cache = cache / "pip-audit"
        groups = _groups(audited, full)
        reports: list[dict[str, Any]] = []
        arguments: list[str] = []
        code: int | None = None
        for number, group in enumerate(groups):
            requirements = work / f"requirements-{number}.txt"
            requirements.write_text("".join(line + "\n" for line in group), encoding="utf-8")
            argv = [
                *command_for(NAME, [tool_path("pip-audit")]),
                "-r",
                str(requirements),
                "--format",
                "json",
                "--progress-spinner",
                "off",
                "--vulnerability-service",
                "osv",
                "--cache-dir",
                str(cache),
                "--timeout",
                str(int(min(15, max(self.ctx.timeout, 1)))),
            ]
            if not full:
                argv += ["--no-deps", "--disable-pip"]
            elif self.options.index_url:
                argv += ["--index-url", self.options.index_url]
            if osv_url:
                argv += ["--osv-url", osv_url]
            arguments = [_normalise_arg(a, work) for a in argv[1:]]
            if server is not None:
                arguments = [
                    a if a != osv_url else "http://127.0.0.1:PORT/v1/query" for a in arguments
                ]
            env = scanner_env({"PIP_ONLY_BINARY": ":all:", "PIP_NO_INPUT": "1"})
            timeout = max(self.ctx.timeout - (time.monotonic() - self.started), 1.0)
            result = run(argv, cwd=work, timeout=timeout, env=env)
            code = result.returncode
            if server is not None and server.errors:
                return self.fail(server.errors[0], arguments, code)
            problem = result.failure(OK_CODES)
            if problem:
                return self.fail(f"pip-audit {problem}", arguments, code)
            try:
                report = json.loads(result.stdout)
                dependencies = report["dependencies"]
                if not isinstance(dependencies, list):
                    raise TypeError("dependencies is not a list")
            except (ValueError, KeyError, TypeError):
                line = first_stderr_line(result.stderr)
                detail = f": {line}" if line else ""
                return self.fail(
                    f"pip-audit exited with code {code} without a JSON report{detail} "
                    "(is the advisory service reachable?)",
                    arguments,
                    code,
                )
            reports.extend(d for d in dependencies if isinstance(d, dict))
        error = self._collect(reports, audited, manifests)
        if error:
            return self.fail(error, arguments, code)
        return self._result(arguments, code)

    def _collect(
        self, reports: list[dict[str, Any]], audited: list[Declared], manifests: Manifests
    ) -> str | None:
        by_pin: dict[tuple[str, str], list[Declared]] = {}
        by_name: dict[str, list[Declared]] = {}
        for declared in audited:
            by_name.setdefault(declared.name, []).append(declared)
            if declared.version is not None:
                by_pin.setdefault((declared.name, _canon(declared.version)), []).append(declared)
        reported: set[tuple[str, str]] = set()
        full = self.options.resolve == "full"
        for dependency in reports:
            name = normalize(str(dependency.get("name", "")))
            version = str(dependency.get("version", ""))
            reported.add((name, _canon(version)))
            places = by_pin.get((name, _canon(version))) or (by_name.get(name) if full else None)
            if "skip_reason" in dependency:
                for declared in places or []:
                    self._unaudited(
                        declared.path,
                        declared.line,
                        declared.spec,
                        f"pip-audit skipped it: {dependency['skip_reason']}",
                    )
                continue
            transitive = False
            if not places:
                if not full:
                    continue
                first = manifests.read[0] if manifests.read else audited[0].path
                places = [Declared(first, 1, name, version, f"{name}=={version}")]
                transitive = True
            for vuln in dependency.get("vulns") or []:
                for declared in places:
                    self.findings.append(self._vulnerability(declared, version, vuln, transitive))
        if not full:
            missing = sorted({(d.name, _canon(d.version or "")) for d in audited} - reported)
            if missing:
                listed = ", ".join(f"{n}=={v}" for n, v in missing[:5])
                return f"pip-audit did not report on {listed}"
        return None

    def _vulnerability(
        self, declared: Declared, version: str, vuln: dict[str, Any], transitive: bool
    ) -> Finding:
        ids = [str(vuln.get("id", ""))] + [str(a) for a in vuln.get("aliases") or []]
        ids = [i for i in dict.fromkeys(ids) if i]
        rule_id = choose_rule_id(ids)
        aliases = tuple(sorted(i for i in ids if i != rule_id))
        advisory: Advisory | None = None
        if self.database is not None:
            advisory = self.database.find(ids[0], declared.name)
        fixed = _versions(vuln.get("fix_versions") or [])
        severity, source = (None, "")
        cwes: tuple[int, ...] = ()
        if advisory is not None:
            fixed = sorted(set(fixed) | set(advisory.fixed_versions(declared.name)))
            severity, source = advisory.severity()
            cwes = advisory.cwes()
        installed = _parse(version)
        later = [f for f in fixed if installed is None or f > installed]
        name = declared.name
        if later:
            action = f"upgrade to {later[0]} or later"
            remediation = (
                f"Upgrade {name} to {later[0]} or later (fixed in: "
                + ", ".join(str(f) for f in fixed)
                + ")."
            )
        else:
            action = "no fixed version is known"
            remediation = (
                f"No fixed version of {name} is known: remove or replace it, or waive "
                f"{rule_id} with a reason and an expiry date."
            )
        message = f"{name} {version} is affected by {rule_id}; {action}"
        if transitive:
            message += f" ({name} is a transitive dependency resolved by pip)"
        if severity is None:
            severity = self.options.default_severity
            message += " (severity unknown)"
        else:
            message += f" ({source})"
        description = " ".join(str(vuln.get("description") or "").split())
        summary = description[:117] + "…" if len(description) > 120 else description
        cwe_tags = tuple(f"external/cwe/cwe-{n}" for n in cwes)
        return dependency_finding(
            rule_id, summary or f"Vulnerable dependency ({rule_id})", message, severity,
            declared.path, declared.line, f"{name}=={version}",
            cwe=cwes,
            help_uri=f"https://osv.dev/vulnerability/{ids[0]}",
            remediation=remediation,
            tags=(*cwe_tags, *aliases),
            aliases=aliases,
            extra=(
                ("package", name),
                ("version", version),
                ("fixed_versions", ",".join(str(f) for f in fixed)),
            ),
        )

    def _result(self, arguments: Sequence[str], code: int | None) -> ScanResult:
        run_record = ScannerRun(
            scanner=NAME,
            tool=NAME,
            version=self.version,
            arguments=tuple(arguments),
            exit_code=code,
            error=None,
            files=len(self.ctx.files),
            notes=tuple(self.notes),
            duration=time.monotonic() - self.started,
        )
        return ScanResult(tuple(self.findings), run_record)


def _groups(audited: list[Declared], full: bool) -> list[list[str]]:
    """Requirement lines, split so that no file names a package twice (pip-audit needs that)."""
    if full:
        return [sorted({d.spec for d in audited})]
    versions: dict[str, list[str]] = {}
    for declared in audited:
        pins = versions.setdefault(declared.name, [])
        if declared.version is not None and declared.version not in pins:
            pins.append(declared.version)
    depth = max(len(v) for v in versions.values())
    return [
        sorted(f"{name}=={pins[i]}" for name, pins in versions.items() if i < len(pins))
        for i in range(depth)
    ]


def _parse(version: str) -> Version | None:
    try:
        return Version(version)
    except InvalidVersion:
        return None


def _canon(version: str) -> str:
    parsed = _parse(version)
    return str(parsed) if parsed is not None else version


def _versions(texts: Sequence[Any]) -> list[Version]:
    return sorted(v for v in (_parse(str(t)) for t in texts) if v is not None)


def _normalise_arg(arg: str, work: Path) -> str:
    """Arguments as recorded: temporary paths replaced so the record is deterministic."""
    text = str(arg)
    if text.startswith(str(work)):
        return "$TMP" + text[len(str(work)) :]
    return text


def _tool_version() -> str:
    if os.environ.get("GATE_PIP_AUDIT_COMMAND"):
        return ""
    try:
        return importlib.metadata.version("pip-audit")
    except importlib.metadata.PackageNotFoundError:
        return ""
