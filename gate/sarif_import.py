"""SARIF -> Findings, for ``gate evaluate`` (SARIF from any tool) and ``gate policy explain``.

Severity: the result's (else the rule's) ``properties.security-severity`` score, else the
result's (else the rule's default) ``level``: error -> high, warning -> medium, note -> low,
none -> info. A SARIF written by the gate carries ``gate/tool-severity``, which wins.
Confidence from the rule's ``precision``. Fingerprints: ``partialFingerprints`` are reused
(``primaryLocationLineHash`` first), else computed from the flagged line's content.
URIs: relative ones are kept; ``file://`` URIs inside the root are made relative (with a
warning); anything outside the root or escaping it with ``..`` is dropped (with a warning).
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from gate import repo_files
from gate.errors import SarifImportError
from gate.findings import (
    Confidence,
    Finding,
    InlineSuppression,
    Location,
    Severity,
    fingerprint,
    severity_from_score,
)
from gate.scanners.interface import ScannerRun
from gate.suppressions import SARIF_KIND

_LEVEL = {"error": Severity.HIGH, "warning": Severity.MEDIUM, "note": Severity.LOW,
          "none": Severity.INFO}
_PRECISION = {"very-high": Confidence.HIGH, "high": Confidence.HIGH,
              "medium": Confidence.MEDIUM, "low": Confidence.LOW}
_CWE = re.compile(r"cwe[-/](\d+)", re.IGNORECASE)
_SLUG = re.compile(r"[^a-z0-9._-]+")
LineReader = Callable[[str], str | None]


@dataclass(frozen=True)
class Imported:
    """Findings and one run record per input run, plus warnings for the report."""

    findings: tuple[Finding, ...]
    runs: tuple[ScannerRun, ...]
    warnings: tuple[str, ...]
    files: frozenset[str] = frozenset()


def read(paths: Sequence[Path], root: Path) -> Imported:
    """Read SARIF files; SarifImportError names the file and the problem."""
    texts: list[tuple[str, str]] = []
    for path in paths:
        try:
            texts.append((str(path), path.read_text(encoding="utf-8-sig")))
        except (OSError, UnicodeDecodeError) as exc:
            raise SarifImportError(f"{path}: cannot read: {exc}") from None
    return parse_many(texts, root)


def parse_many(texts: Sequence[tuple[str, str]], root: Path,
               line_reader: LineReader | None = None) -> Imported:
    """Findings from several SARIF texts ``(origin, text)``; each run keeps its own name."""
    reader = line_reader or _file_lines(root)
    findings: list[Finding] = []
    runs: list[ScannerRun] = []
    warnings: list[str] = []
    files: set[str] = set()
    used_names: set[str] = set()
    for origin, text in texts:
        log = _load(origin, text)
        for index, run in enumerate(log["runs"]):
            where = f"{origin}: runs[{index}]"
            name = _scanner_name(run, where, used_names)
            used_names.add(name)
            got, notes = _run_findings(run, name, where, root, reader)
            findings.extend(got)
            files.update(f.location.path for f in got)
            warnings.extend(notes)
            runs.append(_run_record(run, name, len({f.location.path for f in got})))
    return Imported(tuple(findings), tuple(runs), tuple(warnings), frozenset(files))


def _load(origin: str, text: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SarifImportError(f"{origin}: not JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(data, dict) or not isinstance(data.get("runs"), list):
        raise SarifImportError(f"{origin}: not a SARIF log (no 'runs' list)")
    if data.get("version") != "2.1.0":
        raise SarifImportError(f"{origin}: SARIF version {data.get('version')!r} is not "
                               f"supported (expected 2.1.0)")
    for index, run in enumerate(data["runs"]):
        driver = _get(run, "tool", "driver")
        if not isinstance(driver, dict) or not isinstance(driver.get("name"), str):
            raise SarifImportError(f"{origin}: runs[{index}] has no tool.driver.name")
        if not isinstance(run.get("results", []), list):
            raise SarifImportError(f"{origin}: runs[{index}].results is not a list")
    return data


def _get(data: Any, *keys: str | int) -> Any:
    for key in keys:
        if isinstance(key, int):
            if not isinstance(data, list) or len(data) <= key:
                return None
        elif not isinstance(data, dict):
            return None
        data = data[key] if isinstance(key, int) else data.get(key)
    return data


def _scanner_name(run: Mapping[str, Any], where: str, used: set[str]) -> str:
    raw = str(_get(run, "tool", "driver", "name")).strip()
    name = _SLUG.sub("-", raw.lower()).strip("-") or "sarif"
    base, number = name, 2
    while name in used:
        name, number = f"{base}-{number}", number + 1
    return name


def _run_record(run: Mapping[str, Any], name: str, files: int) -> ScannerRun:
    driver = _get(run, "tool", "driver") or {}
    version = driver.get("semanticVersion") or driver.get("version") or ""
    tool = str(driver.get("name", name))
    home = driver.get("informationUri")
    uri = home if isinstance(home, str) and home.startswith("https://") else ""
    return ScannerRun(scanner=name, tool=tool, version=str(version),
                      arguments=("imported",), exit_code=None, error=None, files=files,
                      information_uri=uri)


def _rules(run: Mapping[str, Any]) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
    listed = _get(run, "tool", "driver", "rules")
    rules = [r for r in listed if isinstance(r, dict)] if isinstance(listed, list) else []
    return {str(r.get("id")): r for r in rules if r.get("id")}, rules


def _run_findings(run: Mapping[str, Any], name: str, where: str, root: Path,
                  reader: LineReader) -> tuple[list[Finding], list[str]]:
    by_id, by_index = _rules(run)
    findings: list[Finding] = []
    warnings: list[str] = []
    for index, result in enumerate(run.get("results") or []):
        if not isinstance(result, dict):
            raise SarifImportError(f"{where}.results[{index}] is not an object")
        rule = _rule_for(result, by_id, by_index)
        rule_id = str(result.get("ruleId") or _get(result, "rule", "id") or rule.get("id") or "")
        if not rule_id:
            raise SarifImportError(f"{where}.results[{index}] has no ruleId")
        path, problem = _path(result, run, root)
        if path is None:
            warnings.append(f"{where}.results[{index}] ({rule_id}): {problem}; result left out")
            continue
        if problem:
            warnings.append(f"{where}.results[{index}] ({rule_id}): {problem}")
        findings.append(_finding(result, rule, rule_id, name, path, reader))
    return findings, warnings


def _rule_for(result: Mapping[str, Any], by_id: Mapping[str, dict[str, Any]],
              by_index: Sequence[dict[str, Any]]) -> dict[str, Any]:
    index = result.get("ruleIndex")
    if isinstance(index, int) and 0 <= index < len(by_index):
        return by_index[index]
    return by_id.get(str(result.get("ruleId")), {})


def _path(result: Mapping[str, Any], run: Mapping[str, Any], root: Path
          ) -> tuple[str | None, str]:
    artifact = _get(result, "locations", 0, "physicalLocation", "artifactLocation")
    if not isinstance(artifact, dict) or not isinstance(artifact.get("uri"), str):
        return None, "no physical location"
    uri = artifact["uri"]
    base = artifact.get("uriBaseId")
    bases = run.get("originalUriBaseIds")
    if isinstance(base, str) and isinstance(bases, dict):
        prefix = _get(bases, base, "uri")
        if isinstance(prefix, str) and prefix.startswith("file:"):
            uri = prefix.rstrip("/") + "/" + uri
    parsed = urllib.parse.urlsplit(uri)
    note = ""
    if parsed.scheme == "file":
        absolute = Path(urllib.parse.unquote(parsed.path))
        try:
            rel = absolute.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            return None, f"URI {uri!r} is outside the repository root"
        note = f"absolute URI {uri!r} made relative to the root"
    elif parsed.scheme or uri.startswith("/"):
        return None, f"URI {uri!r} is not a path inside the repository"
    else:
        rel = urllib.parse.unquote(parsed.path)
    parts = PurePosixPath(rel.replace("\\", "/")).parts
    if ".." in parts or not parts:
        return None, f"URI {uri!r} escapes the repository root"
    return "/".join(p for p in parts if p != "."), note


def _score(props: Any) -> float | None:
    if not isinstance(props, dict):
        return None
    value = props.get("security-severity")
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _severity(result: Mapping[str, Any], rule: Mapping[str, Any]) -> Severity:
    props = result.get("properties")
    if isinstance(props, dict) and isinstance(props.get("gate/tool-severity"), str):
        try:
            return Severity.from_word(props["gate/tool-severity"])
        except KeyError:
            pass
    score = _score(props)
    if score is None:
        score = _score(rule.get("properties"))
    if score is not None:
        return severity_from_score(score)
    level = result.get("level") or _get(rule, "defaultConfiguration", "level") or "warning"
    return _LEVEL.get(str(level), Severity.MEDIUM)


def _finding(result: Mapping[str, Any], rule: Mapping[str, Any], rule_id: str, scanner: str,
             path: str, reader: LineReader) -> Finding:
    region = _get(result, "locations", 0, "physicalLocation", "region") or {}
    start = _int(region.get("startLine")) or 1
    end = _int(region.get("endLine"))
    col = _int(region.get("startColumn")) or 1
    end_col = _int(region.get("endColumn"))
    rule_props = rule.get("properties") if isinstance(rule.get("properties"), dict) else {}
    tags = [str(t) for t in (rule_props or {}).get("tags", []) if isinstance(t, str)]
    cwe = tuple(sorted({int(m) for t in tags for m in _CWE.findall(t)}))
    precision = str((rule_props or {}).get("precision", "medium"))
    message = str(_get(result, "message", "text") or "")
    return Finding(
        scanner=scanner,
        rule_id=rule_id,
        rule_name=str(_get(rule, "shortDescription", "text") or rule.get("name") or rule_id),
        message=message,
        severity=_severity(result, rule),
        confidence=_PRECISION.get(precision, Confidence.MEDIUM),
        location=Location(path, max(1, start), max(1, col), end, end_col),
        fingerprint=_fingerprint(result, rule_id, path, start, region, reader),
        cwe=cwe,
        help_uri=str(rule.get("helpUri") or ""),
        remediation=str(_get(rule, "help", "text") or ""),
        tags=tuple(t for t in tags if not _CWE.search(t)),
        suppression=_in_source(result),
    )


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _fingerprint(result: Mapping[str, Any], rule_id: str, path: str, line: int,
                 region: Mapping[str, Any], reader: LineReader) -> str:
    partial = result.get("partialFingerprints")
    if isinstance(partial, dict) and partial:
        value = partial.get("primaryLocationLineHash") or partial[sorted(partial)[0]]
        if isinstance(value, str) and value:
            return value
    content = reader(path) if line else None
    if content is not None:
        lines = content.splitlines()
        if 1 <= line <= len(lines):
            return fingerprint(rule_id, path, lines[line - 1])
    snippet = _get(region, "snippet", "text")
    if isinstance(snippet, str) and snippet.strip():
        return fingerprint(rule_id, path, snippet.splitlines()[0])
    return fingerprint(rule_id, path, f"line:{line}")


def _in_source(result: Mapping[str, Any]) -> InlineSuppression | None:
    """An accepted in-source suppression from the tool is an inline suppression to the gate."""
    for item in result.get("suppressions") or []:
        if isinstance(item, dict) and item.get("kind") == "inSource" and \
                item.get("status", "accepted") == "accepted":
            return InlineSuppression(SARIF_KIND, (), str(item.get("justification") or ""))
    return None


def _file_lines(root: Path) -> LineReader:
    return lambda path: repo_files.read_text(root, path)
