"""Secrets adapter: kingfisher on every text file of the work tree, values never kept.

kingfisher is slow on long explicit file lists (about 5 ms a path: 25 s for 5,000 files,
against 1 s for the same files as one directory), so the selected files are mirrored into
a private temporary folder (hard links where possible, else copies) and that folder is
scanned as one directory. Nothing of the repository's own configuration reaches
kingfisher: no ignore files, no baseline, no ``kingfisher.yaml`` (it reads none unless
told), and its inline ``kingfisher:ignore`` comments are left to the gate.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path, PurePosixPath
from types import MappingProxyType
from typing import Any

from gate.findings import Confidence, Finding, InlineSuppression, Location, Severity
from gate.findings import secret_fingerprint as make_secret_fingerprint
from gate.guards.redact import preview
from gate.guards.validators import choice
from gate.lines import split_lines
from gate.process import command_for, packaged_binary, tool_path
from gate.runs import ScanResult, SkippedFile
from gate.scanners.common import (
    BadOutput,
    ToolFailure,
    command_version,
    invoke,
    parse_text,
    relative_path,
)
from gate.scanners.interface import BaseScanner, ScanContext, failed
from gate.tree.path_names import uri as path_uri

MAX_BYTES = 10 * 1024 * 1024
SNIFF_BYTES = 8192

# 0: nothing found; 200: findings; 205: validated live credentials (not with --no-validate).
OK_CODES = (0, 200, 205)

FLAGS = (
    "scan",
    "--no-validate",
    "--redact",
    "--no-update-check",
    "--format", "json",
    "--git-history", "none",
    "--no-ignore",
    "--no-dedup",
    "--confidence", "low",
    "--extraction-depth", "1",
    "--max-file-size", "10",
)

SEVERITIES = {"high": Severity.HIGH, "medium": Severity.HIGH, "low": Severity.MEDIUM}
CONFIDENCES = {"high": Confidence.HIGH, "medium": Confidence.MEDIUM, "low": Confidence.LOW}

REMEDIATION = (
    "Revoke and rotate the credential, remove it from the file (and from the git history), "
    "and load it at run time from a secret store or the environment."
)
_INLINE_TOKENS = re.compile(
    r"(?i)(kingfisher:ignore|kingfisher:allow|gitleaks:allow|trufflehog:ignore)(?P<reason>.*)"
)



class SecretsScanner(BaseScanner):
    """Runs kingfisher (``--no-validate --redact``) on every text file it is given."""

    name = "secrets"
    tool = "kingfisher"
    distribution = "kingfisher-bin"
    information_uri = "https://github.com/mongodb/kingfisher"
    ok_codes = OK_CODES
    suppression_kinds = ("kingfisher",)
    cache_per_file = True  # kingfisher's rules look inside one file at a time
    relaxable_by_path = False  # a credential in tests/ is still a credential
    fingerprints_secrets = True  # kingfisher's own fingerprint, never the value
    content_scanner = False  # it looks for credentials, not at what the file does
    reads_any_name = True  # a credential in a file with an odd name is still a credential
    options = MappingProxyType({"git_history": choice("none", "pr", "all")})

    def cacheable(self, ctx: ScanContext) -> bool:
        """A history scan depends on commits, not only on the files."""
        return str(ctx.options.get("git_history") or "none") == "none"

    def owns_rule(self, pattern: str) -> bool:
        """kingfisher's rule ids: ``betterleaks.*``, ``veles.*``, ``kingfisher.*``."""
        return pattern.lower().startswith(RULE_PREFIXES)

    def is_secret(self, finding: Finding) -> bool:
        """Every finding of this scanner is a credential."""
        return True

    def describe_suppression(self, suppression: InlineSuppression) -> str:
        """kingfisher's own inline comment."""
        return "kingfisher:ignore"

    def command(self) -> list[str]:
        """``GATE_SECRETS_COMMAND``, else the binary inside the kingfisher-bin package (its
        ``kingfisher`` script only execs that binary), else ``kingfisher`` on the safe PATH."""
        return command_for(self.name, [packaged_binary("kingfisher", "kingfisher")
                                       or tool_path(self.tool)])

    def _version(self, ctx: ScanContext) -> str:
        """The installed package's version; ``--version`` only for a replaced command
        (one process start fewer on the critical path of a commit hook)."""
        installed = self.tool_version()
        return installed if installed != "unknown" else command_version(self.command(),
                                                                        ctx.timeout)

    def raw_argv(self, root: Path, files: Sequence[str]) -> list[str]:
        """Kingfisher by hand with the gate's flags on the repository folder (for benchmarks).

        Run that way it reads the whole tree, as a user would run it, not the gate's list.
        """
        return [*self.command(), *FLAGS, str(root)]

    def run_arguments(self, ctx: ScanContext) -> list[str]:
        """The normalised arguments a run reports."""
        return [*FLAGS, "."]

    def exit_code_for(self, findings: Sequence[Finding]) -> int:
        """Kingfisher exits 200 when it reports findings (validation is off)."""
        return 200 if findings else 0

    def select(self, files: Sequence[str], root: Path) -> list[str]:
        """Every file, binary ones included (credentials hide in databases and images);
        ``.git`` internals are left out. Files over 10 MB stay in the list so that ``scan``
        reports them as skipped."""
        return [rel for rel in files if ".git" not in rel.split("/")
                and os.path.isfile(os.path.join(root, rel))]

    def scan(self, ctx: ScanContext) -> ScanResult:
        """Mirror the files into a private folder, run kingfisher on it, parse its JSON."""
        arguments = (*FLAGS, ".")
        version = self._version(ctx)
        files, skipped = self._partition(ctx)
        if not files:
            return ScanResult((), self.record(ctx, version=version, arguments=arguments,
                                              exit_code=0, skipped=skipped, files=0))
        base = str(ctx.cache_dir) if ctx.cache_dir is not None else None
        if base is not None:
            os.makedirs(base, exist_ok=True)
        mirror = Path(tempfile.mkdtemp(prefix="gate-secrets-", dir=base))
        started = time.monotonic()
        try:
            places = _mirror(ctx, files, mirror)
            extra: dict[str, str] = {}
            if ctx.cache_dir is not None:
                extra["KF_RULE_CACHE_DIR"] = str(ctx.cache_dir / "kingfisher-rules")
            result = invoke(self, arguments, ctx, cwd=mirror, extra_env=extra)
        finally:
            shutil.rmtree(mirror, ignore_errors=True)
        duration = time.monotonic() - started
        common: dict[str, Any] = {"version": version, "arguments": arguments,
                                  "duration": duration}
        if isinstance(result, ToolFailure):
            return self._failed(len(files), result.reason.replace(str(mirror), "<scan folder>"),
                                result.exit_code, **common)
        parsed = parse_text(result, lambda text: _decode(text, self, ctx, set(files),
                                                         str(mirror), places))
        if isinstance(parsed, ToolFailure):
            return self._failed(len(files), parsed.reason, parsed.exit_code, **common)
        findings, scanned = parsed
        notes: tuple[str, ...] = ()
        if scanned is not None and scanned < len(files):
            notes = (
                f"kingfisher read {scanned} of {len(files)} files; it leaves out some by its "
                "own built-in rules (e.g. node_modules/, package-lock.json, *.svg)",
            )
        history = self._history(ctx)
        if isinstance(history, ToolFailure):
            return self._failed(len(files), history.reason, history.exit_code, **common)
        findings += history[0]
        notes += history[1]
        return ScanResult(tuple(findings), self.record(
            ctx, exit_code=result.returncode, files=len(files), skipped=skipped, notes=notes,
            **common))

    def _history(self, ctx: ScanContext) -> tuple[list[Finding], tuple[str, ...]] | ToolFailure:
        """``git_history = "pr"``: every commit since the change's base; ``"all"``: every
        commit. A secret added and removed inside a pull request still fails it."""
        mode = str(ctx.options.get("git_history") or "none")
        if mode == "none":
            return [], ()
        args = [*FLAGS[:FLAGS.index("--git-history")], "--git-history", "full", "--branch",
                "HEAD", *FLAGS[FLAGS.index("--git-history") + 2:]]
        if mode == "pr":
            if ctx.history_base is None:
                return ToolFailure('git_history = "pr" needs the base of the change: run with '
                                   "--policy-ref or --changed-since, with enough history "
                                   "(actions/checkout fetch-depth: 0)", None)
            args += ["--since-commit", ctx.history_base]
        result = invoke(self, [*args, "."], ctx)
        if isinstance(result, ToolFailure):
            return result
        parsed = parse_text(result, lambda text: _history_findings(text, self, ctx))
        if isinstance(parsed, ToolFailure):
            return parsed
        since = f" since {ctx.history_base[:12]}" if mode == "pr" and ctx.history_base else ""
        return parsed, (f"git history scanned{since}: {len(parsed)} finding(s) in commits",)

    def _failed(self, files: int, reason: str, exit_code: int | None, *, version: str,
                arguments: Sequence[str], duration: float) -> ScanResult:
        return failed(self.name, self.tool, reason, arguments=arguments, exit_code=exit_code,
                      files=files, version=version, duration=duration)

    def _partition(self, ctx: ScanContext) -> tuple[list[str], tuple[SkippedFile, ...]]:
        files: list[str] = []
        skipped: list[SkippedFile] = []
        for rel in ctx.files:
            full = ctx.path_of(rel)
            try:
                info = full.stat()
            except OSError:
                skipped.append(SkippedFile(rel, "unreadable"))
                continue
            if not stat.S_ISREG(info.st_mode):
                skipped.append(SkippedFile(rel, "not a regular file"))
            elif info.st_size > MAX_BYTES:
                skipped.append(SkippedFile(rel, "larger than 10 MB"))
            else:
                files.append(rel)
        return files, tuple(skipped)

    def _parse(self, report: Mapping[str, Any], ctx: ScanContext, files: set[str], mirror: str,
               places: Mapping[str, str]) -> list[Finding]:
        """Findings from an allow-list of kingfisher's fields: never its snippet or commands."""
        findings: list[Finding] = []
        lines: dict[str, list[str]] = {}
        for item in report["findings"]:
            rule = item["rule"]
            hit = item["finding"]
            rule_id = str(rule["id"])
            path = _relative(str(hit["path"]), mirror, places)
            if path not in files:
                continue
            line_no = max(int(hit.get("line") or 1), 1)
            col_start = int(hit.get("column_start") or 0)
            col_end = int(hit.get("column_end") or col_start)
            if path not in lines:
                lines[path] = split_lines(ctx.read_text(path))
            text = lines[path][line_no - 1] if line_no <= len(lines[path]) else ""
            value = text[col_start : col_end + 1] if col_end >= col_start else ""
            shown = preview(value)
            name = str(rule.get("name") or rule_id)
            confidence = str(hit.get("confidence", "medium")).lower()
            message = f"{name} found" + (f" (preview: {shown})" if shown else "")
            findings.append(
                Finding(
                    scanner=self.name,
                    rule_id=rule_id,
                    rule_name=name,
                    message=message,
                    severity=SEVERITIES.get(confidence, Severity.HIGH),
                    confidence=CONFIDENCES.get(confidence, Confidence.MEDIUM),
                    location=Location(
                        path=path,
                        start_line=line_no,
                        start_column=col_start + 1,
                        end_line=line_no,
                        end_column=col_start + 1 + len(value) if value else None,
                        uri=path_uri(ctx.raw_names[path]) if path in ctx.raw_names else None,
                    ),
                    fingerprint=make_secret_fingerprint(
                        rule_id, path, str(hit["fingerprint"])
                    ),
                    cwe=(798,),
                    remediation=REMEDIATION,
                    tags=("security", "secret"),
                    secret=True,
                    suppression=_suppression(text),
                    extra=(("rule_description", str(rule.get("description", ""))[:300]),),
                )
            )
        return findings


def _suppression(line: str) -> InlineSuppression | None:
    """kingfisher's own inline comment on the flagged line, for the gate to judge."""
    match = _INLINE_TOKENS.search(line)
    if match is None:
        return None
    reason = match.group("reason").strip(" \t-:#*/").strip()
    return InlineSuppression("kingfisher", (), reason)


def _decode(text: str, scanner: SecretsScanner, ctx: ScanContext, files: set[str],
            mirror: str, places: Mapping[str, str]) -> tuple[list[Finding], int | None]:
    """Findings from the report (the first JSON document), and the blob count from the
    summary that follows it."""
    decoder = json.JSONDecoder()
    start = len(text) - len(text.lstrip())
    if not text.strip():
        raise BadOutput("produced no output")
    try:
        report, end = decoder.raw_decode(text, start)
    except json.JSONDecodeError as exc:
        raise BadOutput(f"printed output that is not JSON ({exc.msg} at char {exc.pos})"
                        ) from None
    if not isinstance(report, dict) or not isinstance(report.get("findings"), list):
        raise BadOutput("printed JSON without its 'findings' list")
    findings = scanner._parse(report, ctx, files, mirror, places)
    scanned: int | None = None
    rest = text[end:].strip()
    if rest:
        try:
            summary, _ = decoder.raw_decode(rest)
            if isinstance(summary, dict) and isinstance(summary.get("blobs_scanned"), int):
                scanned = summary["blobs_scanned"]
        except ValueError:
            scanned = None
    return findings, scanned


# kingfisher drops every match in files with these names (images, lock files, anything in
# node_modules/); the mirror gives them a neutral name so their credentials are still found.
_DROPPED_SUFFIXES = frozenset({".svg", ".png", ".jpg", ".jpeg", ".gif", ".ico", ".webp",
                               ".bmp", ".tif", ".tiff"})
_DROPPED_NAMES = frozenset({"package-lock.json", "yarn.lock", "go.sum", "poetry.lock",
                            "pnpm-lock.yaml", "npm-shrinkwrap.json", "composer.lock",
                            "gemfile.lock", "pipfile.lock"})
NEUTRAL_FOLDER = ".gate-neutral"
RULE_PREFIXES = ("betterleaks.", "veles.", "kingfisher.")  # the families of its built-in rules


def dropped_by_name(rel: str) -> bool:
    """True for files whose matches kingfisher's built-in rules drop by their name."""
    path = PurePosixPath(rel)
    return (path.suffix.lower() in _DROPPED_SUFFIXES or path.name.lower() in _DROPPED_NAMES
            or "node_modules" in path.parts)


def _mirror(ctx: ScanContext, files: Sequence[str], mirror: Path) -> dict[str, str]:
    """Hard-link (or copy) each file under ``mirror``: at its own relative path, or under a
    neutral name when kingfisher would drop it by name or the name is not UTF-8 (kingfisher
    reports paths as text). Returns mirror path -> real path (as shown)."""
    places: dict[str, str] = {}
    for number, rel in enumerate(files):
        neutral = dropped_by_name(rel) or rel in ctx.raw_names
        inside = f"{NEUTRAL_FOLDER}/{number}.txt" if neutral else rel
        target = mirror / inside
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(ctx.path_of(rel), target)
        except OSError:
            shutil.copyfile(ctx.path_of(rel), target)
        places[inside] = rel
    return places


def _relative(path: str, mirror: str, places: Mapping[str, str]) -> str:
    path = path.replace("\\", "/")
    prefix = mirror.replace("\\", "/").rstrip("/") + "/"
    if path.startswith(prefix):
        path = path[len(prefix) :]
    rel = relative_path(path)
    return places.get(rel, rel)


def _history_findings(text: str, scanner: SecretsScanner, ctx: ScanContext) -> list[Finding]:
    """Findings of a history scan: those with a commit, each carrying it; waivable by
    fingerprint (rule, path, kingfisher's fingerprint and the commit)."""
    decoder = json.JSONDecoder()
    if not text.strip():
        raise BadOutput("produced no output")
    report, _ = decoder.raw_decode(text, len(text) - len(text.lstrip()))
    if not isinstance(report, dict) or not isinstance(report.get("findings"), list):
        raise BadOutput("printed JSON without its 'findings' list")
    out: list[Finding] = []
    for item in report["findings"]:
        hit, rule = item["finding"], item["rule"]
        commit = str((hit.get("git_metadata") or {}).get("commit", {}).get("id") or "")
        if not commit:
            continue  # the working tree is scanned on its own
        rule_id = str(rule["id"])
        path = relative_path(str(hit["path"]))
        line = max(int(hit.get("line") or 1), 1)
        name = str(rule.get("name") or rule_id)
        out.append(Finding(
            scanner=scanner.name, rule_id=rule_id, rule_name=name,
            message=f"{name} found in commit {commit[:12]} (history)",
            severity=SEVERITIES.get(str(hit.get("confidence", "medium")).lower(), Severity.HIGH),
            confidence=CONFIDENCES.get(str(hit.get("confidence", "medium")).lower(),
                                       Confidence.MEDIUM),
            location=Location(path, line, int(hit.get("column_start") or 0) + 1, line),
            fingerprint=make_secret_fingerprint(rule_id, path,
                                                f"{hit['fingerprint']}@{commit}"),
            cwe=(798,), remediation=REMEDIATION, tags=("security", "secret", "git-history"),
            secret=True, extra=(("commit", commit),)))
    return out
