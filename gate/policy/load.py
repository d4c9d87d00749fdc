"""Find, read, validate and merge policy files into one Policy."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import tomli

from gate.findings import Confidence, Severity
from gate.guards.bounded import TooComplex, loads_toml
from gate.policy.errors import PolicyError, PolicyIssue
from gate.policy.model import (
    PATH_CLASSES,
    InlineMode,
    OnProblem,
    OnSkipped,
    PathClass,
    Policy,
    RuleOverride,
    ScannerPolicy,
    SecretMode,
    Waiver,
    parse_level,
)
from gate.policy.schema import PRESETS, SCANNER_COMMON, validate

ROOT_NAMES = ("gate.toml", ".gate.toml")
Reader = Callable[[Path], str]
MAX_EXTENDS_DEPTH = 8


def read_file(path: Path) -> str:
    """The default reader: the working tree."""
    return path.read_text(encoding="utf-8")


def preset_text(name: str) -> str:
    """The text of a shipped preset (``default``, ``strict``, ``monitor``)."""
    return (resources.files("policies") / f"{name}.toml").read_text(encoding="utf-8")


def discover(root: Path, explicit: Path | None = None,
             exists: Callable[[Path], bool] = Path.is_file) -> Path | str:
    """The policy to use: ``explicit``, else ``gate.toml``/``.gate.toml``, else ``pyproject``
    with ``[tool.gate]``, else the preset name ``"default"``."""
    if explicit is not None:
        return explicit
    found = [root / n for n in ROOT_NAMES if exists(root / n)]
    if len(found) > 1:
        raise PolicyError([PolicyIssue(str(found[1]), None, "",
                                       "both gate.toml and .gate.toml exist at the repository "
                                       "root; keep exactly one")])
    if found:
        return found[0]
    pyproject = root / "pyproject.toml"
    if exists(pyproject):
        return pyproject
    return "default"


def load(root: Path, explicit: Path | None = None, reader: Reader = read_file,
         exists: Callable[[Path], bool] = Path.is_file) -> Policy:
    """Discover and load the effective policy for a repository at ``root``."""
    where = discover(root, explicit, exists)
    if isinstance(where, str):
        return load_preset(where)
    if reader is read_file:
        reader = _confined(root, explicit)
    if where.name == "pyproject.toml" and explicit is None:
        raw, chain = _load_chain(where, reader, table=("tool", "gate"), optional=True)
        if raw is None:
            return load_preset("default")
    else:
        raw, chain = _load_chain(where, reader)
    assert raw is not None
    return build(raw, source=chain[0], chain=tuple(chain))


def load_preset(name: str) -> Policy:
    """A shipped preset by name."""
    raw, chain = _load_text(preset_text(name), f"preset:{name}", None, read_file, ())
    assert raw is not None
    return build(raw, source=f"preset:{name}", chain=tuple(chain))


def load_text(text: str, origin: str) -> Policy:
    """A policy from text (no ``extends`` of relative paths)."""
    raw, chain = _load_text(text, origin, None, read_file, ())
    assert raw is not None
    return build(raw, source=origin, chain=tuple(chain))


def _confined(root: Path, explicit: Path | None) -> Reader:
    """The working-tree reader under the rules for code: a policy file of the repository
    (and what it extends) must not be a link that leaves it; ``--policy FILE`` may be
    anywhere the user says."""
    base = root.resolve()
    given = Path(os.path.abspath(explicit)) if explicit is not None else None

    def read(path: Path) -> str:
        if given is None or Path(os.path.abspath(path)) != given:
            target = path.resolve()
            if target != base and base not in target.parents:
                raise PolicyError([PolicyIssue(str(path), None, "", "not read: it is a link "
                                               "to a file outside the repository")])
        return read_file(path)

    return read


def _load_chain(path: Path, reader: Reader, table: tuple[str, ...] = (),
                optional: bool = False, seen: tuple[str, ...] = ()
                ) -> tuple[dict[str, Any] | None, list[str]]:
    path = Path(os.path.normpath(path))  # sub/../gate.toml is gate.toml: cycles are found
    try:
        text = reader(path)
    except (OSError, UnicodeDecodeError, KeyError) as exc:
        issue = PolicyIssue(str(path), None, "", f"cannot read policy: {exc}")
        raise PolicyError([issue]) from None
    return _load_text(text, str(path), path, reader, seen, table, optional)


def _load_text(text: str, origin: str, path: Path | None, reader: Reader,
               seen: tuple[str, ...], table: tuple[str, ...] = (), optional: bool = False
               ) -> tuple[dict[str, Any] | None, list[str]]:
    try:
        data: dict[str, Any] = loads_toml(text)
    except TooComplex as exc:
        raise PolicyError([PolicyIssue(origin, None, "", f"cannot be read: {exc}")]) from None
    except tomli.TOMLDecodeError as exc:
        raise PolicyError([PolicyIssue(origin, getattr(exc, "lineno", None), "",
                                       f"not valid TOML: {exc}")]) from None
    for key in table:
        inner = data.get(key)
        if not isinstance(inner, dict):
            if optional:
                return None, []
            raise PolicyError([PolicyIssue(origin, None, ".".join(table),
                                           f"no [{'.'.join(table)}] table")])
        data = inner
    issues = validate(data, origin, text, table)
    if issues:
        raise PolicyError(issues)
    chain = [origin]
    parent = data.get("extends")
    if not isinstance(parent, str):
        return data, chain
    if len(seen) >= MAX_EXTENDS_DEPTH or origin in seen:
        raise PolicyError([PolicyIssue(origin, None, "extends",
                                       f"extends forms a cycle or is too deep: "
                                       f"{' -> '.join((*seen, origin))}")])
    if parent in PRESETS:
        base, base_chain = _load_text(preset_text(parent), f"preset:{parent}", None, reader,
                                      (*seen, origin))
    else:
        if path is None:
            raise PolicyError([PolicyIssue(origin, None, "extends",
                                           f"a preset cannot extend a file; expected one of "
                                           f"{', '.join(PRESETS)}")])
        base_path = (path.parent / parent)
        base, base_chain = _load_chain(base_path, reader, seen=(*seen, origin))
    assert base is not None
    return merge(base, data), chain + base_chain


def merge(base: Mapping[str, Any], child: Mapping[str, Any]) -> dict[str, Any]:
    """Tables merge key by key (the child wins); ``rules`` and ``waivers`` concatenate."""
    out: dict[str, Any] = dict(base)
    for key, value in child.items():
        if key in ("rules", "waivers"):
            out[key] = [*base.get(key, []), *value]
        elif isinstance(value, dict) and isinstance(base.get(key), dict):
            out[key] = merge(base[key], value)
        else:
            out[key] = value
    out.pop("extends", None)
    return out


def build(raw: Mapping[str, Any], source: str, chain: tuple[str, ...] = ()) -> Policy:
    """Turn validated, merged raw data into a Policy."""
    scanners = {name: _scanner(settings) for name, settings in raw.get("scanners", {}).items()}
    rules = tuple(
        RuleOverride(
            id=str(r.get("id", "*")), scanner=r.get("scanner"), paths=tuple(r.get("paths", ())),
            severity=Severity.from_word(r["severity"]) if "severity" in r else None,
            ignore=bool(r.get("ignore", False)), reason=str(r.get("reason", "")), index=i,
        )
        for i, r in enumerate(raw.get("rules", []))
    )
    waivers = tuple(
        Waiver(
            reason=str(w["reason"]), expires=_as_date(w["expires"]), rule=w.get("rule"),
            fingerprint=w.get("fingerprint"), paths=tuple(w.get("paths", ())),
            owner=str(w.get("owner", "")), ticket=str(w.get("ticket", "")), index=i,
            until_fixed=bool(w.get("until_fixed", False)), vex=str(w.get("vex", "affected")),
            justification=str(w.get("justification", "")),
        )
        for i, w in enumerate(raw.get("waivers", []))
    )
    return Policy(
        source=source,
        fail_on=parse_level(raw.get("fail_on", "high")),
        report=parse_level(raw.get("report", "medium")),
        exclude=tuple(raw.get("exclude", ())),
        inline_suppressions=InlineMode(raw.get("inline_suppressions", "allow")),
        secret_suppressions=SecretMode(raw.get("secret_suppressions", "waivers")),
        on_scanner_error=OnProblem(raw.get("on_scanner_error", "fail")),
        on_skipped_files=OnSkipped(raw.get("on_skipped_files", "warn")),
        unused_waivers=OnProblem(raw.get("unused_waivers", "warn")),
        warn_before_days=int(raw.get("warn_before_days", 14)),
        default_severity=Severity.from_word(raw.get("default_severity", "high")),
        submodules=raw.get("submodules", "scan") == "scan",
        new_only=bool(raw.get("new_only", False)),
        baseline=raw.get("baseline"),
        scanners=scanners,
        rules=rules,
        waivers=waivers,
        paths=tuple(_path_class(name, raw.get("paths", {}).get(name, {}))
                    for name in PATH_CLASSES),
        chain=chain,
        raw=dict(raw),
    )


def _scanner(settings: Mapping[str, Any]) -> ScannerPolicy:
    options = {k: v for k, v in settings.items() if k not in SCANNER_COMMON}
    return ScannerPolicy(
        enabled=bool(settings.get("enabled", True)),
        fail_on=parse_level(settings["fail_on"]) if "fail_on" in settings else None,
        report=parse_level(settings["report"]) if "report" in settings else None,
        fail_on_set="fail_on" in settings,
        report_set="report" in settings,
        confidence=Confidence.from_word(settings.get("confidence", "low")),
        timeout=float(settings.get("timeout", 600)),
        exclude=tuple(settings.get("exclude", ())),
        options=options,
    )


def _path_class(name: str, settings: Mapping[str, Any]) -> PathClass:
    """A class from its ``[paths.NAME]`` table; patterns default to the built-in ones."""
    severity = settings.get("severity", 0)
    mapping = ({Severity.from_word(k): Severity.from_word(v) for k, v in severity.items()}
               if isinstance(severity, dict) else {})
    return PathClass(
        name=name, patterns=tuple(settings.get("patterns", PATH_CLASSES[name])),
        fail_on=parse_level(settings["fail_on"]) if "fail_on" in settings else None,
        fail_on_set="fail_on" in settings,
        report=parse_level(settings["report"]) if "report" in settings else None,
        report_set="report" in settings,
        shift=severity if isinstance(severity, int) else 0, mapping=mapping)


def _as_date(value: Any) -> dt.date:
    assert isinstance(value, dt.date)
    return value
