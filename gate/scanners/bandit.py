"""Bandit adapter: Python code, JSON output, severity x confidence."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

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


class BanditScanner:
    """Runs bandit on an explicit list of ``*.py`` files with in-source ``# nosec`` off."""

    name = "bandit"
    tool = "bandit"

    def select(self, files: Sequence[str], root: Path) -> list[str]:
        """Python source files."""
        return [f for f in files if f.endswith((".py", ".pyi"))]

    def arguments(self) -> list[str]:
        """The normalised arguments (no file names)."""
        return ["-f", "json", "-q", "--ignore-nosec"]

    def scan(self, ctx: ScanContext) -> ScanResult:
        """Run bandit from the repository root; a repo ``.bandit`` is never read."""
        argv = command_for(self.name, [tool_path("bandit")]) + self.arguments()
        version = package_version("bandit", self.name)
        result = run([*argv, *safe_argv_paths(ctx.files)], cwd=ctx.root, timeout=ctx.timeout,
                     env=scanner_env())
        problem = result.failure(OK_CODES)
        common: dict[str, Any] = {"arguments": self.arguments(), "files": len(ctx.files),
                                  "version": version, "duration": result.duration}
        if problem:
            return failed(self.name, self.tool, problem, exit_code=result.returncode, **common)
        try:
            data = parse_json_object(result)
            results = require_list(data, "results")
            findings = tuple(self._finding(ctx, item) for item in results)
            skipped = tuple(
                SkippedFile(relative_path(str(e.get("filename", "?"))),
                            str(e.get("reason", "error")))
                for e in _list(data, "errors")
                if isinstance(e, dict)
            )
        except (BadOutput, KeyError, TypeError, ValueError) as exc:
            reason = str(exc) if isinstance(exc, BadOutput) else f"unexpected JSON ({exc})"
            return failed(self.name, self.tool, reason, exit_code=result.returncode, **common)
        run_record = ScannerRun(self.name, self.tool, version, tuple(self.arguments()),
                                result.returncode, None, len(ctx.files), skipped,
                                duration=result.duration)
        return ScanResult(findings, run_record)

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
