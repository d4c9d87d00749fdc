"""Validation of one policy file's raw TOML data: precise messages with valid choices."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from typing import Any

from gate.deps.findings import ADVISORY_ID, ONE_ADVISORY_ID
from gate.guards.validators import (
    BOOL,
    SEVERITY_WORDS,
    STRING,
    Check,
    choice,
    non_empty_string,
    non_negative_int,
    positive_seconds,
    string_list,
    toml_date,
)
from gate.policy.errors import PolicyIssue
from gate.policy.locate import locate
from gate.policy.model import LEVEL_WORDS, PATH_CLASSES, VEX_JUSTIFICATIONS
from gate.scanners import REGISTRY

KNOWN_SCANNERS = tuple(REGISTRY)  # as registered at import; validation reads REGISTRY
PRESETS = ("default", "strict", "monitor")
LEVEL = choice(*LEVEL_WORDS)


def _version(value: Any) -> str | None:
    return None if value == 1 and not isinstance(value, bool) else f"expected 1; got {value!r}"


TOP: dict[str, Check] = {
    "version": _version,
    "extends": STRING,
    "fail_on": LEVEL,
    "report": LEVEL,
    "exclude": string_list,
    "inline_suppressions": choice("allow", "deny"),
    "secret_suppressions": choice("waivers", "inline"),
    "on_scanner_error": choice("fail", "warn"),
    "on_skipped_files": choice("fail", "warn", "changed"),
    "unused_waivers": choice("warn", "fail"),
    "warn_before_days": non_negative_int,
    "new_only": BOOL,
    "baseline": non_empty_string,
    "default_severity": choice(*SEVERITY_WORDS),
    "submodules": choice("scan", "skip"),
}
TABLES = ("scanners", "paths")
ARRAYS = ("rules", "waivers")

SCANNER_COMMON: dict[str, Check] = {
    "enabled": BOOL,
    "fail_on": LEVEL,
    "report": LEVEL,
    "confidence": choice("high", "medium", "low"),
    "timeout": positive_seconds,
    "exclude": string_list,
}
# Each scanner declares its own keys (``Scanner.options``).
SCANNER_SPECIFIC: dict[str, Mapping[str, Check]] = {
    name: scanner.options for name, scanner in REGISTRY.items() if scanner.options}

RULE_KEYS: dict[str, Check] = {
    "id": STRING,
    "scanner": choice(*KNOWN_SCANNERS),
    "paths": string_list,
    "severity": choice(*SEVERITY_WORDS),
    "ignore": BOOL,
    "reason": STRING,
}
MAX_SHIFT = len(SEVERITY_WORDS) - 1


def severity_adjustment(value: Any) -> str | None:
    """``severity`` of a path class: whole steps (``-1``) or a table of severity words."""
    if isinstance(value, int) and not isinstance(value, bool) and -MAX_SHIFT <= value <= MAX_SHIFT:
        return None
    if isinstance(value, dict) and value and all(
            k in SEVERITY_WORDS and v in SEVERITY_WORDS for k, v in value.items()):
        return None
    hint = " (write the number without quotes)" if isinstance(value, str) and \
        value.lstrip("+-").isdigit() else ""
    return (f"expected a whole number of steps from -{MAX_SHIFT} to {MAX_SHIFT}, like "
            f"severity = -1{hint}, or a table from severity to severity, like "
            f'severity = {{ high = "medium", medium = "low" }} (severities: '
            f"{', '.join(SEVERITY_WORDS)}); got {value!r}")


PATH_CLASS_KEYS: dict[str, Check] = {
    "patterns": string_list,
    "fail_on": LEVEL,
    "report": LEVEL,
    "severity": severity_adjustment,
}
WAIVER_KEYS: dict[str, Check] = {
    "rule": non_empty_string,
    "fingerprint": non_empty_string,
    "paths": string_list,
    "reason": non_empty_string,
    "expires": toml_date,
    "owner": STRING,
    "ticket": STRING,
    "until_fixed": BOOL,
    "vex": choice("affected", "not_affected"),
    "justification": choice(*VEX_JUSTIFICATIONS),
}
ADVISORY_PREFIXES = "PYSEC-, GHSA-, CVE-, OSV- or MAL-"


class _Collector:
    def __init__(self, file: str, source: str, prefix: tuple[str | int, ...]) -> None:
        self.file, self.source, self.prefix = file, source, prefix
        self.issues: list[PolicyIssue] = []

    def add(self, path: tuple[str | int, ...], message: str) -> None:
        full = self.prefix + path
        key = ".".join(str(p) if isinstance(p, str) else f"[{p}]" for p in path)
        key = key.replace(".[", "[")
        self.issues.append(PolicyIssue(self.file, locate(self.source, full), key, message))

    def unknown(self, path: tuple[str | int, ...], key: str, valid: list[str]) -> None:
        close = difflib.get_close_matches(key, valid, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        self.add((*path, key), f"unknown key '{key}'{hint}; valid keys: {', '.join(valid)}")

    def table(self, path: tuple[str | int, ...], data: Mapping[str, Any],
              checks: Mapping[str, Check]) -> None:
        for key, value in data.items():
            if key not in checks:
                self.unknown(path, key, sorted(checks))
                continue
            problem = checks[key](value)
            if problem:
                self.add((*path, key), problem)


def validate(data: Mapping[str, Any], file: str, source: str,
             prefix: tuple[str | int, ...] = ()) -> list[PolicyIssue]:
    """Every problem in one policy file's data (empty list when valid)."""
    out = _Collector(file, source, prefix)
    if "version" not in data:
        out.add((), "missing required key 'version' (add: version = 1)")
    valid_top = sorted([*TOP, *TABLES, *ARRAYS])
    for key, value in data.items():
        if key in TOP:
            problem = TOP[key](value)
            if problem:
                out.add((key,), problem)
        elif key == "scanners":
            _scanners(out, value)
        elif key == "paths":
            _paths(out, value)
        elif key in ARRAYS:
            _array(out, key, value)
        else:
            out.unknown((), key, valid_top)
    return out.issues


def _scanners(out: _Collector, value: Any) -> None:
    _named_tables(out, "scanners", value, list(REGISTRY),
                  lambda name: {**SCANNER_COMMON, **REGISTRY[name].options})


def _paths(out: _Collector, value: Any) -> None:
    _named_tables(out, "paths", value, list(PATH_CLASSES), lambda name: PATH_CLASS_KEYS)


def _named_tables(out: _Collector, key: str, value: Any, names: list[str],
                  checks: Callable[[str], Mapping[str, Check]]) -> None:
    """``[KEY.NAME]`` tables: NAME one of ``names``, each table's keys checked by
    ``checks(NAME)`` (asked only for the names the file uses)."""
    if not isinstance(value, dict):
        out.add((key,), f"expected a table like [{key}.{names[0]}]")
        return
    for name, settings in value.items():
        if name not in names:
            out.unknown((key,), name, names)
            continue
        if not isinstance(settings, dict):
            out.add((key, name), f"expected a table [{key}.{name}] with keys "
                                 f"{', '.join(sorted(checks(name)))}")
            continue
        out.table((key, name), settings, checks(name))


def _array(out: _Collector, key: str, value: Any) -> None:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        out.add((key,), f"expected an array of tables written [[{key}]]")
        return
    for index, entry in enumerate(value):
        path: tuple[str | int, ...] = (key, index)
        if key == "rules":
            out.table(path, entry, {**RULE_KEYS, "scanner": choice(*REGISTRY)})
            if "id" not in entry and "scanner" not in entry:
                out.add(path, "a rule needs 'id' (a glob such as 'B3*') or 'scanner'")
            if entry.get("ignore") is True and not str(entry.get("reason", "")).strip():
                out.add(path, "'ignore = true' needs a 'reason'")
            if "severity" not in entry and entry.get("ignore") is not True:
                out.add(path, "a rule needs 'severity' or 'ignore = true' with a 'reason'")
        else:
            out.table(path, entry, WAIVER_KEYS)
            if "rule" not in entry and "fingerprint" not in entry:
                out.add(path, "a waiver needs 'rule' or 'fingerprint'")
            for required in ("reason", "expires"):
                if required not in entry:
                    example = "2026-12-31" if required == "expires" else '"why this is accepted"'
                    out.add(path, f"a waiver needs '{required}' (e.g. {required} = {example})")
            _advisory_waiver(out, path, entry)


def _advisory_waiver(out: _Collector, path: tuple[str | int, ...],
                     entry: Mapping[str, Any]) -> None:
    """``until_fixed`` and ``vex``/``justification`` are for dependency advisories only:
    ``until_fixed`` needs ``rule`` naming one advisory id, ``vex = "not_affected"`` a
    ``rule`` naming advisories and a ``justification``."""
    rule = entry.get("rule")
    rule = rule if isinstance(rule, str) else ""
    if entry.get("until_fixed") is True and not ONE_ADVISORY_ID.match(rule):
        got = f"rule = {rule!r}" if rule else "no 'rule'"
        out.add((*path, "until_fixed"),
                "until_fixed = true is only for a dependency advisory: it needs 'rule' naming "
                f"one advisory id ({ADVISORY_PREFIXES}, no glob), like rule = "
                f'"PYSEC-2023-74"; got {got}')
    if entry.get("vex") == "not_affected":
        if not ADVISORY_ID.match(rule):
            got = f"rule = {rule!r}" if rule else "no 'rule'"
            out.add((*path, "vex"),
                    'vex = "not_affected" is only for dependency advisories: it needs \'rule\' '
                    f"naming advisory ids ({ADVISORY_PREFIXES}); got {got}")
        if "justification" not in entry:
            out.add((*path, "vex"),
                    'vex = "not_affected" needs a \'justification\', one of '
                    + ", ".join(VEX_JUSTIFICATIONS))
    elif "justification" in entry:
        out.add((*path, "justification"),
                'justification is what a vex = "not_affected" waiver says; add '
                'vex = "not_affected" or remove it')
