"""Helpers shared by scanner adapters: JSON parsing, path normalisation, versions."""

from __future__ import annotations

import json
from collections.abc import Sequence
from importlib import metadata
from pathlib import PurePosixPath
from typing import Any

from gate.process import ProcessResult, command_for, run


class BadOutput(Exception):
    """The tool's output could not be understood."""


def parse_json_object(result: ProcessResult) -> dict[str, Any]:
    """Parse a tool's stdout as one JSON object, or raise BadOutput with a short reason."""
    text = result.stdout.decode("utf-8", "replace").strip()
    if not text:
        raise BadOutput("produced no output")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadOutput(f"printed output that is not JSON ({exc.msg} at char {exc.pos})") from None
    if not isinstance(data, dict):
        raise BadOutput("printed JSON that is not an object")
    return data


def relative_path(reported: str) -> str:
    """A tool-reported path made relative with ``/`` separators (``./a.py`` -> ``a.py``)."""
    path = reported.replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    return str(PurePosixPath(path))


def safe_argv_paths(files: Sequence[str]) -> list[str]:
    """Prefix relative paths with ``./`` so that a file named ``-x`` is never read as a flag."""
    return ["./" + f for f in files]


def package_version(distribution: str, scanner: str) -> str:
    """The installed version of a scanner's package, or ``unknown`` when replaced by a command."""
    if command_for(scanner, ["default"]) != ["default"]:
        return "unknown"
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "unknown"


def as_int(value: object, default: int = 1) -> int:
    """An int from a JSON value, or ``default``."""
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        return value
    return default


_VERSIONS: dict[tuple[str, ...], str] = {}


def command_version(command: Sequence[str]) -> str:
    """``TOOL --version``'s last word (e.g. ``1.32.0``), asked once per process and command."""
    key = tuple(command)
    if key not in _VERSIONS:
        result = run([*command, "--version"], timeout=30)
        words = result.stdout.decode("utf-8", "replace").split()
        ok = result.failure((0,)) is None and words
        _VERSIONS[key] = words[-1][:40] if ok else ""
    return _VERSIONS[key]
