"""Read Python dependency manifests without running anything from the repository.

Every declared dependency becomes either a ``Declared`` entry (a named requirement, pinned or
not) or an ``Unaudited`` entry (a line the gate cannot audit, with the reason). Manifest kinds
the gate does not read become ``Unsupported`` entries: nothing is skipped in silence.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import tomli
from packaging.requirements import InvalidRequirement, Requirement

from gate.bounded import loads_json, loads_toml
from gate.deps.osv import normalize
from gate.repo_files import read_text

LOCK_NAMES = ("uv.lock", "poetry.lock", "Pipfile.lock")
UNSUPPORTED = {
    "Pipfile": "Pipfile is not read; audit its Pipfile.lock instead",
    "setup.py": "setup.py is code and is never run; declare dependencies in pyproject.toml",
    "setup.cfg": "setup.cfg install_requires is not read; use pyproject.toml or a lock file",
    "pdm.lock": "pdm.lock is not read; export it to requirements.txt or pylock.toml",
}
_URL_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")
_INDEX_OPTIONS = ("-i", "--index-url", "--extra-index-url", "-f", "--find-links")
_INCLUDE_OPTIONS = ("-r", "--requirement", "-c", "--constraint")
_EDITABLE_OPTIONS = ("-e", "--editable")
_HASH_RE = re.compile(r"\s--hash[=\s]\S+")


@dataclass(frozen=True)
class Declared:
    """A named requirement at a manifest line; ``version`` set when pinned with ``==``."""

    path: str
    line: int
    name: str
    version: str | None
    spec: str


@dataclass(frozen=True)
class Unaudited:
    """A manifest line the gate cannot audit, and why."""

    path: str
    line: int
    text: str
    reason: str


@dataclass(frozen=True)
class Unsupported:
    """A manifest kind that was found but is not read."""

    path: str
    reason: str


@dataclass
class Manifests:
    """Everything read from the repository's manifests."""

    declared: list[Declared] = field(default_factory=list)
    unaudited: list[Unaudited] = field(default_factory=list)
    unsupported: list[Unsupported] = field(default_factory=list)
    read: list[str] = field(default_factory=list)


def is_requirements_file(path: str) -> bool:
    """``requirements*.txt`` anywhere, and ``*.txt`` inside a ``requirements/`` folder."""
    pure = PurePosixPath(path)
    if fnmatch.fnmatch(pure.name, "requirements*.txt"):
        return True
    return pure.suffix == ".txt" and "requirements" in pure.parts[:-1]


def kind_of(path: str) -> str | None:
    """The manifest kind of ``path`` (``unsupported`` for known kinds the gate does not read)."""
    name = PurePosixPath(path).name
    if is_requirements_file(path):
        return "requirements"
    if name == "pyproject.toml":
        return "pyproject"
    if fnmatch.fnmatch(name, "pylock*.toml"):
        return "pylock"
    if name in LOCK_NAMES:
        return name
    if name in UNSUPPORTED or fnmatch.fnmatch(name, "requirements*.in"):
        return "unsupported"
    return None


def read_manifests(root: Path, files: Sequence[str]) -> Manifests:
    """Parse every manifest in ``files`` (relative posix paths under ``root``)."""
    out = Manifests()
    seen: set[str] = set()
    for path in sorted(files):
        kind = kind_of(path)
        if kind is None:
            continue
        if kind == "unsupported":
            name = PurePosixPath(path).name
            reason = UNSUPPORTED.get(name, "pip-tools input; audit the compiled requirements file")
            out.unsupported.append(Unsupported(path, reason))
            continue
        if kind == "requirements":
            _read_requirements(root, path, out, seen)
            continue
        text = _read(root, path)
        if text is None:
            out.unaudited.append(Unaudited(path, 1, "", "manifest cannot be read"))
            continue
        out.read.append(path)
        try:
            if kind == "pyproject":
                _read_pyproject(path, text, out)
            elif kind == "Pipfile.lock":
                _read_pipfile_lock(path, text, out)
            else:
                _read_toml_lock(path, text, kind, out)
        except (tomli.TOMLDecodeError, ValueError) as exc:
            out.unaudited.append(Unaudited(path, 1, "", f"manifest cannot be parsed: {exc}"))
    return out


def _read(root: Path, path: str) -> str | None:
    return read_text(root, path)


def _logical_lines(text: str) -> Iterable[tuple[int, str]]:
    """Requirements lines with continuations joined and comments removed, with start line."""
    buffer, start = "", 0
    for number, raw in enumerate(text.splitlines(), start=1):
        if not buffer:
            start = number
        line = raw
        if line.endswith("\\"):
            buffer += line[:-1] + " "
            continue
        buffer += line
        yield start, re.sub(r"(^|\s)#.*$", "", buffer).strip()
        buffer = ""
    if buffer:
        yield start, re.sub(r"(^|\s)#.*$", "", buffer).strip()


def _option(line: str, options: Sequence[str]) -> str | None:
    """The value of ``line`` when it is one of ``options`` (``-r x``, ``-rx``, ``--opt=x``)."""
    for option in options:
        if line == option:
            return ""
        if option.startswith("--") and line.startswith(option + "="):
            return line[len(option) + 1 :].strip()
        if line.startswith(option + " ") or line.startswith(option + "\t"):
            return line[len(option) :].strip()
        if not option.startswith("--") and line.startswith(option) and len(line) > 2:
            return line[len(option) :].strip()
    return None


def _read_requirements(root: Path, path: str, out: Manifests, seen: set[str]) -> None:
    if path in seen:
        return
    seen.add(path)
    text = _read(root, path)
    if text is None:
        out.unaudited.append(Unaudited(path, 1, "", "requirements file cannot be read"))
        return
    out.read.append(path)
    for number, line in _logical_lines(text):
        if not line:
            continue
        short = line[:120]
        include = _option(line, _INCLUDE_OPTIONS)
        if include is not None:
            _follow_include(root, path, number, include, out, seen)
            continue
        if _option(line, _INDEX_OPTIONS) is not None:
            out.unaudited.append(
                Unaudited(
                    path,
                    number,
                    short,
                    "package index option: packages may come from "
                    "another index than the one the audit checks",
                )
            )
            continue
        if _option(line, _EDITABLE_OPTIONS) is not None:
            out.unaudited.append(Unaudited(path, number, short, "editable install is not audited"))
            continue
        if line.startswith("-"):
            continue  # global options such as --pre, --only-binary, --require-hashes
        requirement = _HASH_RE.sub("", " " + line).strip()
        requirement = re.sub(r"\s--\S+.*$", "", requirement).strip()
        _add_requirement(path, number, requirement, out)


def _follow_include(
    root: Path, path: str, number: int, target: str, out: Manifests, seen: set[str]
) -> None:
    line = f"-r {target}"
    if not target or _URL_RE.match(target):
        out.unaudited.append(Unaudited(path, number, line, "include of a URL is not audited"))
        return
    base = (root / path).parent
    resolved = (base / target).resolve()
    try:
        relative = resolved.relative_to(root.resolve()).as_posix()
    except ValueError:
        out.unaudited.append(
            Unaudited(path, number, line, "include leaves the repository and is not audited")
        )
        return
    if not resolved.is_file():
        out.unaudited.append(Unaudited(path, number, line, "included file does not exist"))
        return
    _read_requirements(root, relative, out, seen)


def _add_requirement(path: str, number: int, text: str, out: Manifests) -> None:
    short = text[:120]
    if _URL_RE.match(text) or text.startswith((".", "/", "~")) or re.search(r"\s@\s|^\S+@", text):
        out.unaudited.append(Unaudited(path, number, short, "direct URL or path is not audited"))
        return
    try:
        requirement = Requirement(text)
    except InvalidRequirement as exc:
        out.unaudited.append(Unaudited(path, number, short, f"not a valid requirement: {exc}"))
        return
    if requirement.url:
        out.unaudited.append(Unaudited(path, number, short, "direct URL or path is not audited"))
        return
    specs = list(requirement.specifier)
    version = None
    if len(specs) == 1 and specs[0].operator in ("==", "===") and "*" not in specs[0].version:
        version = specs[0].version
    name = normalize(requirement.name)
    out.declared.append(Declared(path, number, name, version, str(requirement)))


class _LineFinder:
    """Finds the line of a quoted string in a TOML file, each occurrence used once."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.used: set[int] = set()

    def find(self, value: str, after: int = 0) -> int:
        for quoted in (json.dumps(value), f"'{value}'"):
            for index in range(after, len(self.lines)):
                if quoted in self.lines[index] and index not in self.used:
                    self.used.add(index)
                    return index + 1
        return max(after, 1)

    def section(self, header: str) -> int:
        pattern = re.compile(r"^\s*\[\s*" + re.escape(header) + r"\s*\]")
        for index, line in enumerate(self.lines):
            if pattern.match(line):
                return index
        return 0


def _read_pyproject(path: str, text: str, out: Manifests) -> None:
    data = loads_toml(text)
    finder = _LineFinder(text)
    project = data.get("project")
    if isinstance(project, dict):
        start = finder.section("project")
        if "dependencies" in (project.get("dynamic") or ()):
            out.unsupported.append(
                Unsupported(
                    path,
                    "dependencies are dynamic (computed by the build backend, "
                    "which the gate never runs)",
                )
            )
        groups: list[Any] = [project.get("dependencies") or []]
        groups += list((project.get("optional-dependencies") or {}).values())
        for group in groups:
            for item in group if isinstance(group, list) else []:
                if isinstance(item, str):
                    _add_requirement(path, finder.find(item, start), item, out)
    dependency_groups = data.get("dependency-groups")
    if isinstance(dependency_groups, dict):
        start = finder.section("dependency-groups")
        for group in dependency_groups.values():
            for item in group if isinstance(group, list) else []:
                if isinstance(item, str):
                    _add_requirement(path, finder.find(item, start), item, out)
    tool = data.get("tool") or {}
    if isinstance(tool, dict) and isinstance(tool.get("poetry"), dict):
        if "dependencies" in tool["poetry"]:
            out.unsupported.append(
                Unsupported(path, "[tool.poetry.dependencies] is not read; audit poetry.lock")
            )


def _package_blocks(text: str, header: str) -> list[int]:
    """0-based line index of the ``name =`` line of each ``[[header]]`` block, in order."""
    lines = text.splitlines()
    starts = [i for i, ln in enumerate(lines) if ln.strip() == f"[[{header}]]"]
    result = []
    for block, start in enumerate(starts):
        end = starts[block + 1] if block + 1 < len(starts) else len(lines)
        name_line = next(
            (i for i in range(start, end) if re.match(r"^\s*name\s*=", lines[i])), start
        )
        result.append(name_line)
    return result


def _read_toml_lock(path: str, text: str, kind: str, out: Manifests) -> None:
    data = loads_toml(text)
    header = "packages" if kind == "pylock" else "package"
    packages = data.get(header) or []
    lines = _package_blocks(text, header)
    for index, package in enumerate(packages if isinstance(packages, list) else []):
        if not isinstance(package, dict):
            continue
        number = lines[index] + 1 if index < len(lines) else 1
        name = str(package.get("name", ""))
        version = package.get("version")
        source = package.get("source") if kind != "pylock" else None
        short = f"{name} {version or ''}".strip()
        if kind == "uv.lock" and isinstance(source, dict):
            if source.get("editable") == "." or source.get("virtual") == ".":
                continue  # the repository's own project, not a dependency
            if "registry" not in source:
                out.unaudited.append(
                    Unaudited(
                        path,
                        number,
                        short,
                        f"not from a package index ({', '.join(sorted(source))}) and not audited",
                    )
                )
                continue
        if kind == "poetry.lock" and isinstance(source, dict):
            if source.get("type") in ("git", "directory", "file", "url"):
                out.unaudited.append(
                    Unaudited(path, number, short, f"{source.get('type')} source is not audited")
                )
                continue
        if kind == "pylock" and any(k in package for k in ("vcs", "directory", "archive")):
            out.unaudited.append(Unaudited(path, number, short, "direct source is not audited"))
            continue
        if not name or not isinstance(version, str):
            out.unaudited.append(Unaudited(path, number, short, "locked package has no version"))
            continue
        out.declared.append(Declared(path, number, normalize(name), version, f"{name}=={version}"))


def _read_pipfile_lock(path: str, text: str, out: Manifests) -> None:
    data = loads_json(text)
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    finder = _LineFinder(text)
    for section in ("default", "develop"):
        entries = data.get(section) or {}
        start = next((i for i, ln in enumerate(finder.lines) if f'"{section}"' in ln), 0)
        for name, entry in entries.items() if isinstance(entries, dict) else []:
            number = finder.find(name, start)
            if not isinstance(entry, dict):
                continue
            if any(k in entry for k in ("git", "path", "file", "editable")):
                out.unaudited.append(Unaudited(path, number, name, "direct source is not audited"))
                continue
            version = str(entry.get("version", ""))
            if not version.startswith("=="):
                out.unaudited.append(Unaudited(path, number, name, "locked package has no version"))
                continue
            out.declared.append(
                Declared(path, number, normalize(name), version[2:], f"{name}{version}")
            )
