"""Semgrep adapter: the project's own rule packs, offline, nosemgrep off, ids as in the YAML."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from gate import rulepacks
from gate.findings import Confidence, Finding, Location, Severity, fingerprint, read_lines
from gate.process import command_for, run, scanner_env, tool_path
from gate.scanners.common import (
    BadOutput,
    as_int,
    package_version,
    parse_json_object,
    relative_path,
    safe_argv_paths,
)
from gate.scanners.interface import ScanContext, ScannerRun, ScanResult, SkippedFile, failed

OK_CODES = (0, 1)
_NATIVE_SEVERITY = {
    "CRITICAL": Severity.CRITICAL, "HIGH": Severity.HIGH, "ERROR": Severity.HIGH,
    "MEDIUM": Severity.MEDIUM, "WARNING": Severity.MEDIUM,
    "LOW": Severity.LOW, "INFO": Severity.LOW, "INVENTORY": Severity.INFO,
}
PYTHON_PACKS = ("python",)


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
        return self.arguments(self.packs_for(ctx.files, ctx.root), ctx.timeout)

    def cache_config(self, ctx: ScanContext) -> dict[str, Any]:
        """Every pack's content and the base arguments decide a file's findings."""
        packs = rulepacks.available_packs()
        return {"packs": rulepacks.packs_digest(packs),
                "arguments": self.arguments([], ctx.timeout)}

    def exit_code_for(self, findings: Sequence[Finding]) -> int:
        """Semgrep exits 0 with findings when ``--error`` is not given."""
        return 0

    def select(self, files: Sequence[str], root: Path) -> list[str]:
        """Files one of the packs applies to."""
        return [f for f in files if _kind(f, root) is not None]

    def packs_for(self, files: Sequence[str], root: Path) -> list[str]:
        """The packs needed for ``files``."""
        kinds = {_kind(f, root) for f in files}
        return sorted({pack for kind in kinds if kind for pack in _PACKS.get(kind, ())
                       if pack in rulepacks.available_packs()})

    def arguments(self, packs: Sequence[str], timeout: float) -> list[str]:
        """Normalised arguments: pack names instead of install paths."""
        args = ["scan", "--metrics=off", "--disable-version-check", "--json", "--disable-nosem",
                "--quiet", f"--timeout={max(1, int(timeout // 4))}"]
        for pack in packs:
            args.append(f"--config=policies/rules/{pack}.yml")
        return args

    def scan(self, ctx: ScanContext) -> ScanResult:
        """Run semgrep from the root; ``.semgrepignore`` does not apply to explicit targets."""
        packs = self.packs_for(ctx.files, ctx.root)
        shown = self.arguments(packs, ctx.timeout)
        real = [a for a in shown if not a.startswith("--config=")]
        real.append(f"--jobs={max(1, ctx.jobs)}")  # machine-dependent: not in ``shown``
        for pack in packs:
            real.append(f"--config={rulepacks.pack_path(pack)}")
        argv = command_for(self.name, [tool_path("semgrep")]) + real
        result = run([*argv, *safe_argv_paths(ctx.files)], cwd=ctx.root, timeout=ctx.timeout,
                     env=scanner_env())
        common: dict[str, Any] = {"arguments": shown, "files": len(ctx.files),
                                  "duration": result.duration}
        problem = result.failure(OK_CODES)
        if problem:
            return failed(self.name, self.tool, problem, exit_code=result.returncode, **common)
        known: frozenset[str] = frozenset().union(*(rulepacks.rule_ids(p) for p in packs))
        try:
            data = parse_json_object(result)
            version = str(data.get("version", "unknown"))
            findings = tuple(self._finding(ctx, item, known) for item in _list(data, "results"))
            skipped, fatal = _errors(_list(data, "errors"))
        except (BadOutput, KeyError, TypeError, ValueError) as exc:
            reason = str(exc) if isinstance(exc, BadOutput) else f"unexpected JSON ({exc})"
            return failed(self.name, self.tool, reason, exit_code=result.returncode, **common)
        if fatal:
            return failed(self.name, self.tool, fatal, exit_code=result.returncode,
                          version=version, **common)
        run_record = ScannerRun(self.name, self.tool, version, tuple(shown), result.returncode,
                                None, len(ctx.files), skipped, duration=result.duration)
        return ScanResult(findings, run_record)

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


def _kind(path: str, root: Path) -> str | None:
    if path.endswith((".py", ".pyi")):
        return "python"
    return None


_PACKS: dict[str, tuple[str, ...]] = {"python": ("python", "settings")}


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
