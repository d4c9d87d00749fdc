"""What a shard adds to its JSON report, and how ``gate merge`` reads and checks it.

A shard report is the JSON report of the shard's own run plus a ``shard`` object: which shard
of how many, the tree (``HEAD^{tree}``, or a digest of the file list outside git), the policy
digest, the gate and scanner versions, the paths, and what the scan produced before any
policy: findings (``gate.finding_codec``), complete run records, each scanner's files, and,
from shard 1 only, the files the gate itself did not hand to any scanner. ``combine`` puts N
of them back together as the outcome one full scan would have had.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from gate import finding_codec as codec
from gate.errors import ShardError, UsageError
from gate.findings import Finding
from gate.policy.model import Policy
from gate.report.escape import plain
from gate.runs import ScannerRun
from gate.scan.run import ScanOutcome, number_duplicates
from gate.scanners import REGISTRY
from gate.shards.plan import Shard

FORMAT = 1
# Fields every shard of one scan must have in common.
AGREE = ("tree", "policy_digest", "gate_version", "scanner_versions", "scanners", "paths",
         "files_total")


@dataclass(frozen=True)
class ShardData:
    """One shard report, decoded."""

    source: str  # the report's file name, for messages
    index: int
    count: int
    common: Mapping[str, Any]  # the AGREE fields
    outcome: ScanOutcome
    scope: Mapping[str, tuple[str, ...]]
    cached: bool  # the shard used the result cache


def policy_digest(policy: Policy) -> str:
    """SHA-256 of the effective policy (every value that can change a scan or a verdict)."""
    text = json.dumps(dataclasses.asdict(policy), sort_keys=True, default=str,
                      separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def file_list_digest(files: Sequence[str]) -> str:
    """The tree id outside git: a digest of the discovered file list."""
    text = "\0".join(sorted(files))
    return "files-sha256:" + hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()


def build(shard: Shard, common: Mapping[str, Any], outcome: ScanOutcome,
          work: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """The ``shard`` object of a shard's JSON report."""
    return {
        "format": FORMAT, "index": shard.index, "count": shard.count,
        **{key: common[key] for key in AGREE},
        "scope": {name: list(files) for name, files in work.items()},
        "findings": [codec.to_dict(f) for f in outcome.findings],
        "runs": [codec.run_record_to_dict(r) for r in outcome.runs],
        "skipped_by_gate": codec.skipped_to(outcome.skipped) if shard.first else [],
        "links": list(outcome.links) if shard.first else [],
    }


def parse(report: Any, source: str) -> ShardData:
    """A shard report's JSON data, decoded; UsageError when it is not one."""
    try:
        data = report["shard"]
        if not isinstance(data, dict) or data["format"] != FORMAT:
            raise ValueError("unknown shard report format")
        index, count = data["index"], data["count"]
        if not (isinstance(index, int) and isinstance(count, int) and 1 <= index <= count):
            raise ValueError("bad shard number")
        scope = data["scope"]
        if not isinstance(scope, dict):
            raise TypeError("bad scope")
        links, cached = data["links"], data["cache"]
        if not isinstance(cached, bool):
            raise TypeError("bad cache flag")
        if not isinstance(links, list) or not all(isinstance(x, str) for x in links):
            raise TypeError("bad links")
        outcome = ScanOutcome(
            findings=codec.findings_from(data["findings"]),
            runs=tuple(codec.run_record_from_dict(r) for r in _list(data["runs"])),
            files=_files_total(data["files_total"]),
            skipped=codec.skipped_from(data["skipped_by_gate"]),
            links=tuple(links))
        return ShardData(plain(source, 200), index, count, {key: data[key] for key in AGREE},
                         outcome, {_name(n): tuple(_strs(f)) for n, f in scope.items()},
                         cached)
    except (KeyError, TypeError, ValueError) as exc:
        raise UsageError(f"{plain(source, 200)} is not a gate shard report "
                         f"({plain(str(exc), 120)}); write one with 'gate scan --shard I/N "
                         "--json FILE'") from None


def check(shards: Sequence[ShardData], here: Mapping[str, Any]) -> None:
    """ShardError unless the shards are 1..N exactly once and agree with each other and with
    ``here`` (the merge's own tree, policy digest and gate version)."""
    if not shards:
        raise ShardError("no shard reports given")
    count = shards[0].count
    seen: dict[int, str] = {}
    for shard in shards:
        if shard.count != count:
            raise ShardError(f"{shard.source} is shard {shard.index}/{shard.count}, but "
                             f"{shards[0].source} is one of {count}")
        if shard.index in seen:
            raise ShardError(f"shard {shard.index}/{count} given twice ({seen[shard.index]} "
                             f"and {shard.source})")
        seen[shard.index] = shard.source
    missing = [str(i) for i in range(1, count + 1) if i not in seen]
    if missing:
        raise ShardError(f"shard(s) {', '.join(missing)} of {count} missing: merge needs "
                         "every shard's report exactly once")
    first = shards[0]
    for shard in shards[1:]:
        for key in AGREE:
            if shard.common[key] != first.common[key]:
                raise ShardError(f"{shard.source} and {first.source} disagree on {key}: "
                                 "they come from different scans")
    for key, value in here.items():
        if first.common[key] != value:
            raise ShardError(f"the shards' {key} is not this merge's: run 'gate merge' on "
                             "the same commit, policy and gate version as the shards")


def check_scopes(shards: Sequence[ShardData],
                 expected: Callable[[Shard], Mapping[str, Sequence[str]]]) -> None:
    """ShardError unless every shard's files per scanner are exactly those the plan of
    this commit gives it (``expected(shard)``)."""
    for shard in shards:
        want = {name: sorted(files) for name, files in
                expected(Shard(shard.index, shard.count)).items() if files}
        got = {name: sorted(files) for name, files in shard.scope.items() if files}
        if want == got:
            continue
        differ = sorted(name for name in {*want, *got} if want.get(name) != got.get(name))
        counts = ", ".join(f"{name}: {len(got.get(name, []))} file(s) given, "
                           f"{len(want.get(name, []))} planned" for name in differ[:3])
        raise ShardError(f"{shard.source}: its files do not match the plan of shard "
                         f"{shard.index}/{shard.count} at this commit ({counts}); a shard "
                         "report cannot choose what is scanned")


def combine(shards: Sequence[ShardData],
            arguments_for: Callable[[str, tuple[str, ...]], tuple[str, ...]]
            ) -> tuple[ScanOutcome, dict[str, list[str]]]:
    """The outcome and plan of one full scan, from checked shards (see ``check``).

    A scanner's runs become one: files and durations added up, the highest exit code, the
    first error; a scanner that failed in any shard has no findings, as in a full scan.
    ``arguments_for(scanner, files)`` gives the arguments a run on all its files reports.
    """
    ordered = sorted(shards, key=lambda s: s.index)
    first = ordered[0]
    scope: dict[str, list[str]] = {}
    by_scanner: dict[str, list[ScannerRun]] = {}
    for shard in ordered:
        for name, files in shard.scope.items():
            scope.setdefault(name, []).extend(files)
        for run in shard.outcome.runs:
            by_scanner.setdefault(run.scanner, []).append(run)
    names = sorted(by_scanner, key=lambda n: (list(REGISTRY).index(n) if n in REGISTRY
                                              else len(REGISTRY), n))
    runs = tuple(_one_run(by_scanner[n], arguments_for(n, tuple(scope.get(n, ()))))
                 for n in names)
    failed = {r.scanner for r in runs if not r.ok}
    findings: list[Finding] = [f for s in ordered for f in s.outcome.findings
                               if f.scanner not in failed]
    outcome = ScanOutcome(tuple(number_duplicates(findings)), runs, first.outcome.files,
                          first.outcome.skipped, first.outcome.links)
    return outcome, {name: sorted(files) for name, files in scope.items()}


def _one_run(runs: Sequence[ScannerRun], arguments: tuple[str, ...]) -> ScannerRun:
    if len(runs) == 1:
        return runs[0]
    head = runs[0]
    error = next((r.error for r in runs if r.error is not None), None)
    codes = [r.exit_code for r in runs]
    return dataclasses.replace(
        head, arguments=arguments if error is None else head.arguments,
        exit_code=None if None in codes else max(c for c in codes if c is not None),
        error=error, files=sum(r.files for r in runs),
        skipped=tuple(s for r in runs for s in r.skipped),
        notes=tuple(dict.fromkeys(n for r in runs for n in r.notes)),
        duration=sum(r.duration for r in runs), reused=sum(r.reused for r in runs))


def _files_total(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise TypeError("bad files_total")
    return value


def _list(value: object) -> list[Any]:
    if not isinstance(value, list):
        raise TypeError("expected a list")
    return value


def _strs(value: object) -> list[str]:
    items = _list(value)
    if not all(isinstance(v, str) for v in items):
        raise TypeError("expected strings")
    return items


def _name(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError("bad scanner name")
    return value
