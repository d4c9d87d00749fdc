"""The one Finding <-> JSON codec, shared by the result cache and the JSON report.

``to_dict`` writes plain JSON data with readable keys; ``from_dict`` reads it back strictly
(exact types, known words) and raises TypeError, ValueError or KeyError on anything else, so
a damaged cache entry is never half-trusted. Skipped files and run records (complete ones,
for shard reports) have their codecs here too.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from gate.findings import Confidence, Finding, InlineSuppression, Location, Severity
from gate.runs import Component, ScannerRun, SkippedFile


def to_dict(f: Finding) -> dict[str, Any]:
    """A Finding as plain JSON data (severity and confidence as lower-case words)."""
    loc = f.location
    sup = f.suppression
    named = {} if loc.uri is None else {"uri": loc.uri}
    return {
        "scanner": f.scanner, "rule_id": f.rule_id, "rule_name": f.rule_name,
        "aliases": list(f.aliases), "message": f.message, "severity": f.severity.word,
        "confidence": f.confidence.word, "path": loc.path, "start_line": loc.start_line,
        "start_column": loc.start_column, "end_line": loc.end_line,
        "end_column": loc.end_column, "cwe": list(f.cwe), "help_uri": f.help_uri,
        "remediation": f.remediation, "tags": list(f.tags), "fingerprint": f.fingerprint,
        "secret": f.secret,
        "suppression": None if sup is None else {"kind": sup.kind, "rules": list(sup.rules),
                                                 "reason": sup.reason},
        "extra": [[key, value] for key, value in f.extra],
        **named,
    }


def from_dict(d: Any) -> Finding:
    """A Finding from ``to_dict`` output; TypeError/ValueError/KeyError if malformed."""
    if not isinstance(d, dict):
        raise TypeError("expected an object")
    sup = d["suppression"]
    suppression = None
    if sup is not None:
        if not isinstance(sup, dict):
            raise TypeError("bad suppression")
        suppression = InlineSuppression(_str(sup["kind"]), _strs(sup["rules"]),
                                        _str(sup["reason"]))
    extra = d["extra"]
    if not isinstance(extra, list):
        raise TypeError("bad extra")
    if not isinstance(d["secret"], bool):
        raise TypeError("bad secret flag")
    return Finding(
        scanner=_str(d["scanner"]), rule_id=_str(d["rule_id"]), rule_name=_str(d["rule_name"]),
        message=_str(d["message"]), severity=Severity.from_word(_str(d["severity"])),
        confidence=Confidence.from_word(_str(d["confidence"])),
        location=Location(_str(d["path"]), _int(d["start_line"]), _int(d["start_column"]),
                          _optional_int(d["end_line"]), _optional_int(d["end_column"]),
                          None if d.get("uri") is None else _str(d["uri"])),
        fingerprint=_str(d["fingerprint"]), cwe=tuple(_int(c) for c in _list(d["cwe"])),
        help_uri=_str(d["help_uri"]), remediation=_str(d["remediation"]),
        tags=_strs(d["tags"]), aliases=_strs(d["aliases"]), secret=d["secret"],
        suppression=suppression, extra=tuple(_pair(p) for p in extra),
    )


def findings_from(value: object) -> tuple[Finding, ...]:
    """A list of ``to_dict`` outputs back as Findings."""
    return tuple(from_dict(v) for v in _list(value))


def skipped_to(skipped: tuple[SkippedFile, ...]) -> list[list[str]]:
    """Skipped files as ``[path, reason]`` pairs."""
    return [[s.path, s.reason] for s in skipped]


def skipped_from(value: object) -> tuple[SkippedFile, ...]:
    """``skipped_to`` output back as SkippedFiles."""
    return tuple(SkippedFile(*_pair(v)) for v in _list(value))


def run_to_dict(run: ScannerRun) -> dict[str, Any]:
    """A successful run record as JSON data (the error and duration are not kept)."""
    return {"scanner": run.scanner, "tool": run.tool, "version": run.version,
            "arguments": list(run.arguments), "exit_code": run.exit_code, "files": run.files,
            "skipped": skipped_to(run.skipped), "notes": list(run.notes), "data": run.data,
            "warnings": list(run.warnings),
            "components": [[c.name, c.version, c.path, c.line] for c in run.components],
            "components_complete": run.components_complete}


def run_from_dict(d: Any) -> ScannerRun:
    """``run_to_dict`` output back as a ScannerRun."""
    if not isinstance(d, dict):
        raise TypeError("expected an object")
    return ScannerRun(scanner=_str(d["scanner"]), tool=_str(d["tool"]),
                      version=_str(d["version"]), arguments=_strs(d["arguments"]),
                      exit_code=_optional_int(d["exit_code"]), error=None,
                      files=_int(d["files"]), skipped=skipped_from(d["skipped"]),
                      notes=_strs(d["notes"]), data=_str(d.get("data", "")),
                      warnings=_strs(d.get("warnings", [])),
                      components=tuple(_component(c) for c in _list(d.get("components", []))),
                      components_complete=d.get("components_complete") is True)


def _component(value: object) -> Component:
    if not isinstance(value, list) or len(value) != 4:
        raise TypeError("expected [name, version, path, line]")
    return Component(_str(value[0]), _str(value[1]), _str(value[2]), _int(value[3]))


def run_record_to_dict(run: ScannerRun) -> dict[str, Any]:
    """Any run record (a failed one too) as JSON data, for shard reports."""
    return {**run_to_dict(run), "error": run.error, "duration": run.duration,
            "information_uri": run.information_uri, "reused": run.reused}


def run_record_from_dict(d: Any) -> ScannerRun:
    """``run_record_to_dict`` output back as a ScannerRun."""
    run = run_from_dict(d)
    error = d["error"]
    duration = d["duration"]
    if not isinstance(duration, (int, float)) or isinstance(duration, bool):
        raise TypeError("bad duration")
    return replace(run, error=None if error is None else _str(error), duration=float(duration),
                   information_uri=_str(d["information_uri"]), reused=_int(d["reused"]))


def _str(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError("expected a string")
    return value


def _int(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError("expected an integer")
    return value


def _optional_int(value: object) -> int | None:
    return None if value is None else _int(value)


def _list(value: object) -> list[Any]:
    if not isinstance(value, list):
        raise TypeError("expected a list")
    return value


def _strs(value: object) -> tuple[str, ...]:
    return tuple(_str(v) for v in _list(value))


def _pair(value: object) -> tuple[str, str]:
    if not isinstance(value, list) or len(value) != 2:
        raise TypeError("bad pair")
    return _str(value[0]), _str(value[1])


# The same strict readers, for other decoders of the gate's JSON (``gate.ingest.report_import``).
as_str, as_int, as_list = _str, _int, _list
