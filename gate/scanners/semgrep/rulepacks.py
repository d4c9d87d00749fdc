"""The semgrep rule packs shipped inside the wheel under ``policies/rules``."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any


def rules_dir() -> Path:
    """The folder holding the shipped rule packs (a real folder in any normal install)."""
    return Path(str(resources.files("policies") / "rules"))


def pack_path(name: str) -> Path:
    """The path of pack ``name`` (``python`` -> ``.../rules/python.yml``)."""
    return rules_dir() / f"{name}.yml"


def available_packs() -> list[str]:
    """Names of every shipped pack, sorted."""
    return sorted(p.stem for p in rules_dir().glob("*.yml"))


@functools.cache
def pack_text(name: str) -> str:
    """The text of pack ``name``, read once."""
    return pack_path(name).read_text(encoding="utf-8")


@functools.cache
def rules(name: str) -> tuple[dict[str, Any], ...]:
    """The rules of pack ``name``, as YAML reads them (PyYAML imported on first use only;
    its C loader where built in: the pure-Python one took 1.4 s of a scan's CPU for the
    taint packs)."""
    import yaml

    text = pack_text(name)
    if hasattr(yaml, "CSafeLoader"):
        data = yaml.load(text, Loader=yaml.CSafeLoader) or {}
    else:
        data = yaml.safe_load(text) or {}
    return tuple(rule for rule in data.get("rules", []) if isinstance(rule, dict))


@functools.cache
def rule_ids(name: str) -> frozenset[str]:
    """The rule ids declared in pack ``name``."""
    return frozenset(str(rule["id"]) for rule in rules(name) if "id" in rule)


def file_rule_ids(files: Iterable[str]) -> frozenset[str]:
    """The rule ids of the pack files ``files`` (``web-command.yml``, ...)."""
    return frozenset().union(*(rule_ids(f.removesuffix(".yml")) for f in files))


def all_rule_ids() -> frozenset[str]:
    """Every rule id of every shipped pack."""
    return frozenset().union(*(rule_ids(p) for p in available_packs()))


def packs_digest(names: list[str]) -> str:
    """A hash of the packs' contents, for cache keys."""
    digest = hashlib.sha256()
    for name in sorted(names):
        digest.update(name.encode())
        digest.update(pack_path(name).read_bytes())
    return digest.hexdigest()


def strip_rule_prefix(check_id: str, known: frozenset[str]) -> str:
    """Semgrep prefixes ids with the config's folder path; return the YAML id."""
    if check_id in known:
        return check_id
    for rule_id in known:
        if check_id.endswith("." + rule_id):
            return rule_id
    return check_id.rsplit(".", 1)[-1]
