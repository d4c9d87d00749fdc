"""SARIF -> Findings, for ``gate evaluate`` (SARIF from any tool) and ``gate policy explain``.

Severity: the result's (else the rule's) ``properties.security-severity`` score, else the
result's (else the rule's default) ``level``: error -> high, warning -> medium, note -> low,
none -> info. A SARIF written by the gate carries ``gate/tool-severity``, which wins.
Confidence from the rule's ``precision``. Fingerprints: ``partialFingerprints`` are reused
(``primaryLocationLineHash`` first), else computed from the flagged line's content.
URIs: relative ones are kept; ``file://`` URIs inside the root are made relative (with a
warning); ``..`` is resolved (``src/../app.py`` is ``app.py``), and anything outside the root
or escaping it is dropped (with a warning).
"""

from __future__ import annotations

import math
import re
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

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
from gate.guards.bounded import load_input
from gate.runs import ScannerRun
from gate.suppressions import SARIF_KIND
from gate.tree import repo_files

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


def read(paths: Sequence[Path], root: Path, default_severity: Severity = Severity.HIGH
         ) -> Imported:
    """Read SARIF files; SarifImportError names the file and the problem.

    ``default_severity`` is given to results whose score and level cannot be read."""
    texts: list[tuple[str, str]] = []
    for path in paths:
        try:
            texts.append((str(path), path.read_text(encoding="utf-8-sig")))
        except (OSError, UnicodeDecodeError) as exc:
            raise SarifImportError(f"{path}: cannot read: {exc}") from None
    return parse_many(texts, root, default_severity=default_severity)


def parse_many(texts: Sequence[tuple[str, str]], root: Path,
               line_reader: LineReader | None = None,
               default_severity: Severity = Severity.HIGH) -> Imported:
    """Findings from several SARIF texts ``(origin, text)``; each run keeps its own name."""
    reader = line_reader or _file_lines(root)
    findings: list[Finding] = []
    runs: list[ScannerRun] = []
    warnings: list[str] = []
    files: set[str] = set()
    used_names: set[str] = set()
    defaulted = 0
    for origin, text in texts:
        log = _load(origin, text)
        for index, run in enumerate(log["runs"]):
            where = f"{origin}: runs[{index}]"
            name = _scanner_name(run, where, used_names)
            used_names.add(name)
            got, notes, unscored = _run_findings(run, name, where, root, reader,
                                                 default_severity)
            defaulted += unscored
            findings.extend(got)
            files.update(f.location.path for f in got)
            warnings.extend(notes)
            runs.append(_run_record(run, name, len({f.location.path for f in got})))
    if defaulted:
        warnings.append(f"{defaulted} imported result(s) without a readable severity counted "
                        f"as {default_severity.word} (default_severity)")
    return Imported(tuple(findings), tuple(runs), tuple(warnings), frozenset(files))


def _load(origin: str, text: str) -> dict[str, Any]:
    data = load_input(text, origin, SarifImportError)
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


class _Rules:
    """The rules of a run as GitHub reads them: the driver's and every extension's."""

    def __init__(self, run: Mapping[str, Any]) -> None:
        components = [_get(run, "tool", "driver")]
        extensions = _get(run, "tool", "extensions")
        if isinstance(extensions, list):
            components += extensions
        self.lists: list[list[dict[str, Any]]] = []
        self.by_id: dict[str, dict[str, Any]] = {}
        for component in components:
            listed = component.get("rules") if isinstance(component, dict) else None
            rules = [r for r in listed if isinstance(r, dict)] if isinstance(listed, list) else []
            self.lists.append(rules)
            for rule in rules:
                if isinstance(rule.get("id"), str) and rule["id"] not in self.by_id:
                    self.by_id[rule["id"]] = rule

    def for_result(self, result: Mapping[str, Any]) -> dict[str, Any]:
        """``result.rule`` (index in its tool component), else ``ruleIndex`` in the driver,
        else the rule with the result's id."""
        given = result.get("rule")
        ref: Mapping[str, Any] = given if isinstance(given, dict) else {}
        component = _int(_get(ref, "toolComponent", "index"))
        index = _int(ref.get("index"))
        if index is None:
            index = _int(result.get("ruleIndex"))
        position = 0 if component is None else component
        listed = self.lists[position] if 0 <= position < len(self.lists) else []
        if index is not None and 0 <= index < len(listed):
            return listed[index]
        rule_id = result.get("ruleId") or ref.get("id")
        return self.by_id.get(str(rule_id), {})


def _run_findings(run: Mapping[str, Any], name: str, where: str, root: Path,
                  reader: LineReader, default: Severity) -> tuple[list[Finding], list[str], int]:
    rules = _Rules(run)
    findings: list[Finding] = []
    warnings: list[str] = []
    defaulted = 0
    for index, result in enumerate(run.get("results") or []):
        if not isinstance(result, dict):
            raise SarifImportError(f"{where}.results[{index}] is not an object")
        rule = rules.for_result(result)
        rule_id = str(result.get("ruleId") or _get(result, "rule", "id") or rule.get("id") or "")
        if not rule_id:
            raise SarifImportError(f"{where}.results[{index}] has no ruleId")
        path, problem = _path(result, run, root)
        if path is None:
            warnings.append(f"{where}.results[{index}] ({rule_id}): {problem}; result left out")
            continue
        if problem:
            warnings.append(f"{where}.results[{index}] ({rule_id}): {problem}")
        severity, unscored = _severity(result, rule, default)
        defaulted += unscored
        lead = _finding(result, rule, rule_id, name, path, reader, severity)
        findings += [lead, *_twins(result, lead)]
    return findings, warnings, defaulted


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
    parts = normal_parts(rel)
    if not parts:
        return None, f"URI {uri!r} escapes the repository root"
    return "/".join(parts), note


def normal_parts(rel: str) -> list[str]:
    """The components of a relative path with ``.`` and ``..`` resolved (``src/../app.py``
    is ``app.py``); empty when it names the root or leaves it."""
    out: list[str] = []
    for part in PurePosixPath(rel.replace("\\", "/")).parts:
        if part == "..":
            if not out:
                return []
            out.pop()
        elif part not in (".", "/"):
            out.append(part)
    return out


def _score(props: Any) -> tuple[float | None, bool]:
    """The ``security-severity`` score, and whether one was given at all."""
    if not isinstance(props, dict) or props.get("security-severity") is None:
        return None, False
    value = props["security-severity"]
    try:
        score = float(value)
    except (TypeError, ValueError, OverflowError):
        return None, True
    return (score, True) if math.isfinite(score) and 0.0 <= score <= 10.0 else (None, True)


def _severity(result: Mapping[str, Any], rule: Mapping[str, Any], default: Severity
              ) -> tuple[Severity, bool]:
    """GitHub's reading: the score on the result or its rule in GitHub's bands, else the
    effective level (result, then the rule's default, else warning); ``default`` only when
    neither a score nor a level can be read. The flag says the default was used."""
    props = result.get("properties")
    if isinstance(props, dict) and isinstance(props.get("gate/tool-severity"), str):
        try:
            return Severity.from_word(props["gate/tool-severity"]), False
        except KeyError:
            pass
    score, given = _score(props)
    if score is None:
        score, rule_given = _score(rule.get("properties"))
        given = given or rule_given
    if score is not None:
        return severity_from_score(score), False
    level = result.get("level") or _get(rule, "defaultConfiguration", "level")
    if level is None and not given:
        level = "warning"
    if isinstance(level, str) and level in _LEVEL:
        return _LEVEL[level], False
    return default, True


def _finding(result: Mapping[str, Any], rule: Mapping[str, Any], rule_id: str, scanner: str,
             path: str, reader: LineReader, severity: Severity) -> Finding:
    region = _get(result, "locations", 0, "physicalLocation", "region") or {}
    start = _int(region.get("startLine")) or 1
    end = _int(region.get("endLine"))
    col = _int(region.get("startColumn")) or 1
    end_col = _int(region.get("endColumn"))
    rule_props = rule.get("properties") if isinstance(rule.get("properties"), dict) else {}
    listed = (rule_props or {}).get("tags", [])
    tags = [t for t in listed if isinstance(t, str)] if isinstance(listed, list) else []
    # The first CWE is the weakness: keep the order; a result's own tags win (the gate
    # writes them where one result's weakness is not its rule's).
    result_props = result.get("properties")
    own = result_props.get("tags") if isinstance(result_props, dict) else None
    own_tags = [t for t in own if isinstance(t, str)] if isinstance(own, list) else []
    cwe = _cwe_list(own_tags) or _cwe_list(tags)
    precision = str((rule_props or {}).get("precision", "medium"))
    message = str(_get(result, "message", "text") or "")
    return Finding(
        scanner=scanner,
        rule_id=rule_id,
        rule_name=str(_get(rule, "shortDescription", "text") or rule.get("name") or rule_id),
        message=message,
        severity=severity,
        confidence=_PRECISION.get(precision, Confidence.MEDIUM),
        location=Location(path, max(1, start), max(1, col), end, end_col),
        fingerprint=_fingerprint(result, rule_id, path, start, region, reader),
        cwe=cwe,
        help_uri=_https(rule.get("helpUri")),
        remediation=_plain(_get(rule, "help", "text") or _get(rule, "fullDescription", "text")),
        tags=tuple(t for t in tags if not _CWE.search(t)),
        suppression=_in_source(result),
        extra=_pin(result_props),
    )


def _pin(props: Any) -> tuple[tuple[str, str], ...]:
    """A vulnerable pin's package, version, fixed versions and reachability, from the
    properties the gate's SARIF gives it (``until_fixed`` waivers and VEX need them)."""
    if not isinstance(props, dict) or not isinstance(props.get("gate/package"), str):
        return ()
    fixed = props.get("gate/fixed-versions")
    fixed_list = [_plain(v, 100) for v in fixed if isinstance(v, str)] \
        if isinstance(fixed, list) else []
    out = [("package", _plain(props["gate/package"], 200)),
           ("version", _plain(props.get("gate/version"), 200)),
           ("fixed_versions", ",".join(fixed_list))]
    for key, name in (("reachability", "reachability"), ("gate/reachable-at", "reachable_at")):
        if isinstance(props.get(key), str):
            out.append((name, _plain(props[key], 500)))
    return tuple(out)


def _cwe_list(tags: list[str]) -> tuple[int, ...]:
    """CWE numbers named by ``tags``, in order, each once."""
    return tuple(dict.fromkeys(int(m) for t in tags for m in _CWE.findall(t)))

def _twins(result: Mapping[str, Any], lead: Finding) -> list[Finding]:
    """The other scanners' findings of the same issue that a gate SARIF names on its one
    result (``gate/also-found-by``), so that a waiver for either rule still covers it."""
    listed = _get(result, "properties", "gate/also-found-by")
    out: list[Finding] = []
    for item in listed if isinstance(listed, list) else []:
        if not isinstance(item, dict):
            continue
        tool, rule_id, start = item.get("tool"), item.get("ruleId"), _int(item.get("startLine"))
        if not isinstance(tool, str) or not isinstance(rule_id, str) or not rule_id \
                or start is None or start < 1:
            continue
        end = _int(item.get("endLine"))
        words = item.get("cwe")
        cwe = tuple(dict.fromkeys(int(m) for w in words if isinstance(w, str)
                                  for m in _CWE.findall(w))) if isinstance(words, list) else ()
        word = item.get("severity")
        severity = Severity.from_word(word) if isinstance(word, str) and \
            word in _SEVERITY_WORDS else lead.severity
        given = item.get("fingerprint")
        out.append(Finding(
            scanner=_SLUG.sub("-", tool.lower()).strip("-") or "sarif", rule_id=rule_id,
            rule_name=rule_id, message=lead.message, severity=severity,
            confidence=lead.confidence,
            location=Location(lead.location.path, start, 1, end if end and end >= start else start),
            fingerprint=given if isinstance(given, str) and given else
            fingerprint(rule_id, lead.location.path, f"line:{start}"),
            cwe=cwe))
    return out


_SEVERITY_WORDS = frozenset(s.word for s in Severity)


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


def _plain(value: object, limit: int = 2000) -> str:
    """Imported text as plain text: printable characters and line breaks only."""
    if not isinstance(value, str):
        return ""
    text = "".join(ch if ch.isprintable() or ch == "\n" else " " for ch in value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _https(value: object) -> str:
    """An imported link, kept only when it is a plain ``https`` URL."""
    if not isinstance(value, str) or not value.startswith("https://"):
        return ""
    if any(not ch.isprintable() or ch.isspace() for ch in value) or len(value) > 2000:
        return ""
    return value
