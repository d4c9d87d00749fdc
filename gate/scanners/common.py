"""Helpers shared by scanner adapters: JSON parsing, path normalisation, versions."""

from __future__ import annotations

import json
import re
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


def require_list(data: dict[str, Any], key: str) -> list[Any]:
    """``data[key]`` as a list, or BadOutput when the tool's JSON lacks it (fail closed)."""
    if key not in data:
        raise BadOutput(f"printed JSON without its '{key}' list")
    value = data[key]
    if not isinstance(value, list):
        raise BadOutput(f"'{key}' in its JSON is not a list")
    return value


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


# Only a version-looking word of ``--version`` output is kept: never other tool output.
_VERSION = re.compile(r"v?[0-9]+(?:\.[0-9A-Za-z]+){0,4}(?:[-+][0-9A-Za-z.]{1,20})?")


def version_word(text: str) -> str:
    """The last word of a ``--version`` output if it looks like a version, else ``""``."""
    words = text.split()
    return words[-1] if words and _VERSION.fullmatch(words[-1]) else ""


_VERSIONS: dict[tuple[str, ...], str] = {}


def command_version(command: Sequence[str], timeout: float = 30) -> str:
    """``TOOL --version``'s version word (e.g. ``1.32.0``), asked once per process and command.

    Only a version-looking word is kept, never other tool output; the call gets at most the
    scanner's own timeout.
    """
    key = tuple(command)
    if key not in _VERSIONS:
        result = run([*command, "--version"], timeout=min(30.0, timeout))
        ok = result.failure((0,)) is None
        _VERSIONS[key] = version_word(result.stdout.decode("utf-8", "replace")) if ok else ""
    return _VERSIONS[key]
