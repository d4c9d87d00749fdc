"""What every scanner adapter provides and returns: the Scanner protocol and its base class.

An adapter knows which files it wants, runs its tool on that explicit list through
``gate.process`` (with the run skeleton of ``gate.scanners.common``), parses the tool's JSON
and returns Findings plus a ScannerRun record. It never decides pass/fail. A check the gate
does itself (``in_process``, e.g. ``gate.scanners.text``) reads the files instead and
returns the same records.

Everything the rest of the gate needs to know about a scanner is asked of it here: its
policy options, which rule ids it owns (waiver scopes), which findings are credentials
(redaction), its inline-suppression syntax, its cache hooks, its information URI (SARIF),
its raw command line (benchmarks) and its facts for shards, path classes, git history and
the commit hook. ``BaseScanner`` supplies the defaults, so a scanner states only what
differs.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Protocol, runtime_checkable

from gate.findings import Finding, InlineSuppression
from gate.guards.validators import Check
from gate.process import command_for, package_version, tool_path
from gate.runs import ScannerRun, ScanResult, SkippedFile
from gate.tree.repo_files import read_text


@dataclass(frozen=True)
class ScanContext:
    """Everything an adapter needs: where, which files, and its policy settings."""

    root: Path
    files: tuple[str, ...]
    timeout: float
    options: Mapping[str, Any] = field(default_factory=dict)
    cache_dir: Path | None = None
    jobs: int = 1  # processes/threads this scanner may use (the share of ``--jobs``)
    history_base: str | None = None  # the commit the change under review starts from
    hook: bool = False  # the commit hook: a network service it cannot reach is a warning
    # Files whose names are not UTF-8: shown name (as in ``files``) -> name on disk.
    raw_names: Mapping[str, str] = field(default_factory=dict)
    # The tests path class's patterns: files there are not the project's running code.
    test_paths: tuple[str, ...] = ()
    # A partial scan (--changed-since, the hook, a sub-folder): not every file is here.
    partial: bool = False

    def path_of(self, rel: str) -> Path:
        """Where a file of ``files`` is on disk (a shown name mapped back to its raw one)."""
        return self.root / self.raw_names.get(rel, rel)

    def read_text(self, path: str) -> str:
        """The text of a scanned file (undecodable bytes replaced); empty if unreadable."""
        return read_text(self.root, self.raw_names.get(path, path)) or ""


@runtime_checkable
class Scanner(Protocol):
    """A scanner adapter. Registered by name in ``gate.scanners.REGISTRY``."""

    @property
    def name(self) -> str:
        """The name used in policies, flags and ``Finding.scanner``."""
        ...

    @property
    def tool(self) -> str:
        """The tool that runs."""
        ...

    @property
    def information_uri(self) -> str:
        """The tool's home page (SARIF ``tool.driver.informationUri``)."""
        ...

    @property
    def options(self) -> Mapping[str, Check]:
        """Its own policy keys under ``[scanners.NAME]``, with their checks."""
        ...

    @property
    def secret_rules(self) -> frozenset[str]:
        """Rule ids whose findings are credentials."""
        ...

    @property
    def suppression_kinds(self) -> tuple[str, ...]:
        """The ``InlineSuppression.kind`` values it parses."""
        ...

    @property
    def fingerprints_secrets(self) -> bool:
        """True when its secret findings carry the tool's own value-free fingerprint."""
        ...

    @property
    def credential_formats(self) -> bool:
        """True when its findings are credentials in a known format: an inline comment
        never accepts them unless the policy says so (``secret_suppressions``)."""
        ...

    @property
    def content_scanner(self) -> bool:
        """True when it analyses what files say (code, config); False for the secrets scan."""
        ...

    @property
    def reads_any_name(self) -> bool:
        """True when it also reads files whose names are not UTF-8 (``ScanContext.raw_names``);
        it reports them at their shown name with ``Location.uri``."""
        ...

    @property
    def line_style(self) -> str:
        """How the tool numbers lines: ``python`` or ``newline`` (gate.tree.repo_files)."""
        ...

    @property
    def cache_per_file(self) -> bool:
        """True when a file's findings depend only on that file."""
        ...

    @property
    def whole_tree_only(self) -> bool:
        """True when it must see the whole tree at once (no shards)."""
        ...

    @property
    def relaxable_by_path(self) -> bool:
        """False when path classes (tests/, docs/) may not relax it."""
        ...

    @property
    def scans_history(self) -> bool:
        """True when it reads git history, not only the work tree."""
        ...

    @property
    def in_process(self) -> bool:
        """True when ``scan`` runs in the gate's own process (no tool to start), so the
        runner calls it beside the subprocess scanners instead of giving it a worker."""
        ...

    def select(self, files: Sequence[str], root: Path) -> list[str]:
        """The subset of ``files`` (relative posix paths) this scanner understands."""
        ...

    def scan(self, ctx: ScanContext) -> ScanResult:
        """Run the tool on ``ctx.files`` and return its findings and run record."""
        ...

    def command(self) -> list[str]:
        """The executable, honouring ``GATE_<NAME>_COMMAND``."""
        ...

    def tool_version(self) -> str:
        """The installed tool version (``unknown`` with a command override)."""
        ...

    def owns_rule(self, pattern: str) -> bool:
        """True when the rule-id glob ``pattern`` can name one of this scanner's rules."""
        ...

    def is_secret(self, finding: Finding) -> bool:
        """True when ``finding`` is a credential whose value must never be shown."""
        ...

    def parse_suppressions(self, comment: str) -> list[InlineSuppression]:
        """This scanner's own suppression comments in ``comment`` (a line's comment part)."""
        ...

    def suppression_applies(self, suppression: InlineSuppression, finding: Finding) -> bool:
        """True when one of this scanner's ``suppression``s names ``finding``."""
        ...

    def describe_suppression(self, suppression: InlineSuppression) -> str:
        """The comment as its author wrote it (head only, without the reason)."""
        ...

    def triggers_hook(self, path: str, root: Path) -> bool:
        """True when a staged ``path`` makes the commit hook run this scanner."""
        ...

    def confirm_coverage(self, given: Sequence[str], output: Mapping[str, Any]
                         ) -> tuple[SkippedFile, ...]:
        """Files of ``given`` that the tool's ``output`` shows it did not read."""
        ...

    def run_arguments(self, ctx: ScanContext) -> list[str]:
        """The normalised arguments a run on ``ctx`` reports (cache hook)."""
        ...

    def cache_config(self, ctx: ScanContext) -> dict[str, Any]:
        """What besides a file and the tool version decides its findings (cache hook)."""
        ...

    def exit_code_for(self, findings: Sequence[Finding]) -> int:
        """The exit code the tool gives for these findings (cache hook)."""
        ...

    def cache_key(self, ctx: ScanContext) -> str | None:
        """A key for the whole run, or None: cache per file, or not at all."""
        ...

    def cacheable(self, ctx: ScanContext) -> bool:
        """False when this run's options make its results depend on more than the files."""
        ...

    def raw_argv(self, root: Path, files: Sequence[str]) -> list[str]:
        """The tool run by hand with the gate's flags on ``files`` (benchmarks)."""
        ...


class BaseScanner:
    """Defaults for every part of the Scanner protocol; subclasses set what differs.

    Class attributes: ``name`` (policy and flag name), ``tool`` (what runs), ``executable``
    and ``distribution`` (to find it and its version), ``information_uri``, ``ok_codes``
    (the tool's normal exit codes), ``options`` (scanner-specific policy keys and their
    checks), ``rule_ids`` (exact ids it reports, for waiver scopes) and ``secret_rules``.
    """

    name: str = ""
    tool: str = ""
    executable: str = ""
    distribution: str = ""
    information_uri: str = ""
    ok_codes: tuple[int, ...] = (0,)
    options: Mapping[str, Check] = MappingProxyType({})
    rule_ids: frozenset[str] = frozenset()
    secret_rules: frozenset[str] = frozenset()
    suppression_kinds: tuple[str, ...] = ()
    fingerprints_secrets: bool = False  # its secrets carry the tool's value-free fingerprint
    credential_formats: bool = False  # only a policy waiver accepts its findings
    content_scanner: bool = True  # analyses what files say (the secrets scan only looks)
    line_style: str = "newline"  # how the tool numbers lines (gate.lines.split_lines)
    cache_per_file: bool = False  # findings for a file depend only on that file
    whole_tree_only: bool = False  # needs the whole tree at once (no shards)
    relaxable_by_path: bool = True  # path classes (tests/, docs/) may relax it
    scans_history: bool = False  # reads git history, not only the work tree
    reads_any_name: bool = False  # also reads files whose names are not UTF-8
    in_process: bool = False  # scan() runs in the gate's process, not as a subprocess

    def select(self, files: Sequence[str], root: Path) -> list[str]:
        """Nothing by default."""
        return []

    def scan(self, ctx: ScanContext) -> ScanResult:  # pragma: no cover - every adapter has one
        """Subclasses run their tool."""
        raise NotImplementedError

    def command(self) -> list[str]:
        """``GATE_<NAME>_COMMAND``, else the executable installed with the gate."""
        return command_for(self.name, [tool_path(self.executable or self.tool)])

    def tool_version(self) -> str:
        """The installed distribution's version (``unknown`` with a command override)."""
        return package_version(self.distribution or self.tool, self.name)

    def owns_rule(self, pattern: str) -> bool:
        """True when the glob matches one of ``rule_ids`` (a bare ``*`` names no scanner)."""
        if not pattern.strip("*?"):
            return False
        return any(fnmatch.fnmatchcase(rule, pattern) for rule in self.rule_ids)

    def is_secret(self, finding: Finding) -> bool:
        """Marked secret by the adapter, or one of ``secret_rules``."""
        return finding.secret or finding.rule_id.upper() in self.secret_rules

    def parse_suppressions(self, comment: str) -> list[InlineSuppression]:
        """No suppression syntax of its own."""
        return []

    def suppression_applies(self, suppression: InlineSuppression, finding: Finding) -> bool:
        """A suppression of this scanner's kind naming the finding's rule id."""
        return finding.scanner == self.name and finding.rule_id in suppression.rules

    def describe_suppression(self, suppression: InlineSuppression) -> str:
        """``# KIND: ignore[RULES]``."""
        return f"# {suppression.kind}: ignore[{','.join(suppression.rules)}]"

    def triggers_hook(self, path: str, root: Path) -> bool:
        """A staged file triggers the scanner when the scanner would scan it."""
        return bool(self.select([path], root))

    def confirm_coverage(self, given: Sequence[str], output: Mapping[str, Any]
                         ) -> tuple[SkippedFile, ...]:
        """Nothing to confirm by default: the tool reports its own skips."""
        return ()

    def run_arguments(self, ctx: ScanContext) -> list[str]:
        """No arguments by default."""
        return []

    def cache_config(self, ctx: ScanContext) -> dict[str, Any]:
        """Its normalised arguments."""
        return {"arguments": self.run_arguments(ctx)}

    def exit_code_for(self, findings: Sequence[Finding]) -> int:
        """0 by default."""
        return 0

    def cache_key(self, ctx: ScanContext) -> str | None:
        """No whole-run key: per-file caching (when ``cache_per_file``) or none."""
        return None

    def cacheable(self, ctx: ScanContext) -> bool:
        """Results depend only on the files, the tool and the configuration."""
        return True

    def raw_argv(self, root: Path, files: Sequence[str]) -> list[str]:
        """No benchmark command by default."""
        return []

    # -- run records ---------------------------------------------------------------------

    def record(self, ctx: ScanContext, *, version: str, arguments: Sequence[str],
               exit_code: int | None, duration: float = 0.0,
               skipped: Sequence[SkippedFile] = (), notes: Sequence[str] = (),
               files: int | None = None) -> ScannerRun:
        """The record of a run that did its job."""
        return ScannerRun(self.name, self.tool, version, tuple(arguments), exit_code, None,
                          len(ctx.files) if files is None else files, tuple(skipped),
                          tuple(notes), duration)

    def failed(self, ctx: ScanContext, error: str, *, version: str = "",
               arguments: Sequence[str] = (), exit_code: int | None = None,
               duration: float = 0.0) -> ScanResult:
        """A ScanResult for a run that could not do its job."""
        return failed(self.name, self.tool, error, arguments=arguments, exit_code=exit_code,
                      files=len(ctx.files), version=version, duration=duration)


def failed(
    scanner: str,
    tool: str,
    error: str,
    *,
    arguments: Sequence[str] = (),
    exit_code: int | None = None,
    files: int = 0,
    version: str = "",
    duration: float = 0.0,
) -> ScanResult:
    """A ScanResult for a scanner that could not do its job."""
    run = ScannerRun(
        scanner=scanner,
        tool=tool,
        version=version,
        arguments=tuple(arguments),
        exit_code=exit_code,
        error=error,
        files=files,
        duration=duration,
    )
    return ScanResult((), run)
