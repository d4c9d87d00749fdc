"""zizmor adapter: GitHub Actions workflows, composite actions and Dependabot configuration."""

from __future__ import annotations

import os
import re
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path, PurePosixPath
from typing import Any

from gate.findings import (
    Confidence,
    Finding,
    InlineSuppression,
    Location,
    Severity,
    fingerprint,
    normalise_code,
    read_lines,
)
from gate.runs import ScanResult, SkippedFile
from gate.scanners.common import (
    ToolFailure,
    command_version,
    invoke,
    parse_output,
    relative_path,
)
from gate.scanners.interface import BaseScanner, ScanContext

TOKEN_VARIABLE = "GATE_GITHUB_TOKEN"  # noqa: S105 - a variable name, not a value
# zizmor reads its token from GH_TOKEN (also GITHUB_TOKEN / ZIZMOR_GITHUB_TOKEN); the
# environment keeps it out of argv, process listings and the ScannerRun record.
ZIZMOR_TOKEN_VARIABLE = "GH_TOKEN"  # noqa: S105 - a variable name, not a value

# 0: no findings; 10-14: findings, highest unknown/informational/low/medium/high.
OK_CODES = (0, 10, 11, 12, 13, 14)
# Undocumented: every input failed to parse ("no inputs collected").
NO_INPUTS_CODE = 3

BASE_FLAGS = (
    "--format", "json-v1",
    "--no-progress",
    "--color", "never",
    "--no-config",
    "--no-ignores",
    "--persona", "pedantic",  # read back as "regular" plus blanket write grants (KEPT)
    "--strict-collection",
)
# With --strict-collection: an input failed to load (it is rerun file by file).
COLLECTION_FAILED = 1
_FAILED_TO_LOAD = re.compile(r"failed to load (?:file://)?(?P<path>\S+) as (?P<kind>[\w-]+)")

SEVERITIES = {
    "unknown": Severity.INFO,
    "informational": Severity.INFO,
    "low": Severity.LOW,
    "medium": Severity.MEDIUM,
    "high": Severity.HIGH,
}
CONFIDENCES = {
    "unknown": Confidence.LOW,
    "low": Confidence.LOW,
    "medium": Confidence.MEDIUM,
    "high": Confidence.HIGH,
}
# What the gate keeps of the pedantic persona's findings: those of the regular persona (the
# low-noise set meant for CI), and the write grants regular drops: a workflow-level
# ``permissions: write-all`` or ``contents: write`` gives every job of the workflow a token
# that can push code and releases (zizmor rates these high; its pedantic-only read grants
# and code smells are left out).
KEPT_PERSONA = "regular"
PEDANTIC_KEPT = frozenset({("excessive-permissions", "high")})


def kept(item: Mapping[str, Any]) -> bool:
    """Whether a finding of the pedantic run is one the gate reports."""
    det = item.get("determinations") or {}
    persona = str(det.get("persona") or KEPT_PERSONA).lower()
    severity = str(det.get("severity") or "").lower()
    return persona == KEPT_PERSONA or (str(item.get("ident")), severity) in PEDANTIC_KEPT


# CWE ids for the audits whose weakness is clear, so that duplicates across tools merge.
CWES: Mapping[str, tuple[int, ...]] = {
    "template-injection": (94,),
    "dangerous-triggers": (829,),
    "unpinned-uses": (829,),
    "unpinned-images": (829,),
    "impostor-commit": (829,),
    "artipacked": (522,),
    "excessive-permissions": (250,),
    "hardcoded-container-credentials": (798,),
    "secrets-inherit": (200,),
    "overprovisioned-secrets": (200,),
    "cache-poisoning": (349,),
    "github-env": (94,),
    "dependabot-execution": (829,),
    "insecure-commands": (94,),
}

_IGNORE_COMMENT = re.compile(r"#\s*zizmor:\s*ignore\[(?P<rules>[^\]]*)\](?P<reason>[^\n]*)")
_COMPLETED = re.compile(r"completed (?P<path>\S.*?)\s*$")

DEPENDABOT_NAMES = ("dependabot.yml", "dependabot.yaml")



PRE_COMMIT_NAMES = (".pre-commit-config.yaml", ".pre-commit-hooks.yaml")
ACTION_NAMES = ("action.yml", "action.yaml")


def _is_workflow(path: PurePosixPath) -> bool:
    """A workflow at any depth: ``**/.github/workflows/*.y*ml``."""
    return (len(path.parts) >= 3 and path.parts[-3] == ".github"
            and path.parts[-2] == "workflows" and path.suffix in (".yml", ".yaml"))


def audited(rel: str) -> bool:
    """Workflows, composite actions, Dependabot and pre-commit files, at any depth."""
    if not rel.endswith((".yml", ".yaml")):  # every audited name ends so
        return False  # most files: decided without building a path
    path = PurePosixPath(rel)
    return (_is_workflow(path) or path.name in ACTION_NAMES or path.name in DEPENDABOT_NAMES
            or path.name in PRE_COMMIT_NAMES)


class ZizmorScanner(BaseScanner):
    """Runs zizmor on workflows, actions, Dependabot and pre-commit files at any depth."""

    name = "zizmor"
    tool = "zizmor"
    information_uri = "https://docs.zizmor.sh/"
    ok_codes = OK_CODES
    rule_ids = frozenset(CWES)
    suppression_kinds = ("zizmor",)
    # The workflow audit reads workflows with the local actions and reusable workflows they
    # call: one run on the whole tree (shard 1), never split across shards.
    whole_tree_only = True

    def select(self, files: Sequence[str], root: Path) -> list[str]:
        """Every workflow, ``action.y*ml``, ``dependabot.y*ml`` and pre-commit configuration
        in the tree, at any depth (a monorepo holds several projects)."""
        return [rel for rel in files if audited(rel)]

    def parse_suppressions(self, comment: str) -> list[InlineSuppression]:
        """``# zizmor: ignore[audit, ...] reason`` (the audit must be named)."""
        match = _IGNORE_COMMENT.search(comment)
        if not match:
            return []
        rules = tuple(r.strip() for r in match.group("rules").split(",") if r.strip())
        return [InlineSuppression("zizmor", rules, match.group("reason").split("#")[0].strip())]

    def tool_version(self) -> str:
        """``zizmor --version`` (the version of whatever command runs)."""
        return command_version(self.command())

    def scan(self, ctx: ScanContext) -> ScanResult:
        """Run zizmor on ``ctx.files`` from the repository root and parse its JSON.

        GitHub reads a workflow that starts with a UTF-8 byte order mark; zizmor cannot load
        one, so a BOM would switch the audit off from inside the file. When a file starts
        with one, zizmor reads a copy of the audited files without it, as GitHub does."""
        with _bom_free(ctx) as (view, stripped):
            result = self._scan(view)
        if not stripped:
            return result
        listed = ", ".join(stripped[:5]) + (f" and {len(stripped) - 5} more"
                                            if len(stripped) > 5 else "")
        note = (f"{len(stripped)} file(s) start with a UTF-8 byte order mark, read without it "
                f"as GitHub reads them: {listed}")
        return replace(result, run=replace(result.run, notes=(*result.run.notes, note)))

    def _scan(self, ctx: ScanContext) -> ScanResult:
        token = os.environ.get(TOKEN_VARIABLE, "").strip()
        flags = [*BASE_FLAGS]
        extra_env: dict[str, str] = {}
        if token:
            extra_env[ZIZMOR_TOKEN_VARIABLE] = token
        else:
            flags.append("--offline")
        files = list(ctx.files)
        arguments = (*flags, "--", *files)
        notes = ("offline",) if not token else ("online (GATE_GITHUB_TOKEN)",)
        version = command_version(self.command(), ctx.timeout)
        if not files:
            return ScanResult((), self.record(ctx, version=version, arguments=arguments,
                                              exit_code=0, notes=notes))
        started = time.monotonic()
        result = invoke(self, arguments, ctx, extra_env=extra_env,
                        ok_codes=(*OK_CODES, NO_INPUTS_CODE, COLLECTION_FAILED))
        if not isinstance(result, ToolFailure) and result.returncode == COLLECTION_FAILED:
            if _FAILED_TO_LOAD.search(result.stderr.decode("utf-8", "replace")) is None:
                reason = result.failure(OK_CODES) or "exited with code 1"
                return self.failed(ctx, reason, version=version, arguments=arguments,
                                   exit_code=1, duration=time.monotonic() - started)
            return self._file_by_file(ctx, flags, extra_env, version, notes, started)
        duration = time.monotonic() - started
        if isinstance(result, ToolFailure):
            return self.failed(ctx, result.reason, version=version, arguments=arguments,
                               exit_code=result.exit_code, duration=duration)
        stderr = result.stderr.decode("utf-8", "replace")
        if result.returncode == NO_INPUTS_CODE:
            if "no inputs collected" not in stderr:
                reason = result.failure(OK_CODES) or "exited with code 3"
                return self.failed(ctx, reason, version=version, arguments=arguments,
                                   exit_code=result.returncode, duration=duration)
            skipped = tuple(SkippedFile(f, "zizmor could not parse it") for f in files)
            return ScanResult((), self.record(ctx, version=version, arguments=arguments,
                                              exit_code=3, duration=duration, skipped=skipped,
                                              notes=notes))
        parsed = parse_output(result, lambda raw: self._parse(raw, ctx), kind=list)
        if isinstance(parsed, ToolFailure):
            return self.failed(ctx, parsed.reason, version=version, arguments=arguments,
                               exit_code=parsed.exit_code, duration=duration)
        completed = {
            relative_path(m.group("path"))
            for m in map(_COMPLETED.search, stderr.splitlines())
            if m is not None
        }
        skipped = ()
        if completed:
            skipped = tuple(
                SkippedFile(f, "zizmor could not parse it") for f in files if f not in completed
            )
        return ScanResult(tuple(parsed), self.record(
            ctx, version=version, arguments=arguments, exit_code=result.returncode,
            duration=duration, skipped=skipped, notes=notes))

    def _file_by_file(self, ctx: ScanContext, flags: Sequence[str], extra_env: dict[str, str],
                      version: str, notes: tuple[str, ...], started: float) -> ScanResult:
        """Collection failed: run each file alone, so that every file zizmor cannot load is
        listed with its reason and the others are still audited."""
        findings: list[Finding] = []
        skipped: list[SkippedFile] = []
        code = 0
        arguments = (*flags, "--", *ctx.files)
        for path in ctx.files:
            result = invoke(self, (*flags, "--", path), ctx, extra_env=extra_env,
                            ok_codes=(*OK_CODES, COLLECTION_FAILED))
            if isinstance(result, ToolFailure):
                return self.failed(ctx, result.reason, version=version, arguments=arguments,
                                   exit_code=result.exit_code,
                                   duration=time.monotonic() - started)
            if result.returncode == COLLECTION_FAILED:
                match = _FAILED_TO_LOAD.search(result.stderr.decode("utf-8", "replace"))
                kind = match["kind"] if match else "input"
                skipped.append(SkippedFile(path, f"zizmor could not load it as a {kind}"))
                continue
            parsed = parse_output(result, lambda raw: self._parse(raw, ctx), kind=list)
            if isinstance(parsed, ToolFailure):
                return self.failed(ctx, parsed.reason, version=version, arguments=arguments,
                                   exit_code=parsed.exit_code,
                                   duration=time.monotonic() - started)
            findings += parsed
            code = max(code, result.returncode or 0)
        return ScanResult(tuple(findings), self.record(
            ctx, version=version, arguments=arguments, exit_code=code,
            duration=time.monotonic() - started, skipped=skipped, notes=notes))

    def _parse(self, raw: list[Any], ctx: ScanContext) -> list[Finding]:
        findings: list[Finding] = []
        seen: dict[tuple[str, str, str], int] = {}
        texts: dict[str, str] = {}
        for item in raw:
            if not kept(item):
                continue
            rule_id = str(item["ident"])
            locations = item["locations"]
            primary = next(
                (loc for loc in locations if loc["symbolic"].get("kind") == "Primary"),
                locations[0],
            )
            key = primary["symbolic"]["key"]
            local = key.get("Local") if isinstance(key, dict) else None
            if not local:
                continue  # a remote input: nothing in this repository to point at
            path = relative_path(str(local.get("given_path") or local["verbatim_path"]))
            span = primary["concrete"]["location"]
            start = span["start_point"]
            end = span["end_point"]
            location = Location(
                path=path,
                start_line=int(start["row"]) + 1,
                start_column=int(start["column"]) + 1,
                end_line=int(end["row"]) + 1,
                end_column=int(end["column"]) + 1,
            )
            if path not in texts:
                texts[path] = ctx.read_text(path)
            flagged = read_lines(texts[path], location.start_line, location.end_line)
            counter = (rule_id, path, normalise_code(flagged))
            occurrence = seen.get(counter, 0)
            seen[counter] = occurrence + 1
            det = item["determinations"]
            desc = str(item.get("desc", rule_id))
            annotation = str(primary["symbolic"].get("annotation") or "")
            findings.append(
                Finding(
                    scanner=self.name,
                    rule_id=rule_id,
                    rule_name=desc,
                    message=f"{desc}: {annotation}" if annotation else desc,
                    severity=SEVERITIES.get(str(det["severity"]).lower(), Severity.INFO),
                    confidence=CONFIDENCES.get(str(det["confidence"]).lower(), Confidence.LOW),
                    location=location,
                    fingerprint=fingerprint(rule_id, path, flagged, occurrence),
                    cwe=CWES.get(rule_id, ()),
                    help_uri=str(item.get("url", "")),
                    tags=("security", "github-actions"),
                    suppression=_suppression(rule_id, flagged, bool(item.get("ignored"))),
                )
            )
        return findings


BOM = b"\xef\xbb\xbf"


@contextmanager
def _bom_free(ctx: ScanContext) -> Iterator[tuple[ScanContext, list[str]]]:
    """``ctx`` itself, or (when an audited file starts with a UTF-8 BOM) a context rooted
    at a temporary copy of the audited files with the BOM removed, and the files it had."""
    heads: dict[str, bytes] = {}
    for rel in ctx.files:
        try:
            with open(ctx.path_of(rel), "rb") as handle:
                heads[rel] = handle.read(len(BOM))
        except OSError:
            heads[rel] = b""
    stripped = [rel for rel, head in heads.items() if head == BOM]
    if not stripped:
        yield ctx, []
        return
    with tempfile.TemporaryDirectory(prefix="gate-zizmor-") as folder:
        for rel in ctx.files:
            try:
                data = ctx.path_of(rel).read_bytes()
            except OSError:
                continue  # zizmor names it as it names any file it cannot read
            target = Path(folder, rel)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data.removeprefix(BOM))
        yield replace(ctx, root=Path(folder), raw_names={}), stripped


def _suppression(rule_id: str, flagged: str, ignored: bool) -> InlineSuppression | None:
    """The ``# zizmor: ignore[...]`` comment in the flagged span that names this rule."""
    for match in _IGNORE_COMMENT.finditer(flagged):
        rules = tuple(r.strip() for r in match.group("rules").split(",") if r.strip())
        if rule_id in rules:
            return InlineSuppression("zizmor", rules, match.group("reason").strip())
    if ignored:
        return InlineSuppression("zizmor", (rule_id,), "")
    return None
