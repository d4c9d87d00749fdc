"""Validation of one policy file's raw TOML data: precise messages with valid choices."""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Callable, Mapping
from typing import Any

from gate.policy.errors import PolicyIssue
from gate.policy.locate import locate
from gate.policy.model import LEVEL_WORDS

KNOWN_SCANNERS = ("bandit", "semgrep", "pip-audit", "zizmor", "secrets")
SEVERITY_WORDS = ("critical", "high", "medium", "low", "info")
PRESETS = ("default", "strict", "monitor")

Check = Callable[[Any], str | None]


def _choice(*choices: str) -> Check:
    def check(value: Any) -> str | None:
        if isinstance(value, str) and value in choices:
            return None
        return f"expected one of {', '.join(choices)}; got {value!r}"

    return check


def _type(kind: type | tuple[type, ...], label: str) -> Check:
    def check(value: Any) -> str | None:
        if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
            return f"expected {label}; got {value!r}"
        return None if isinstance(value, kind) else f"expected {label}; got {value!r}"

    return check


def _string_list(value: Any) -> str | None:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return None
    return f"expected a list of strings; got {value!r}"


def _positive_number(value: Any) -> str | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
        return None
    return f"expected a number of seconds greater than 0; got {value!r}"


def _non_negative_int(value: Any) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return None
    return f"expected a whole number of days (0 or more); got {value!r}"


def _version(value: Any) -> str | None:
    return None if value == 1 and not isinstance(value, bool) else f"expected 1; got {value!r}"


def _date(value: Any) -> str | None:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return None
    return f"expected a TOML date like 2026-12-31 (no quotes, no time); got {value!r}"


def _non_empty_string(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return None
    return f"expected a non-empty string; got {value!r}"


LEVEL = _choice(*LEVEL_WORDS)
STRING = _type(str, "a string")
BOOL = _type(bool, "true or false")

TOP: dict[str, Check] = {
    "version": _version,
    "extends": STRING,
    "fail_on": LEVEL,
    "report": LEVEL,
    "exclude": _string_list,
    "inline_suppressions": _choice("allow", "deny"),
    "on_scanner_error": _choice("fail", "warn"),
    "on_skipped_files": _choice("fail", "warn"),
    "unused_waivers": _choice("warn", "fail"),
    "warn_before_days": _non_negative_int,
    "new_only": BOOL,
    "baseline": _non_empty_string,
}
TABLES = ("scanners",)
ARRAYS = ("rules", "waivers")

SCANNER_COMMON: dict[str, Check] = {
    "enabled": BOOL,
    "fail_on": LEVEL,
    "report": LEVEL,
    "confidence": _choice("high", "medium", "low"),
    "timeout": _positive_number,
    "exclude": _string_list,
}
SCANNER_SPECIFIC: dict[str, dict[str, Check]] = {
    "pip-audit": {
        "resolve": _choice("pins", "full"),
        "unaudited": _choice("fail", "warn"),
        "private_packages": _string_list,
        "osv_url": STRING,
        "advisory_db": STRING,
        "default_severity": _choice(*SEVERITY_WORDS),
        "index_url": STRING,
    },
    "secrets": {"git_history": BOOL},
}

RULE_KEYS: dict[str, Check] = {
    "id": STRING,
    "scanner": _choice(*KNOWN_SCANNERS),
    "paths": _string_list,
    "severity": _choice(*SEVERITY_WORDS),
    "ignore": BOOL,
    "reason": STRING,
}
WAIVER_KEYS: dict[str, Check] = {
    "rule": _non_empty_string,
    "fingerprint": _non_empty_string,
    "paths": _string_list,
    "reason": _non_empty_string,
    "expires": _date,
    "owner": STRING,
    "ticket": STRING,
}


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
        elif key in ARRAYS:
            _array(out, key, value)
        else:
            out.unknown((), key, valid_top)
    return out.issues


def _scanners(out: _Collector, value: Any) -> None:
    if not isinstance(value, dict):
        out.add(("scanners",), "expected a table like [scanners.bandit]")
        return
    for name, settings in value.items():
        if name not in KNOWN_SCANNERS:
            out.unknown(("scanners",), name, list(KNOWN_SCANNERS))
            continue
        if not isinstance(settings, dict):
            out.add(("scanners", name), f"expected a table [scanners.{name}]")
            continue
        checks = {**SCANNER_COMMON, **SCANNER_SPECIFIC.get(name, {})}
        out.table(("scanners", name), settings, checks)


def _array(out: _Collector, key: str, value: Any) -> None:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        out.add((key,), f"expected an array of tables written [[{key}]]")
        return
    for index, entry in enumerate(value):
        path: tuple[str | int, ...] = (key, index)
        if key == "rules":
            out.table(path, entry, RULE_KEYS)
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
