"""Semgrep adapter: the project's own rule packs, offline, nosemgrep off, ids as in the YAML."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from gate import rulepacks, targets
from gate.findings import Confidence, Finding, Location, Severity, fingerprint, read_lines
from gate.process import command_for, run, scanner_env, tool_path
from gate.scanners.common import (
    BadOutput,
    as_int,
    package_version,
    parse_json_object,
    relative_path,
    require_list,
)
from gate.scanners.interface import ScanContext, ScannerRun, ScanResult, SkippedFile, failed

OK_CODES = (0, 1)
_NATIVE_SEVERITY = {
    "CRITICAL": Severity.CRITICAL, "HIGH": Severity.HIGH, "ERROR": Severity.HIGH,
    "MEDIUM": Severity.MEDIUM, "WARNING": Severity.MEDIUM,
    "LOW": Severity.LOW, "INFO": Severity.LOW, "INVENTORY": Severity.INFO,
}


class SemgrepScanner:
    """Runs semgrep with the shipped packs on an explicit file list."""

    name = "semgrep"
    tool = "semgrep"
    cache_per_file = True  # the packs hold intra-file rules only

    def tool_version(self) -> str:
        """The installed semgrep version (``unknown`` with a command override)."""
        return package_version("semgrep", self.name)

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

    def exit_code_for(self, findings: Sequence[Finding]) -> int:
        """Semgrep exits 0 with findings when ``--error`` is not given."""
        return 0

    def select(self, files: Sequence[str], root: Path) -> list[str]:
        """Files one of the packs applies to (Kubernetes manifests by content)."""
        return [f for f in files if _kind(f, root) is not None]

    def arguments(self, run: targets.SemgrepRun, timeout: float) -> list[str]:
        """Normalised arguments of one semgrep invocation: pack names, not install paths."""
        args = ["scan", "--metrics=off", "--disable-version-check", "--json", "--disable-nosem",
                "--quiet", f"--timeout={max(1, int(timeout // 4))}", *run.extra_args]
        return args + [f"--config=policies/rules/{pack}" for pack in run.packs]

    def raw_argv(self, root: Path, files: Sequence[str]) -> list[str]:
        """Semgrep by hand with the gate's packs and flags on ``files`` (for benchmarks).

        Dockerfiles semgrep does not know by name need a second run; they are left out.
        """
        plans = targets.plan_semgrep_runs(
            (f, kind) for f in files if (kind := _kind(f, root)) is not None)
        if not plans:
            return []
        plan = plans[0]
        args = [a for a in self.arguments(plan, 600.0) if not a.startswith("--config=")]
        args += [f"--config={rulepacks.rules_dir() / pack}" for pack in plan.packs]
        return [tool_path("semgrep"), *args, "--", *plan.paths]

    def _plans(self, ctx: ScanContext) -> list[targets.SemgrepRun]:
        return targets.plan_semgrep_runs(
            (f, kind) for f in ctx.files if (kind := _kind(f, ctx.root)) is not None)

    def scan(self, ctx: ScanContext) -> ScanResult:
        """Run semgrep from the root; ``.semgrepignore`` does not apply to explicit targets."""
        plans = self._plans(ctx)
        findings: list[Finding] = []
        skipped: list[SkippedFile] = []
        shown: list[str] = []
        version, exit_code, duration = "unknown", 0, 0.0
        for plan in plans:
            args = self.arguments(plan, ctx.timeout)
            shown += (["&&"] if shown else []) + args
            real = [a for a in args if not a.startswith("--config=")]
            real.append(f"--jobs={max(1, ctx.jobs)}")  # machine-dependent: not in ``shown``
            real += [f"--config={rulepacks.rules_dir() / pack}" for pack in plan.packs]
            argv = command_for(self.name, [tool_path("semgrep")]) + real
            result = run([*argv, "--", *plan.paths], cwd=ctx.root,
                         timeout=max(1.0, ctx.timeout - duration), env=scanner_env())
            duration += result.duration
            exit_code = result.returncode if result.returncode is not None else exit_code
            common: dict[str, Any] = {"arguments": shown, "files": len(ctx.files),
                                      "duration": duration}
            problem = result.failure(OK_CODES)
            if problem:
                return failed(self.name, self.tool, problem, exit_code=result.returncode,
                              **common)
            known = frozenset().union(*(rulepacks.rule_ids(p.removesuffix(".yml"))
                                        for p in plan.packs))
            try:
                data = parse_json_object(result)
                version = str(data.get("version", version))
                findings += [self._finding(ctx, item, known)
                             for item in require_list(data, "results")]
                run_skipped, fatal = _errors(_list(data, "errors"))
            except (BadOutput, KeyError, TypeError, ValueError, AttributeError) as exc:
                reason = str(exc) if isinstance(exc, BadOutput) else f"unexpected JSON ({exc})"
                return failed(self.name, self.tool, reason, exit_code=result.returncode,
                              **common)
            if fatal:
                return failed(self.name, self.tool, fatal, exit_code=result.returncode,
                              version=version, **common)
            skipped += run_skipped
        run_record = ScannerRun(self.name, self.tool, version, tuple(shown), exit_code, None,
                                len(ctx.files), tuple(skipped), duration=duration)
        return ScanResult(tuple(findings), run_record)

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
    head = ""
    if path.lower().endswith((".yml", ".yaml")):
        try:
            with open(root / path, encoding="utf-8", errors="replace") as handle:
                head = handle.read(targets.HEAD_CHARS)
        except OSError:
            return None
    return targets.semgrep_kind(path, head)


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


def _errors(errors: list[Any]) -> tuple[tuple[SkippedFile, ...], str | None]:
    skipped: list[SkippedFile] = []
    fatal: str | None = None
    for error in errors:
        if not isinstance(error, dict):
            continue
        kind = error.get("type")
        kind_text = str(kind[0] if isinstance(kind, list) and kind else kind or "error")
        if error.get("path"):
            skipped.append(SkippedFile(relative_path(str(error["path"])), kind_text))
        elif str(error.get("level", "")).lower() == "error" and fatal is None:
            fatal = f"reported an error: {kind_text}"
    return tuple(skipped), fatal


def _list(data: dict[str, Any], key: str) -> list[Any]:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise BadOutput(f"'{key}' in its JSON is not a list")
    return value
