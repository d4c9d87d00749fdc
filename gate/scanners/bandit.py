"""Bandit adapter: Python code, JSON output, severity x confidence."""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gate import sharding
from gate.findings import Confidence, Finding, Location, Severity, fingerprint, read_lines
from gate.process import command_for, run, scanner_env, tool_path
from gate.scanners.common import (
    BadOutput,
    as_int,
    package_version,
    parse_json_object,
    relative_path,
    require_list,
    safe_argv_paths,
)
from gate.scanners.interface import ScanContext, ScannerRun, ScanResult, SkippedFile, failed

OK_CODES = (0, 1)
SECRET_RULES = frozenset({"B105", "B106", "B107"})
_SEVERITY = {"HIGH": Severity.HIGH, "MEDIUM": Severity.MEDIUM, "LOW": Severity.LOW}
_CONFIDENCE = {"HIGH": Confidence.HIGH, "MEDIUM": Confidence.MEDIUM, "LOW": Confidence.LOW}
_DOC_NAME = re.compile(r"#(b\d+)-(.+)$")


@dataclass(frozen=True)
class _Failure:
    reason: str
    code: int | None


class BanditScanner:
    """Runs bandit on an explicit list of ``*.py`` files with in-source ``# nosec`` off."""

    name = "bandit"
    tool = "bandit"
    cache_per_file = True  # findings for a file depend only on that file

    def select(self, files: Sequence[str], root: Path) -> list[str]:
        """Python source files."""
        return [f for f in files if f.endswith((".py", ".pyi"))]

    def arguments(self) -> list[str]:
        """The normalised arguments (no file names)."""
        return ["-f", "json", "-q", "--ignore-nosec"]

    def raw_argv(self, root: Path, files: Sequence[str]) -> list[str]:
        """Bandit by hand with the gate's flags on ``files`` (for benchmarks)."""
        return [tool_path("bandit"), *self.arguments(), *safe_argv_paths(files)]

    def tool_version(self) -> str:
        """The installed bandit version (``unknown`` with a command override)."""
        return package_version("bandit", self.name)

    def run_arguments(self, ctx: ScanContext) -> list[str]:
        """The normalised arguments a run on ``ctx`` reports."""
        return self.arguments()

    def cache_config(self, ctx: ScanContext) -> dict[str, Any]:
        """What besides the file and the version decides bandit's findings for a file."""
        return {"arguments": self.arguments()}

    def exit_code_for(self, findings: Sequence[Finding]) -> int:
        """The exit code bandit gives for these findings (1 when it reports any)."""
        return 1 if findings else 0


    def scan(self, ctx: ScanContext) -> ScanResult:
        """Run bandit from the repository root; a repo ``.bandit`` is never read.

        Large file lists are split into size-balanced shards run as parallel processes
        (up to ``ctx.jobs``); their results are merged into one run record.
        """
        version = self.tool_version()
        started = time.monotonic()
        parts = sharding.shards(ctx.root, ctx.files, max(1, ctx.jobs)) or [[]]
        if len(parts) == 1:
            outcomes = [self._scan_files(ctx, ctx.files)]
        else:
            with ThreadPoolExecutor(max_workers=len(parts)) as pool:
                outcomes = list(pool.map(lambda part: self._scan_files(ctx, part), parts))
        duration = time.monotonic() - started
        common: dict[str, Any] = {"arguments": self.arguments(), "files": len(ctx.files),
                                  "version": version, "duration": duration}
        for outcome in outcomes:
            if isinstance(outcome, _Failure):
                return failed(self.name, self.tool, outcome.reason, exit_code=outcome.code,
                              **common)
        done = [o for o in outcomes if not isinstance(o, _Failure)]
        findings = tuple(f for o in done for f in o[0])
        skipped = tuple(s for o in done for s in o[1])
        code = max(o[2] for o in done)
        run_record = ScannerRun(self.name, self.tool, version, tuple(self.arguments()),
                                code, None, len(ctx.files), skipped, duration=duration)
        return ScanResult(findings, run_record)

    def _scan_files(self, ctx: ScanContext, files: Sequence[str]
                    ) -> tuple[list[Finding], list[SkippedFile], int] | _Failure:
        """One bandit process on ``files``: findings, skipped files and exit code."""
        argv = command_for(self.name, [tool_path("bandit")]) + self.arguments()
        result = run([*argv, *safe_argv_paths(files)], cwd=ctx.root, timeout=ctx.timeout,
                     env=scanner_env())
        problem = result.failure(OK_CODES)
        if problem:
            return _Failure(problem, result.returncode)
        try:
            data = parse_json_object(result)
            findings = [self._finding(ctx, item) for item in require_list(data, "results")]
            skipped = [
                SkippedFile(relative_path(str(e.get("filename", "?"))),
                            str(e.get("reason", "error")))
                for e in _list(data, "errors")
                if isinstance(e, dict)
            ]
        except (BadOutput, KeyError, TypeError, ValueError) as exc:
            reason = str(exc) if isinstance(exc, BadOutput) else f"unexpected JSON ({exc})"
            return _Failure(reason, result.returncode)
        return findings, skipped, result.returncode or 0

    def _finding(self, ctx: ScanContext, item: dict[str, Any]) -> Finding:
        path = relative_path(str(item["filename"]))
        rule = str(item["test_id"])
        line = as_int(item.get("line_number"))
        line_range = item.get("line_range") or [line]
        end_line = as_int(line_range[-1], line) if isinstance(line_range, list) else line
        col = as_int(item.get("col_offset"), 0) + 1
        end_col = item.get("end_col_offset")
        cwe = item.get("issue_cwe") or {}
        cwe_id = as_int(cwe.get("id"), 0) if isinstance(cwe, dict) else 0
        content = read_lines(ctx.read_text(path), line, line)
        more_info = str(item.get("more_info", ""))
        doc = _DOC_NAME.search(more_info)
        test_name = str(item.get("test_name", rule))
        if doc:
            test_name = doc.group(2).replace("-", "_")
        return Finding(
            scanner=self.name,
            rule_id=rule,
            rule_name=test_name,
            message=str(item.get("issue_text", "")).strip(),
            severity=_SEVERITY.get(str(item.get("issue_severity", "")).upper(), Severity.LOW),
            confidence=_CONFIDENCE.get(str(item.get("issue_confidence", "")).upper(),
                                       Confidence.LOW),
            location=Location(path, line, col, max(end_line, line),
                              as_int(end_col, col) + 1 if isinstance(end_col, int) else None),
            fingerprint=fingerprint(rule, path, content),
            cwe=(cwe_id,) if cwe_id else (),
            help_uri=more_info,
            remediation=f"See {more_info}" if more_info else "",
            tags=("security", "python"),
            secret=rule in SECRET_RULES,
        )


def _list(data: dict[str, Any], key: str) -> list[Any]:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise BadOutput(f"'{key}' in its JSON is not a list")
    return value
