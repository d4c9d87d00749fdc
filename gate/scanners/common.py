"""The run skeleton every adapter shares, and small helpers for reading tools' JSON.

``invoke`` resolves the scanner's command, runs it through ``gate.process`` with the
allow-listed environment and checks the exit code; ``parse_output`` decodes stdout as JSON
and hands it to the adapter's parser. Both return a ``ToolFailure`` instead of raising, with
the same words for the same trouble whatever the tool: "produced no output", "printed output
that is not JSON (...)", "printed JSON that is not an object", "printed JSON in an
unexpected shape (...)".
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, TypeVar

from gate.guards.bounded import TooComplex, loads_json
from gate.process import ProcessResult, run, scanner_env

if TYPE_CHECKING:
    from gate.scanners.interface import BaseScanner, ScanContext

T = TypeVar("T")


class BadOutput(Exception):
    """The tool's output could not be understood."""


@dataclass(frozen=True)
class ToolFailure:
    """Why a tool run is not a normal run: the reason and the exit code it had."""

    reason: str
    exit_code: int | None


def invoke(scanner: BaseScanner, args: Sequence[str], ctx: ScanContext, *,
           cwd: Path | None = None, timeout: float | None = None,
           extra_env: Mapping[str, str] | None = None,
           ok_codes: Sequence[int] | None = None) -> ProcessResult | ToolFailure:
    """Run ``scanner.command() + args`` (from the root by default) and check its exit code."""
    result = run([*scanner.command(), *args], cwd=cwd or ctx.root,
                 timeout=ctx.timeout if timeout is None else timeout,
                 env=scanner_env(extra_env))
    problem = result.failure(scanner.ok_codes if ok_codes is None else ok_codes)
    if problem:
        return ToolFailure(problem, result.returncode)
    return result


def decode_json(text: str, kind: type = dict) -> Any:
    """Parse ``text`` as one JSON value of ``kind`` (dict or list), or raise BadOutput."""
    text = text.strip()
    if not text:
        raise BadOutput("produced no output")
    try:
        data = loads_json(text)
    except TooComplex as exc:
        raise BadOutput(f"printed JSON that cannot be read: {exc}") from None
    except json.JSONDecodeError as exc:
        raise BadOutput(f"printed output that is not JSON ({exc.msg} at char {exc.pos})"
                        ) from None
    if not isinstance(data, kind):
        label = "an object" if kind is dict else "a list"
        raise BadOutput(f"printed JSON that is not {label}")
    return data


def parse_output(result: ProcessResult, parse: Callable[[Any], T], kind: type = dict
                 ) -> T | ToolFailure:
    """``parse(JSON of stdout)``, or a ToolFailure worded the same for every tool."""
    return parse_text(result, lambda text: parse(decode_json(text, kind)))


def parse_text(result: ProcessResult, parse: Callable[[str], T]) -> T | ToolFailure:
    """``parse(stdout as text)``; BadOutput and shape errors become a ToolFailure."""
    try:
        return parse(result.stdout.decode("utf-8", "replace"))
    except BadOutput as exc:
        return ToolFailure(str(exc), result.returncode)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        return ToolFailure(f"printed JSON in an unexpected shape ({type(exc).__name__})",
                           result.returncode)


def parse_json_object(result: ProcessResult) -> dict[str, Any]:
    """Parse a tool's stdout as one JSON object, or raise BadOutput with a short reason."""
    data: dict[str, Any] = decode_json(result.stdout.decode("utf-8", "replace"))
    return data


def require_list(data: Mapping[str, Any], key: str) -> list[Any]:
    """``data[key]`` as a list, or BadOutput when the tool's JSON lacks it (fail closed)."""
    if key not in data:
        raise BadOutput(f"printed JSON without its '{key}' list")
    return optional_list(data, key)


def optional_list(data: Mapping[str, Any], key: str) -> list[Any]:
    """``data[key]`` as a list (empty when absent), or BadOutput when it is something else."""
    value = data.get(key, [])
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
