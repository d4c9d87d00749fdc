"""Parsing with limits: JSON, TOML and YAML input nested too deep, too large or too
expanding is refused with a clear error instead of exhausting the stack or memory; folders
are walked without recursion, however deep they nest.

The nesting check is a linear scan that counts brackets outside string literals, run before
the real parser (whose recursion is what deep input would exhaust). YAML is checked on its
event stream (no recursion) before anything is built: an alias (``*a``, the "billion laughs"
bomb) is refused outright.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from typing import Any

import tomli

MAX_DEPTH = 200
MAX_JSON_BYTES = 512 * 1024 * 1024
MAX_TOML_BYTES = 4 * 1024 * 1024
MAX_YAML_BYTES = 4 * 1024 * 1024
MAX_YAML_NODES = 200_000  # scalars, mappings and sequences of one document


class TooComplex(ValueError):
    """The input is nested too deep or too large to parse safely."""


def check(text: str, *, max_depth: int = MAX_DEPTH, max_chars: int = MAX_JSON_BYTES,
          toml: bool = False, max_containers: int | None = None) -> None:
    """Raise TooComplex when ``text`` is over ``max_chars``, nests deeper than ``max_depth``
    brackets (``[`` and ``{`` outside strings; TOML comments skipped) or opens more than
    ``max_containers`` of them."""
    if len(text) > max_chars:
        raise TooComplex(f"larger than {_size(max_chars)}")
    if not toml:
        _check_json(text, max_depth, max_containers)
        return
    depth = opened = 0
    quote = ""
    escaped = False
    comment = False
    for char in text:
        if comment:
            comment = char != "\n"
        elif quote:
            if escaped:
                escaped = False
            elif char == "\\" and quote == '"':
                escaped = True
            elif char == quote or (toml and char == "\n" and quote == "'"):
                quote = ""
        elif char in "\"'" and (toml or char == '"'):
            quote = char
        elif toml and char == "#":
            comment = True
        elif char in "[{":
            depth += 1
            opened += 1
            if depth > max_depth:
                raise TooComplex(f"nested deeper than {max_depth} levels")
            if max_containers is not None and opened > max_containers:
                raise TooComplex(f"more than {max_containers} lists and objects")
        elif char in "]}":
            depth = max(0, depth - 1)


_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')  # unrolled: no per-character branch
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_PAIR = re.compile(r"\[\]|\{\}")


def _check_json(text: str, max_depth: int, max_containers: int | None) -> None:
    """``check`` for JSON at C speed: strings removed by one regex, then the brackets alone
    reduced one nesting level per pass (none when too few to nest ``max_depth`` deep)."""
    if text.count("[") + text.count("{") <= max_depth:
        return  # the common case: too few brackets, even counting those in strings
    bare = _JSON_STRING.sub("", text) if '"' in text else text
    opened = bare.count("[") + bare.count("{")
    if max_containers is not None and opened > max_containers:
        raise TooComplex(f"more than {max_containers} lists and objects")
    if opened <= max_depth:
        return
    brackets = _NOT_BRACKET.sub("", bare)
    for passes in range(max_depth):
        reduced = _PAIR.sub("", brackets)
        if reduced == brackets:  # unmatched leftovers (malformed): count their opens
            depth = deepest = 0
            for char in brackets:
                depth = depth + 1 if char in "[{" else max(0, depth - 1)
                deepest = max(deepest, depth)
            if passes + deepest > max_depth:
                raise TooComplex(f"nested deeper than {max_depth} levels")
            return
        brackets = reduced
    if _PAIR.search(brackets):
        raise TooComplex(f"nested deeper than {max_depth} levels")


def _size(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MB" if limit >= 1024 * 1024 else f"{limit} bytes"


def loads_json(text: str, *, max_depth: int = MAX_DEPTH,
               max_containers: int | None = None) -> Any:
    """``json.loads`` after ``check``; TooComplex or json.JSONDecodeError on bad input."""
    check(text, max_depth=max_depth, max_containers=max_containers)
    try:
        return json.loads(text)
    except RecursionError:
        raise TooComplex(f"nested deeper than {max_depth} levels") from None


def load_input(text: str, origin: str, error: type[Exception]) -> Any:
    """``loads_json`` for input the user gave: anything unreadable raises ``error`` with
    ``origin`` and the reason (too deep or large, where the JSON breaks, or the first field
    holding a NUL byte or a lone surrogate, which no file name or report text can hold)."""
    try:
        data = loads_json(text)
    except TooComplex as exc:
        raise error(f"{origin}: cannot be read: {exc}") from None
    except json.JSONDecodeError as exc:
        raise error(f"{origin}: not JSON ({exc.msg} at line {exc.lineno})") from None
    bad = unprintable_field(data)
    if bad is not None:
        field, what = bad
        raise error(f"{origin}: {field or 'the document'} holds {what}; refused")
    return data


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def unprintable_field(data: Any) -> tuple[str, str] | None:
    """The path (``runs[0].results[2].message.text``) of the first key or string of ``data``
    holding a NUL byte or a lone surrogate, with what it holds; None when there is none.
    Walked with a stack: any depth."""
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                return where, "a NUL byte"
            if _LONE_SURROGATE.search(value):
                return where, "a lone surrogate (not UTF-8 text)"
        elif isinstance(value, dict):
            for key in reversed(list(value)):
                name = f"{where}.{key}" if where else str(key)
                if "\x00" in key or _LONE_SURROGATE.search(key):
                    return (where or "the document") + " (a key)", (
                        "a NUL byte" if "\x00" in key else "a lone surrogate (not UTF-8 text)")
                stack.append((name, value[key]))
        elif isinstance(value, list):
            stack.extend((f"{where}[{i}]", value[i]) for i in reversed(range(len(value))))
    return None


def loads_toml(text: str, *, max_depth: int = MAX_DEPTH) -> dict[str, Any]:
    """``tomli.loads`` after ``check``; TooComplex or tomli.TOMLDecodeError on bad input."""
    check(text, max_depth=max_depth, max_chars=MAX_TOML_BYTES, toml=True)
    try:
        return tomli.loads(text)
    except RecursionError:
        raise TooComplex(f"nested deeper than {max_depth} levels") from None


def loads_yaml(data: bytes | str, *, max_depth: int = MAX_DEPTH,
               max_nodes: int = MAX_YAML_NODES, max_bytes: int = MAX_YAML_BYTES) -> Any:
    """Plain YAML data (safe loader; the C one when PyYAML has it) after a check of its
    events: TooComplex when it is larger than ``max_bytes``, holds an alias, nests deeper
    than ``max_depth`` or has more than ``max_nodes`` nodes; ValueError when it is not YAML.

    PyYAML is imported here, not at the top: a run that reads no YAML does not pay for it.
    """
    import yaml

    if len(data) > max_bytes:
        raise TooComplex(f"larger than {_size(max_bytes)}")
    parser = getattr(yaml, "CParser", None)
    depth = nodes = 0
    try:
        for event in (yaml.parse(data, Loader=parser) if parser else yaml.parse(data)):
            if isinstance(event, yaml.AliasEvent):
                raise TooComplex(f"uses a YAML alias (*{event.anchor}); aliases are refused")
            if isinstance(event, yaml.NodeEvent):
                nodes += 1
                if nodes > max_nodes:
                    raise TooComplex(f"more than {max_nodes} YAML nodes")
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > max_depth:
                    raise TooComplex(f"nested deeper than {max_depth} levels")
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
        if hasattr(yaml, "CSafeLoader"):  # the C loader when libyaml is built in: faster
            return yaml.load(data, Loader=yaml.CSafeLoader)
        return yaml.safe_load(data)
    except yaml.YAMLError as exc:
        raise ValueError(str(exc) or type(exc).__name__) from exc
    except RecursionError:
        raise TooComplex(f"nested deeper than {max_depth} levels") from None


def walk(top: str) -> Iterator[tuple[str, list[str], list[str]]]:
    """``os.walk(top, followlinks=False)`` without recursion (a tree thousands of folders
    deep is walked like a flat one): ``(folder, dirs, files)`` top-down; the caller may
    prune ``dirs`` in place. Unreadable folders are left out, as ``os.walk`` does."""
    stack = [top]
    while stack:
        folder = stack.pop()
        dirs: list[str] = []
        files: list[str] = []
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    try:
                        is_dir = entry.is_dir(follow_symlinks=False)
                    except OSError:
                        is_dir = False
                    if is_dir or (entry.is_symlink() and _links_to_dir(entry.path)):
                        dirs.append(entry.name)
                    else:
                        files.append(entry.name)
        except OSError:
            continue
        yield folder, dirs, files
        stack.extend(os.path.join(folder, d) for d in reversed(dirs)
                     if not os.path.islink(os.path.join(folder, d)))


def _links_to_dir(path: str) -> bool:
    try:
        return os.path.isdir(path)
    except OSError:
        return False
