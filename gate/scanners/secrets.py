"""Secrets adapter: kingfisher on every file of the work tree, values never kept.

kingfisher is slow on long explicit file lists (about 5 ms a path: 25 s for 5,000 files,
against 1 s for the same files as one directory), so the selected files are mirrored into
a private temporary folder (hard links where possible, else copies) and that folder is
scanned as one directory. Every file is mirrored under a neutral numbered name that keeps
only its extension (which kingfisher needs to open archives), so nothing of its real path
reaches kingfisher: its built-in skip lists (fonts, images, lock files, ``node_modules/``,
``bower_components/``, ``vendor/bundle/``, ...) match nothing, and no folder of the tree
can pass for a git repository (a tree with many ``.git`` copies made kingfisher print one
report per repository). Findings inside archives and databases are reported at the
container's path with the member named. Every document kingfisher prints is read, and
output the gate cannot account for (a path it did not give, counts that do not add up) is
a failed run. Nothing of the repository's own configuration reaches kingfisher: no ignore
files, no baseline, no ``kingfisher.yaml`` (it reads none unless told), and its inline
``kingfisher:ignore`` comments are left to the gate.

``git_history = "pr"`` or ``"all"``: the blobs the commits added are exported from git and
mirrored the same way, so a history scan sees exactly what a tree scan sees.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from types import MappingProxyType
from typing import Any

from gate.errors import GitError
from gate.findings import Confidence, Finding, InlineSuppression, Location, Severity
from gate.findings import secret_fingerprint as make_secret_fingerprint
from gate.guards.bounded import TooComplex, check
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
)
from gate.scanners.interface import BaseScanner, ScanContext, failed
from gate.tree.git import HistoryBlob, added_blobs, blob_sizes, read_blobs
from gate.tree.path_names import is_utf8, shown
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
    """Runs kingfisher (``--no-validate --redact``) on every file it is given."""

    name = "secrets"
    tool = "kingfisher"
    distribution = "kingfisher-bin"
    information_uri = "https://github.com/mongodb/kingfisher"
    ok_codes = OK_CODES
    suppression_kinds = ("kingfisher",)
    cache_per_file = True  # kingfisher's rules look inside one file at a time
    relaxable_by_path = False  # a credential in tests/ is still a credential
    fingerprints_secrets = True  # kingfisher's own fingerprint, never the value
    credential_formats = True  # only a policy waiver accepts them (secret_suppressions)
    content_scanner = False  # it looks for credentials, not at what the file does
    reads_any_name = True  # a credential in a file with an odd name is still a credential
    options = MappingProxyType({"git_history": choice("none", "pr", "all")})

    def cacheable(self, ctx: ScanContext) -> bool:
        """A history scan depends on commits, not only on the files."""
        return _history_mode(ctx) == "none"

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

    def cache_config(self, ctx: ScanContext) -> dict[str, Any]:
        """Its arguments, and how files reach it: results cached before the neutral mirror
        (which left out what kingfisher skips by name) are not reused."""
        return {"arguments": self.run_arguments(ctx), "mirror": MIRROR_LAYOUT}

    def exit_code_for(self, findings: Sequence[Finding]) -> int:
        """Kingfisher exits 200 when it reports findings (validation is off)."""
        return 200 if findings else 0

    def select(self, files: Sequence[str], root: Path) -> list[str]:
        """Every file, binary ones included (credentials hide in databases and images);
        ``.git`` internals are left out. Files over 10 MB stay in the list so that ``scan``
        reports them as skipped."""
        return [rel for rel in files if _kept(rel) and os.path.isfile(os.path.join(root, rel))]

    def scan(self, ctx: ScanContext) -> ScanResult:
        """Mirror the files into a private folder, run kingfisher on it, parse its JSON."""
        arguments = (*FLAGS, ".")
        version = self._version(ctx)
        files, skipped = self._partition(ctx)
        common: dict[str, Any] = {"version": version, "arguments": arguments}
        started = time.monotonic()
        findings: list[Finding] = []
        exit_code = 0
        if files:
            sources = ((_Place(rel), ctx.path_of(rel)) for rel in files)
            outcome = self._run(ctx, lambda mirror: _mirror_files(sources, mirror))
            if isinstance(outcome, ToolFailure):
                return self._failed(len(files), outcome.reason, outcome.exit_code,
                                    duration=time.monotonic() - started, **common)
            hits, exit_code = outcome
            lines: dict[str, list[str]] = {}
            findings = [self._tree_finding(ctx, hit, lines) for hit in hits]
        history = self._history(ctx)
        duration = time.monotonic() - started
        if isinstance(history, ToolFailure):
            return self._failed(len(files), history.reason, history.exit_code,
                                duration=duration, **common)
        findings += history[0]
        return ScanResult(tuple(findings), self.record(
            ctx, exit_code=exit_code, files=len(files), skipped=skipped, notes=history[1],
            duration=duration, **common))

    def _run(self, ctx: ScanContext, fill: Callable[[Path], dict[str, _Place]]
             ) -> tuple[list[_Hit], int] | ToolFailure:
        """Fill a private folder (``fill(folder)`` returns mirror name -> place), run
        kingfisher on it and map every finding back to its place."""
        base = str(ctx.cache_dir) if ctx.cache_dir is not None else None
        if base is not None:
            os.makedirs(base, exist_ok=True)
        mirror = Path(tempfile.mkdtemp(prefix="gate-secrets-", dir=base))
        try:
            places: dict[str, _Place] = fill(mirror)
            extra: dict[str, str] = {}
            if ctx.cache_dir is not None:
                extra["KF_RULE_CACHE_DIR"] = str(ctx.cache_dir / "kingfisher-rules")
            result = invoke(self, FLAGS_AND_TARGET, ctx, cwd=mirror, extra_env=extra)
        finally:
            shutil.rmtree(mirror, ignore_errors=True)
        if isinstance(result, ToolFailure):
            return ToolFailure(result.reason.replace(str(mirror), "<scan folder>"),
                               result.exit_code)
        parsed = parse_text(result, lambda text: _hits(text, str(mirror), places))
        if isinstance(parsed, ToolFailure):
            return parsed
        return parsed, result.returncode or 0

    def _history(self, ctx: ScanContext) -> tuple[list[Finding], tuple[str, ...]] | ToolFailure:
        """``git_history = "pr"``: every file version the commits since the change's base
        wrote; ``"all"``: every commit's. A secret added and removed inside a pull request
        still fails it. Ignored (with a note) in the commit hook, which scans staged files."""
        mode = _history_mode(ctx)
        if mode == "none":
            return [], ()
        if ctx.hook:
            return [], (f'git_history = "{mode}" is not used by the commit hook: it scans the '
                        "staged files only (the history is scanned in CI)",)
        if mode == "pr" and ctx.history_base is None:
            return ToolFailure('git_history = "pr" needs the base of the change: run with '
                               "--policy-ref or --changed-since, with enough history "
                               "(actions/checkout fetch-depth: 0)", None)
        since = ctx.history_base if mode == "pr" else None
        try:
            blobs = [b for b in added_blobs(ctx.root, since, ctx.timeout) if _kept(b.path)]
            sizes = blob_sizes(ctx.root, sorted({b.blob for b in blobs}), ctx.timeout)
        except GitError as exc:
            return ToolFailure(f"could not read the git history: {exc}", None)
        large = sorted({shown(b.path) for b in blobs if sizes.get(b.blob, 0) > MAX_BYTES})
        wanted = [b for b in blobs if sizes.get(b.blob, 0) <= MAX_BYTES]
        notes: list[str] = []
        if large:
            notes.append(f"git history: {len(large)} file version(s) over 10 MB not read: "
                         + ", ".join(large[:5]))
        findings: list[Finding] = []
        if wanted:
            def fill(mirror: Path) -> dict[str, _Place]:
                return _mirror_blobs(ctx.root, wanted, mirror, ctx.timeout, sizes)

            try:
                outcome = self._run(ctx, fill)
            except GitError as exc:
                return ToolFailure(f"could not read the git history: {exc}", None)
            if isinstance(outcome, ToolFailure):
                return outcome
            findings = [self._history_finding(hit) for hit in outcome[0]]
        since_text = f" since {since[:12]}" if since else ""
        notes.insert(0, f"git history scanned{since_text}: {len(wanted)} file version(s) in "
                        f"commits, {len(findings)} finding(s)")
        return findings, tuple(notes)

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

    def _tree_finding(self, ctx: ScanContext, hit: _Hit, lines: dict[str, list[str]]
                      ) -> Finding:
        """A finding of the work tree, from an allow-list of kingfisher's fields (never its
        snippet or commands); the preview is cut from the file's own line (``lines``: the
        files read so far)."""
        item = hit.item
        path = hit.place.path
        finding = self._common(hit)
        uri = path_uri(ctx.raw_names[path]) if path in ctx.raw_names else None
        if hit.member:
            return _with(finding, Location(path, 1, 1, uri=uri), f"{finding.message}", None)
        line_no = max(int(item["finding"].get("line") or 1), 1)
        col_start = int(item["finding"].get("column_start") or 0)
        col_end = int(item["finding"].get("column_end") or col_start)
        if path not in lines:
            lines[path] = split_lines(ctx.read_text(path))
        numbered = lines[path]
        text = numbered[line_no - 1] if line_no <= len(numbered) else ""
        value = text[col_start : col_end + 1] if col_end >= col_start else ""
        shown = preview(value)
        location = Location(path, line_no, col_start + 1, line_no,
                            col_start + 1 + len(value) if value else None, uri)
        message = finding.message + (f" (preview: {shown})" if shown else "")
        return _with(finding, location, message, _suppression(text))

    def _history_finding(self, hit: _Hit) -> Finding:
        """A finding in a file version a commit wrote, carrying the commit; waivable by
        fingerprint (rule, path, member, kingfisher's fingerprint and the commit)."""
        commit = hit.place.commit
        finding = self._common(hit, f"@{commit}")
        line = 1 if hit.member else max(int(hit.item["finding"].get("line") or 1), 1)
        column = 1 if hit.member else int(hit.item["finding"].get("column_start") or 0) + 1
        return _with(finding, Location(hit.place.path, line, column, line, uri=hit.place.uri),
                     f"{finding.message} in commit {commit[:12]} (history)", None,
                     tags=("security", "secret", "git-history"), extra=(("commit", commit),))

    def _common(self, hit: _Hit, salt: str = "") -> Finding:
        """The parts of a finding that do not depend on where the text came from."""
        rule, found = hit.item["rule"], hit.item["finding"]
        rule_id = str(rule["id"])
        name = str(rule.get("name") or rule_id)
        confidence = str(found.get("confidence", "medium")).lower()
        message = f"{name} found"
        extra: tuple[tuple[str, str], ...] = (
            ("rule_description", str(rule.get("description", ""))[:300]),)
        tool_fingerprint = str(found["fingerprint"]) + salt
        if hit.member:
            line = max(int(found.get("line") or 1), 1)
            message += f" inside this file: in {hit.member}, line {line}"
            extra += (("member", hit.member),)
            tool_fingerprint = f"{hit.member}!{tool_fingerprint}"
        return Finding(
            scanner=self.name, rule_id=rule_id, rule_name=name, message=message,
            severity=SEVERITIES.get(confidence, Severity.HIGH),
            confidence=CONFIDENCES.get(confidence, Confidence.MEDIUM),
            location=Location(hit.place.path),
            fingerprint=make_secret_fingerprint(rule_id, hit.place.path, tool_fingerprint),
            cwe=(798,), remediation=REMEDIATION, tags=("security", "secret"), secret=True,
            extra=extra)


def _with(finding: Finding, location: Location, message: str,
          suppression: InlineSuppression | None, *, tags: tuple[str, ...] | None = None,
          extra: tuple[tuple[str, str], ...] = ()) -> Finding:
    from dataclasses import replace

    return replace(finding, location=location, message=message, suppression=suppression,
                   tags=tags or finding.tags, extra=finding.extra + extra)


def _history_mode(ctx: ScanContext) -> str:
    return str(ctx.options.get("git_history") or "none")


def _kept(rel: str) -> bool:
    """False for git's own files (a ``.git`` folder at any depth)."""
    return ".git" not in rel.split("/")


def _suppression(line: str) -> InlineSuppression | None:
    """kingfisher's own inline comment on the flagged line, for the gate to judge."""
    match = _INLINE_TOKENS.search(line)
    if match is None:
        return None
    reason = match.group("reason").strip(" \t-:#*/").strip()
    return InlineSuppression("kingfisher", (), reason)


FLAGS_AND_TARGET = (*FLAGS, ".")
MAX_MEMBER = 200  # characters of an archive member's name kept in a finding


@dataclass(frozen=True)
class _Place:
    """Where a mirrored file comes from: its path in the tree (as shown), and the commit
    that wrote it (history scans only)."""

    path: str
    commit: str = ""
    uri: str | None = None  # a name that is not UTF-8 (``path`` is then as shown)


@dataclass(frozen=True)
class _Hit:
    """One finding of kingfisher's, mapped back: the file, the member of an archive or
    database it was found in (``""``: the file itself), and kingfisher's fields."""

    place: _Place
    member: str
    item: Mapping[str, Any]


def _documents(text: str) -> list[Any]:
    """Every JSON document of ``text`` (kingfisher prints a report per repository it finds,
    then a summary), bounded in size and depth."""
    if not text.strip():
        raise BadOutput("produced no output")
    try:
        check(text)
    except TooComplex as exc:
        raise BadOutput(f"printed JSON that cannot be read: {exc}") from None
    decoder = json.JSONDecoder()
    documents: list[Any] = []
    position = 0
    while True:
        while position < len(text) and text[position].isspace():
            position += 1
        if position >= len(text):
            return documents
        try:
            document, position = decoder.raw_decode(text, position)
        except json.JSONDecodeError as exc:
            raise BadOutput(f"printed output that is not JSON ({exc.msg} at char {exc.pos})"
                            ) from None
        documents.append(document)


def _is_summary(document: Mapping[str, Any]) -> bool:
    count, blobs = document.get("findings"), document.get("blobs_scanned")
    return (isinstance(count, int) and not isinstance(count, bool) and isinstance(blobs, int)
            and not isinstance(blobs, bool))


def _hits(text: str, mirror: str, places: Mapping[str, _Place]) -> list[_Hit]:
    """Every finding of every report kingfisher printed, mapped back to its place; output
    the gate cannot account for (another kind of document, a summary whose count differs
    from the findings, a path the gate did not give) raises BadOutput."""
    reports: list[Mapping[str, Any]] = []
    summaries: list[Mapping[str, Any]] = []
    for document in _documents(text):
        if isinstance(document, dict) and isinstance(document.get("findings"), list):
            reports.append(document)
        elif isinstance(document, dict) and _is_summary(document):
            summaries.append(document)
        else:
            raise BadOutput("printed a JSON document that is neither a report nor its "
                            "summary")
    if not reports:
        raise BadOutput("printed JSON without its 'findings' list")
    items = [item for report in reports for item in report["findings"]]
    if len(summaries) != 1:
        raise BadOutput(f"printed {len(summaries)} summaries (expected one): its findings "
                        "cannot be counted")
    if summaries[0]["findings"] != len(items):
        raise BadOutput(f"counted {summaries[0]['findings']} finding(s) in its summary but "
                        f"reported {len(items)}")
    hits: list[_Hit] = []
    for item in items:
        place, member = _locate(str(item["finding"]["path"]), mirror, places)
        hits.append(_Hit(place, member, item))
    return hits


def _locate(reported: str, mirror: str, places: Mapping[str, _Place]) -> tuple[_Place, str]:
    """The place of a reported path, and the archive member (``bundle.zip!key.pem``) or
    database part (``app.db/cfg.sql``) after the mirrored name; BadOutput for a path the
    gate did not give kingfisher."""
    path = reported.replace("\\", "/")
    prefix = mirror.replace("\\", "/").rstrip("/") + "/"
    if path.startswith(prefix):
        path = path[len(prefix):]
    while path.startswith("./"):
        path = path[2:]
    bucket, _, rest = path.partition("/")
    cuts = [i for i in (rest.find("!"), rest.find("/")) if i >= 0]
    cut = min(cuts) if cuts else len(rest)
    place = places.get(f"{bucket}/{rest[:cut]}")
    if place is None:
        raise BadOutput("reported a finding in a file the gate did not give it")
    member = rest[cut + 1:]
    if cut < len(rest) and not member:
        raise BadOutput("reported a finding in an archive member without a name")
    if len(member) > MAX_MEMBER:
        member = member[: MAX_MEMBER - 1] + "…"
    return place, member


# kingfisher drops every match in files whose names match its built-in lists (images,
# fonts, lock files, node_modules/, bower_components/, vendor/bundle/, ...). The mirror
# gives every file a numbered name that keeps only a plain extension, which kingfisher
# needs to open archives (a ``.tar.gz`` without its extension is not opened); an extension
# on its list is dropped or swapped for one it opens the same way.
_SUFFIX = re.compile(r"\.[a-z0-9]{1,12}")
_SWAPPED_SUFFIXES = {".bmp": "", ".eot": "", ".gif": "", ".jpeg": "", ".jpg": "",
                     ".otf": "", ".png": "", ".svg": "", ".tif": "", ".tiff": "", ".ttf": "",
                     ".woff": "", ".woff2": "", ".ico": "", ".webp": "", ".gem": ".tar"}
RULE_PREFIXES = ("betterleaks.", "veles.", "kingfisher.")  # the families of its built-in rules
BUCKET = 1000  # files per folder of the mirror
MIRROR_LAYOUT = "neutral-1"  # how files reach kingfisher (part of every cache key)


def neutral_name(number: int, name: str) -> str:
    """The mirror's name for file ``number`` called ``name``: ``<bucket>/<number><ext>``."""
    return f"{number // BUCKET}/{number}{kept_suffix(name)}"


def kept_suffix(name: str) -> str:
    """The extension kingfisher sees: the last one (``.tar.gz`` kept whole), lower case,
    when plain; never one of its skip list."""
    suffixes = [s.lower() for s in PurePosixPath(name).suffixes]
    if not suffixes or not _SUFFIX.fullmatch(suffixes[-1]):
        return ""
    last = suffixes[-1]
    if last in _SWAPPED_SUFFIXES:
        return _SWAPPED_SUFFIXES[last]
    if len(suffixes) > 1 and suffixes[-2] == ".tar":
        return ".tar" + last
    return last


def _mirror_files(sources: Iterable[tuple[_Place, Path]], mirror: Path) -> dict[str, _Place]:
    """Hard-link (or copy) each file under ``mirror`` at its neutral name; returns mirror
    name -> place."""
    places: dict[str, _Place] = {}
    for number, (place, source) in enumerate(sources):
        inside = neutral_name(number, PurePosixPath(place.path).name)
        target = mirror / inside
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(source, target)
        except OSError:
            shutil.copyfile(source, target)
        places[inside] = place
    return places


def _mirror_blobs(root: Path, blobs: Sequence[HistoryBlob], mirror: Path, timeout: float,
                  sizes: dict[str, int]) -> dict[str, _Place]:
    """Write each file version under ``mirror`` at its neutral
    name, as the tree's files are; returns mirror name -> place."""
    names: dict[str, list[str]] = {}
    places: dict[str, _Place] = {}
    for number, blob in enumerate(blobs):
        inside = neutral_name(number, PurePosixPath(blob.path).name)
        names.setdefault(blob.blob, []).append(inside)
        raw = None if is_utf8(blob.path) else path_uri(blob.path)
        places[inside] = _Place(shown(blob.path), blob.commit, raw)
    for blob_id, data in read_blobs(root, list(names), timeout, sizes):
        for inside in names.get(blob_id, ()):
            target = mirror / inside
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
    return places
