"""Bandit adapter: Python code, JSON output, severity x confidence."""

from __future__ import annotations

import re
import time
from collections.abc import Mapping, Sequence
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
from gate.lines import PYTHON_LINES
from gate.process import tool_path
from gate.runs import ScanResult, SkippedFile
from gate.scanners.bandit import cwe as bandit_cwe
from gate.scanners.bandit import sharding, syntax
from gate.scanners.common import (
    ToolFailure,
    as_int,
    invoke,
    optional_list,
    parse_output,
    relative_path,
    require_list,
    safe_argv_paths,
)
from gate.scanners.interface import BaseScanner, ScanContext

SECRET_RULES = frozenset({"B105", "B106", "B107"})  # hard-coded passwords: credentials
# Their messages are the gate's own: bandit's text quotes the value.
_SECRET_MESSAGES = {
    "B105": "Possible hardcoded password in a string assigned or compared (value redacted)",
    "B106": "Possible hardcoded password passed as a function argument (value redacted)",
    "B107": "Possible hardcoded password as a function argument default (value redacted)",
}
_SEVERITY = {"HIGH": Severity.HIGH, "MEDIUM": Severity.MEDIUM, "LOW": Severity.LOW}
_CONFIDENCE = {"HIGH": Confidence.HIGH, "MEDIUM": Confidence.MEDIUM, "LOW": Confidence.LOW}
_DOC_NAME = re.compile(r"#(b\d+)-(.+)$")
_RULE_PATTERN = re.compile(r"^B[0-9*?\[\]]+$", re.IGNORECASE)
_NOSEC = re.compile(r"#\s*nosec\b:?(?P<rest>[^#]*)", re.IGNORECASE)
_ID = re.compile(r"[A-Za-z0-9_.*?\-/]+")
_BANDIT_ID = re.compile(r"^B\d{3}$", re.IGNORECASE)

_Outcome = tuple[list[Finding], list[SkippedFile], int]


class BanditScanner(BaseScanner):
    """Runs bandit on an explicit list of ``*.py`` files with in-source ``# nosec`` off."""

    name = "bandit"
    tool = "bandit"
    information_uri = "https://bandit.readthedocs.io/"
    ok_codes = (0, 1)
    secret_rules = SECRET_RULES
    suppression_kinds = ("nosec",)
    line_style = PYTHON_LINES  # bandit numbers lines as Python's tokenizer does
    cache_per_file = True  # findings for a file depend only on that file

    def select(self, files: Sequence[str], root: Path) -> list[str]:
        """Python source files."""
        return [f for f in files if f.endswith((".py", ".pyi"))]

    def owns_rule(self, pattern: str) -> bool:
        """Bandit's test ids: ``B`` and digits (globs allowed)."""
        return _RULE_PATTERN.match(pattern) is not None

    def parse_suppressions(self, comment: str) -> list[InlineSuppression]:
        """``# nosec``, bare or with rule ids (``# nosec B602`` / ``# nosec: B602,B603``)."""
        match = _NOSEC.search(comment)
        if not match:
            return []
        words = match["rest"].strip()
        ids = tuple(w for w in re.split(r"[\s,]+", words) if w and _ID.fullmatch(w)
                    and _BANDIT_ID.match(w))
        reason = " ".join(w for w in re.split(r"[\s,]+", words) if w and w not in ids)
        return [InlineSuppression("nosec", tuple(i.upper() for i in ids), reason)]

    def suppression_applies(self, suppression: InlineSuppression, finding: Finding) -> bool:
        """A bare ``# nosec`` names every bandit rule; else the ids must match."""
        return finding.scanner == self.name and (
            not suppression.rules or any(r.upper() in suppression.rules
                                         for r in finding.rule_ids))

    def describe_suppression(self, suppression: InlineSuppression) -> str:
        """``# nosec B602``."""
        return f"# nosec {','.join(suppression.rules)}".rstrip()

    def arguments(self) -> list[str]:
        """The normalised arguments (no file names). ``--exclude=`` empties bandit's default
        exclude list, which matches ``.git`` as a substring (so no ``.py`` under
        ``.github/`` was read): the gate decides what is excluded."""
        return ["-f", "json", "-q", "--ignore-nosec", "--exclude="]

    def raw_argv(self, root: Path, files: Sequence[str]) -> list[str]:
        """Bandit by hand with the gate's flags on ``files`` (for benchmarks)."""
        return [tool_path("bandit"), *self.arguments(), "--", *safe_argv_paths(files)]

    def run_arguments(self, ctx: ScanContext) -> list[str]:
        """The normalised arguments a run on ``ctx`` reports."""
        return self.arguments()

    def cache_config(self, ctx: ScanContext) -> dict[str, Any]:
        """Its arguments and the gate's CWE table: a finding's CWEs come from both."""
        return {"arguments": self.run_arguments(ctx), "cwe": bandit_cwe.DIGEST}

    def exit_code_for(self, findings: Sequence[Finding]) -> int:
        """The exit code bandit gives for these findings (1 when it reports any)."""
        return 1 if findings else 0

    def scan(self, ctx: ScanContext) -> ScanResult:
        """Run bandit from the repository root; a repo ``.bandit`` is never read.

        Large file lists are split into size-balanced shards run as parallel processes
        (up to ``ctx.jobs``); their results are merged into one run record.
        """
        version = self.tool_version()
        if not ctx.files:  # bandit with no targets exits 2: nothing to run
            return ScanResult((), self.record(ctx, version=version, arguments=self.arguments(),
                                              exit_code=0))
        started = time.monotonic()
        parts = sharding.shards(ctx.root, ctx.files, max(1, ctx.jobs)) or [[]]
        if len(parts) == 1:
            outcomes = [self._scan_files(ctx, ctx.files)]
        else:
            with ThreadPoolExecutor(max_workers=len(parts)) as pool:
                outcomes = list(pool.map(lambda part: self._scan_files(ctx, part), parts))
        duration = time.monotonic() - started
        done: list[_Outcome] = []
        for outcome in outcomes:
            if isinstance(outcome, ToolFailure):
                return self.failed(ctx, outcome.reason, exit_code=outcome.exit_code,
                                   arguments=self.arguments(), version=version,
                                   duration=duration)
            done.append(outcome)
        findings = tuple(f for o in done for f in o[0])
        skipped = tuple(s for o in done for s in o[1])
        code = max(o[2] for o in done)
        return ScanResult(findings, self.record(ctx, version=version, arguments=self.arguments(),
                                                exit_code=code, duration=duration,
                                                skipped=skipped))

    def _scan_files(self, ctx: ScanContext, files: Sequence[str]) -> _Outcome | ToolFailure:
        """One bandit process on ``files``: findings, skipped files and exit code."""
        # File names after "--" (bandit's argparse ends options there) and as "./name".
        result = invoke(self, [*self.arguments(), "--", *safe_argv_paths(files)], ctx)
        if isinstance(result, ToolFailure):
            return result

        def parse(data: dict[str, Any]) -> _Outcome:
            findings = [self._finding(ctx, item) for item in require_list(data, "results")]
            skipped = [self._skipped(ctx, e) for e in optional_list(data, "errors")
                       if isinstance(e, dict)]
            listed = {s.path for s in skipped}
            skipped += [s for s in self.confirm_coverage(files, data) if s.path not in listed]
            return findings, skipped, result.returncode or 0

        return parse_output(result, parse)

    def _skipped(self, ctx: ScanContext, error: Mapping[str, Any]) -> SkippedFile:
        """A file bandit reported an error for; a syntax error names the Python it needs."""
        path = relative_path(str(error.get("filename", "?")))
        reason = str(error.get("reason", "error"))
        if reason.startswith("syntax error"):
            reason = syntax.skip_reason(ctx.read_text(path), reason)
        return SkippedFile(path, reason)

    def confirm_coverage(self, given: Sequence[str], output: Mapping[str, Any]
                         ) -> tuple[SkippedFile, ...]:
        """Files bandit was given but has no metrics for (it did not read them)."""
        metrics = output.get("metrics")
        if not isinstance(metrics, dict):
            return ()
        read = {relative_path(str(name)) for name in metrics if name != "_totals"}
        return tuple(SkippedFile(path, "bandit did not read it") for path in given
                     if relative_path(path) not in read)

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
        source = ctx.read_text(path)
        content = read_lines(source, line, line, self.line_style)
        more_info = str(item.get("more_info", ""))
        doc = _DOC_NAME.search(more_info)
        test_name = str(item.get("test_name", rule))
        if doc:
            test_name = doc.group(2).replace("-", "_")
        return Finding(
            scanner=self.name,
            rule_id=rule,
            rule_name=test_name,
            message=_SECRET_MESSAGES.get(rule.upper()) or str(item.get("issue_text", "")).strip(),
            severity=_SEVERITY.get(str(item.get("issue_severity", "")).upper(), Severity.LOW),
            confidence=_CONFIDENCE.get(str(item.get("issue_confidence", "")).upper(),
                                       Confidence.LOW),
            location=Location(path, line, col, max(end_line, line),
                              as_int(end_col, col) + 1 if isinstance(end_col, int) else None),
            fingerprint=fingerprint(rule, path, content),
            cwe=bandit_cwe.cwe_for(rule, cwe_id, source),
            help_uri=more_info,
            remediation=f"See {more_info}" if more_info else "",
            tags=("security", "python"),
            secret=rule.upper() in SECRET_RULES,
        )

