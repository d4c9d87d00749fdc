"""Read Python dependency manifests without running anything from the repository.

Every declared dependency becomes either a ``Declared`` entry (a named requirement, pinned or
not) or an ``Unaudited`` entry (a line the gate cannot audit, with the reason). Manifest kinds
the gate does not read become ``Unsupported`` entries: nothing is skipped in silence.

Each entry carries its ``ManifestClass``: ``production``, or ``dev``, ``test`` or ``docs`` when
only development installs it (a requirements file named so or in a ``docs/``/``tests/``
folder, an optional-dependency or dependency group named so, Pipfile's ``dev-packages``).
A requirements file that a production requirements file includes with ``-r``/``-c`` is
production.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any

import tomli
from packaging.requirements import InvalidRequirement, Requirement

from gate.deps.osv import normalize
from gate.guards.bounded import loads_json, loads_toml
from gate.tree.repo_files import read_text

LOCK_NAMES = ("uv.lock", "poetry.lock", "Pipfile.lock")
LOCK_KINDS = frozenset({"pylock", *LOCK_NAMES})  # kinds that pin a whole tree
METADATA_KINDS = frozenset({"pyproject", "Pipfile", "setup.cfg", "setup.py"})
UNSUPPORTED = {
    "pdm.lock": "pdm.lock is not read; export it to requirements.txt or pylock.toml",
}
MAX_SETUP_PY_BYTES = 1024 * 1024
_URL_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")
_INDEX_OPTIONS = ("-i", "--index-url", "--extra-index-url", "-f", "--find-links")
_INCLUDE_OPTIONS = ("-r", "--requirement", "-c", "--constraint")
_EDITABLE_OPTIONS = ("-e", "--editable")
_HASH_RE = re.compile(r"\s--hash[=\s]\S+")

PRODUCTION, DEV, TEST, DOCS = "production", "dev", "test", "docs"
# Words of a file or group name (split at -, _ and .) that say only development installs it.
_ROLE_WORDS = {
    **dict.fromkeys(("test", "tests", "testing"), TEST),
    **dict.fromkeys(("doc", "docs", "documentation"), DOCS),
    **dict.fromkeys(("dev", "devel", "develop", "development", "lint", "linting", "linters",
                     "typing", "mypy", "ci", "tox"), DEV),
}
# Folders whose requirements files only development installs (``docs/requirements.txt``).
_ROLE_FOLDERS = {"docs": DOCS, "doc": DOCS, "tests": TEST, "test": TEST, "testing": TEST}
_WORD_SPLIT = re.compile(r"[-_.\s]+")


@dataclass(frozen=True)
class ManifestClass:
    """Who installs a manifest entry: ``production``, or only ``dev``, ``test`` or ``docs``;
    ``why`` says how that was told (empty for a production manifest by default)."""

    name: str = PRODUCTION
    why: str = ""

    @property
    def development(self) -> bool:
        """True for ``dev``, ``test`` and ``docs``."""
        return self.name != PRODUCTION


PRODUCTION_CLASS = ManifestClass()


def role_of_name(name: str) -> str:
    """``dev``, ``test`` or ``docs`` when a word of ``name`` says so, else ``production``."""
    for word in _WORD_SPLIT.split(name.lower()):
        if word in _ROLE_WORDS:
            return _ROLE_WORDS[word]
    return PRODUCTION


def requirements_class(path: str) -> ManifestClass:
    """A requirements file's class by its name (``requirements-dev.txt``,
    ``requirements/test.txt``, ``docs-requirements.in``) or its folders (``docs/``,
    ``tests/``); includes are not considered here."""
    folders, _, base = path.rpartition("/")
    role = role_of_name(base.rsplit(".", 1)[0])
    if role != PRODUCTION:
        return ManifestClass(role, f"{path}, by its name")
    for folder in reversed(folders.lower().split("/") if folders else []):
        if folder in _ROLE_FOLDERS:
            return ManifestClass(_ROLE_FOLDERS[folder], f"{path}, in a {folder}/ folder")
    return PRODUCTION_CLASS


def group_class(kind: str, group: str) -> ManifestClass:
    """The class of a named group of dependencies (``optional-dependencies`` ``dev``)."""
    role = role_of_name(group)
    return ManifestClass(role, f"{kind} {group!r}") if role != PRODUCTION else PRODUCTION_CLASS


@dataclass(frozen=True)
class Declared:
    """A named requirement at a manifest line; ``version`` set when pinned with ``==``."""

    path: str
    line: int
    name: str
    version: str | None
    spec: str
    library: bool = False  # library metadata or a compile input: ranges are by design
    manifest_class: ManifestClass = PRODUCTION_CLASS


@dataclass(frozen=True)
class Unaudited:
    """A manifest line the gate cannot audit, and why."""

    path: str
    line: int
    text: str
    reason: str
    manifest_class: ManifestClass = PRODUCTION_CLASS


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
    notes: list[str] = field(default_factory=list)  # what was seen and is no finding
    # requirements file -> the requirements files that include it directly (-r/-c)
    included_by: dict[str, list[str]] = field(default_factory=dict)


def is_requirements_file(path: str) -> bool:
    """``*requirements*.txt`` and ``*constraints*.txt`` anywhere, ``*.txt`` inside a
    ``requirements/`` folder, and pip-tools inputs (``requirements*.in``, ``*.in`` there)."""
    folders, _, base = path.rpartition("/")  # strings, not PurePosixPath: runs for every file
    name = base.lower()
    if not name.endswith((".txt", ".in")):
        return False
    if fnmatch.fnmatch(name, "*requirements*.txt") or fnmatch.fnmatch(name, "*constraints*.txt"):
        return True
    if fnmatch.fnmatch(name, "*requirements*.in"):
        return True
    return os.path.splitext(base)[1] in (".txt", ".in") and "requirements" in folders.split("/")


def kind_of(path: str) -> str | None:
    """The manifest kind of ``path`` (``unsupported`` for known kinds the gate does not read)."""
    name = path.rpartition("/")[2]
    if is_requirements_file(path):
        return "requirements"
    if name == "pyproject.toml":
        return "pyproject"
    if fnmatch.fnmatch(name, "pylock*.toml"):
        return "pylock"
    if name in LOCK_NAMES:
        return name
    if name in ("setup.cfg", "setup.py", "Pipfile"):
        return name
    if name in UNSUPPORTED:
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
            out.unsupported.append(Unsupported(path, UNSUPPORTED[PurePosixPath(path).name]))
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
            elif kind == "setup.cfg":
                _read_setup_cfg(path, text, out)
            elif kind == "setup.py":
                _read_setup_py(path, text, out)
            elif kind == "Pipfile":
                _read_pipfile(path, text, out)
            elif kind == "Pipfile.lock":
                _read_pipfile_lock(path, text, out)
            else:
                _read_toml_lock(path, text, kind, out)
        except (tomli.TOMLDecodeError, ValueError) as exc:
            out.unaudited.append(Unaudited(path, 1, "", f"manifest cannot be parsed: {exc}"))
    _classify_requirements(out)
    return out


def _classify_requirements(out: Manifests) -> None:
    """Each requirements file's entries get its class by name, unless a production
    requirements file includes it (directly or through other includes): then production."""
    classes = {path: requirements_class(path) for path in out.read if is_requirements_file(path)}
    includes: dict[str, list[str]] = {}
    for included, including in out.included_by.items():
        for path in including:
            includes.setdefault(path, []).append(included)
    _production_reach(classes, includes, sorted(p for p, k in classes.items()
                                                if not k.development),
                      lambda path, top: f"included by {top}")
    out.declared = [replace(d, manifest_class=classes[d.path]) if d.path in classes else d
                    for d in out.declared]
    out.unaudited = [replace(u, manifest_class=classes[u.path]) if u.path in classes else u
                     for u in out.unaudited]


def locked_ranges(manifests: Manifests) -> dict[Declared, str]:
    """Each unpinned entry of project metadata (``pyproject.toml``, ``Pipfile``,
    ``setup.cfg``, ``setup.py``) whose package a lock file in the same folder pins -> that
    lock: the version installed is the lock's, and it is audited there."""
    pinned: dict[tuple[str, str], str] = {}  # (folder, package) -> the lock
    for declared in manifests.declared:
        if declared.version is not None and kind_of(declared.path) in LOCK_KINDS:
            pinned.setdefault((declared.path.rpartition("/")[0], declared.name), declared.path)
    out: dict[Declared, str] = {}
    for declared in manifests.declared:
        folder = declared.path.rpartition("/")[0]
        if declared.version is None and kind_of(declared.path) in METADATA_KINDS and \
                (folder, declared.name) in pinned:
            out[declared] = pinned[(folder, declared.name)]
    return out


def includes(root: Path, files: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """Each requirements file among ``files`` -> every file it includes with ``-r``/``-c``,
    directly or through another include (repository-relative; URLs, files outside the
    repository and missing files left out). The included files count for the including
    manifest: a change to one changes it, and it is judged in its class."""
    direct: dict[str, list[str]] = {}
    pending = [f for f in files if is_requirements_file(f)]
    while pending:
        path = pending.pop()
        if path in direct:
            continue
        direct[path] = []
        for _, line in _logical_lines(_read(root, path) or ""):
            target = _option(line, _INCLUDE_OPTIONS) if line else None
            relative = _included(root, path, target) if target else None
            if relative is not None:
                direct[path].append(relative)
                pending.append(relative)
    out: dict[str, tuple[str, ...]] = {}
    for path in files:
        if path not in direct:
            continue
        seen: dict[str, None] = {}
        stack = list(direct[path])
        while stack:
            item = stack.pop()
            if item not in seen and item != path:
                seen[item] = None
                stack += direct.get(item, [])
        out[path] = tuple(seen)
    return out


def _included(root: Path, path: str, target: str) -> str | None:
    """The repository-relative file ``-r target`` in ``path`` names, or None."""
    if _URL_RE.match(target):
        return None
    resolved = ((root / path).parent / target).resolve()
    try:
        relative = resolved.relative_to(root.resolve()).as_posix()
    except ValueError:
        return None
    return relative if resolved.is_file() else None


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
        editable = _option(line, _EDITABLE_OPTIONS)
        if editable is not None:
            if _own_project(root, path, editable):
                out.notes.append(f"{path}:{number}: '{short}' is the project itself "
                                 "(a folder of the repository), not a dependency")
            else:
                out.unaudited.append(Unaudited(path, number, short,
                                               "editable install is not audited"))
            continue
        if _own_project(root, path, line):
            out.notes.append(f"{path}:{number}: '{short}' is the project itself "
                             "(a folder of the repository), not a dependency")
            continue
        if line.startswith("-"):
            continue  # global options such as --pre, --only-binary, --require-hashes
        requirement = _HASH_RE.sub("", " " + line).strip()
        requirement = re.sub(r"\s--\S+.*$", "", requirement).strip()
        _add_requirement(path, number, requirement, out, library=path.endswith(".in"))


def _own_project(root: Path, path: str, target: str) -> bool:
    """True when ``target`` (``.``, ``./pkg[extra]``, ``file:./pkg``) is a folder inside the
    repository: its code is scanned and its own manifest audited, so it is the project
    itself, no outside dependency (like the project's own entry in ``uv.lock``)."""
    folder = re.sub(r"\[[^\]]*\]$", "", target.strip())
    if folder.startswith("file:") and not folder.startswith("file://"):
        folder = folder[len("file:"):]
    if not folder or _URL_RE.match(folder) or not folder.startswith((".", "/")):
        return False
    resolved = ((root / path).parent / folder).resolve()
    try:
        resolved.relative_to(root.resolve())
    except ValueError:
        return False
    return resolved.is_dir()


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
    out.included_by.setdefault(relative, []).append(path)
    _read_requirements(root, relative, out, seen)


def _add_requirement(path: str, number: int, text: str, out: Manifests,
                     library: bool = False, klass: ManifestClass = PRODUCTION_CLASS) -> None:
    short = text[:120]
    if _URL_RE.match(text) or text.startswith((".", "/", "~")) or re.search(r"\s@\s|^\S+@", text):
        out.unaudited.append(Unaudited(path, number, short, "direct URL or path is not audited",
                                       klass))
        return
    try:
        requirement = Requirement(text)
    except InvalidRequirement as exc:
        out.unaudited.append(Unaudited(path, number, short, f"not a valid requirement: {exc}",
                                       klass))
        return
    if requirement.url:
        out.unaudited.append(Unaudited(path, number, short, "direct URL or path is not audited",
                                       klass))
        return
    specs = list(requirement.specifier)
    version = None
    if len(specs) == 1 and specs[0].operator in ("==", "===") and "*" not in specs[0].version:
        version = specs[0].version
    name = normalize(requirement.name)
    out.declared.append(Declared(path, number, name, version, str(requirement), library, klass))


class _LineFinder:
    """Finds the line of a quoted string in a TOML file, each occurrence used once (several
    on one line, as in a one-line ``dependencies = [...]``, each keep that line), searched
    from the line of the key that holds the list (``keywords = ["flask"]`` before
    ``dependencies = ["flask"]`` is not the dependency)."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.used: set[tuple[int, int]] = set()  # (line index, column) of each occurrence

    def find(self, value: str, after: int = 0) -> int:
        quotings = (json.dumps(value), f"'{value}'")  # a basic or a literal string
        for index in range(after, len(self.lines)):
            for quoted in quotings:
                column = self.lines[index].find(quoted)
                while column >= 0:
                    if (index, column) not in self.used:
                        self.used.add((index, column))
                        return index + 1
                    column = self.lines[index].find(quoted, column + 1)
        return after + 1  # not found: the line of the key or the table's header

    def table(self, header: str) -> int | None:
        """0-based index of the ``[header]`` line, or None."""
        pattern = re.compile(r"^\s*\[\s*" + re.escape(header) + r"\s*\]")
        return next((i for i, line in enumerate(self.lines) if pattern.match(line)), None)

    def key(self, header: str, name: str) -> int | None:
        """0-based index of the line ``name = ...`` in the table ``[header]``, or None."""
        start = self.table(header)
        if start is None:
            return None
        quoted = re.escape(name)
        pattern = re.compile(rf"""^\s*(?:{quoted}|"{quoted}"|'{quoted}')\s*=""")
        for index in range(start + 1, len(self.lines)):
            if _TABLE_HEADER.match(self.lines[index]):
                return None
            if pattern.match(self.lines[index]):
                return index
        return None

    def start(self, header: str, name: str, *within: tuple[str, str]) -> int:
        """Where to search the list ``name`` of ``[header]``: its key's line, else that of
        the first key of ``within`` (an inline table such as ``optional-dependencies = {...}``
        in ``[project]``), else the first header found, else the top."""
        for table, key in ((header, name), *within):
            found = self.key(table, key)
            if found is not None:
                return found
        for table in (header, *(t for t, _ in within)):
            found = self.table(table)
            if found is not None:
                return found
        return 0


_TABLE_HEADER = re.compile(r"^\s*\[\[?\s*[\w\"'.-][^\]]*\]\]?\s*(?:#.*)?$")


def _read_pyproject(path: str, text: str, out: Manifests) -> None:
    data = loads_toml(text)
    finder = _LineFinder(text)
    project = data.get("project")
    if isinstance(project, dict):
        if "dependencies" in (project.get("dynamic") or ()):
            out.unsupported.append(
                Unsupported(
                    path,
                    "dependencies are dynamic (computed by the build backend, "
                    "which the gate never runs)",
                )
            )
        _add_group(path, project.get("dependencies"), PRODUCTION_CLASS, finder,
                   finder.start("project", "dependencies"), out, True)
        extras = project.get("optional-dependencies")
        for name, group in extras.items() if isinstance(extras, dict) else []:
            _add_group(path, group, group_class("optional-dependencies group", str(name)),
                       finder, finder.start("project.optional-dependencies", str(name),
                                            ("project", "optional-dependencies")), out, True)
    dependency_groups = data.get("dependency-groups")
    if isinstance(dependency_groups, dict):
        classes = _dependency_group_classes(dependency_groups)
        for name, group in dependency_groups.items():
            _add_group(path, group, classes[name], finder,
                       finder.start("dependency-groups", name), out, False)
    tool = data.get("tool") or {}
    flit = tool.get("flit", {}).get("metadata") if isinstance(tool, dict) else None
    if isinstance(flit, dict):
        _add_group(path, flit.get("requires"), PRODUCTION_CLASS, finder,
                   finder.start("tool.flit.metadata", "requires"), out, True)
        extras = flit.get("requires-extra")
        for name, group in extras.items() if isinstance(extras, dict) else []:
            _add_group(path, group, group_class("flit requires-extra", str(name)), finder,
                       finder.start("tool.flit.metadata.requires-extra", str(name),
                                    ("tool.flit.metadata", "requires-extra")), out, True)
    if isinstance(tool, dict) and isinstance(tool.get("poetry"), dict):
        if "dependencies" in tool["poetry"]:
            out.unsupported.append(
                Unsupported(path, "[tool.poetry.dependencies] is not read; audit poetry.lock")
            )


def _add_group(path: str, group: object, klass: ManifestClass, finder: _LineFinder,
               start: int, out: Manifests, library: bool) -> None:
    """The requirement strings of one TOML list, each at its own line (searched from
    ``start``, a 0-based line index)."""
    for item in group if isinstance(group, list) else []:
        if isinstance(item, str):
            _add_requirement(path, finder.find(item, start), item, out, library, klass)


def _dependency_group_classes(groups: dict[str, Any]) -> dict[str, ManifestClass]:
    """Each PEP 735 group's class by its name; a production group's ``include-group``s
    (directly or further down) are production too."""
    classes = {name: group_class("dependency group", name) for name in groups}
    includes = {name: [item["include-group"] for item in group if isinstance(item, dict)
                       and isinstance(item.get("include-group"), str)]
                for name, group in groups.items() if isinstance(group, list)}
    _production_reach(classes, includes, [n for n, k in classes.items() if not k.development],
                      lambda name, top: f"dependency group {name!r} included by {top!r}")
    return classes


def _production_reach(classes: dict[str, ManifestClass], includes: dict[str, list[str]],
                      tops: Sequence[str], why: Callable[[str, str], str]) -> None:
    """Make production every development entry of ``classes`` that one of the production
    ``tops`` includes, directly or through other includes (``why(entry, top)`` says so)."""
    for top in tops:
        stack = list(includes.get(top, ()))
        while stack:
            name = stack.pop()
            if name in classes and classes[name].development:
                classes[name] = ManifestClass(PRODUCTION, why(name, top))
                stack += includes.get(name, ())


def _package_blocks(text: str, header: str) -> list[int]:
    """0-based line index of the ``name =`` line of each ``[[header]]`` block, in order."""
    lines = text.splitlines()
    pattern = re.compile(r"^\s*\[\[\s*" + re.escape(header) + r"\s*\]\]\s*(?:#.*)?$")
    starts = [i for i, ln in enumerate(lines) if pattern.match(ln)]
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
    uv_classes = _uv_classes(packages) if kind == "uv.lock" and isinstance(packages, list) \
        else {}
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
        klass = (_poetry_class(package) if kind == "poetry.lock"
                 else uv_classes.get(normalize(name), PRODUCTION_CLASS))
        if not name or not isinstance(version, str):
            out.unaudited.append(Unaudited(path, number, short, "locked package has no version",
                                           klass))
            continue
        out.declared.append(Declared(path, number, normalize(name), version,
                                     f"{name}=={version}", manifest_class=klass))


def _uv_classes(packages: list[Any]) -> dict[str, ManifestClass]:
    """uv.lock: the packages that only the project's development groups need (its
    ``dev-dependencies`` groups and extras named for development), directly or further down,
    each in the class of the first such group; whatever a production dependency needs is
    production (every extra of a dependency counts)."""
    edges: dict[str, set[str]] = {}
    production: list[str] = []
    development: list[tuple[str, ManifestClass]] = []
    for package in packages:
        if not isinstance(package, dict) or not isinstance(package.get("name"), str):
            continue
        source = package.get("source")
        own = isinstance(source, dict) and bool({"editable", "virtual"} & set(source))
        groups = [(PRODUCTION_CLASS, package.get("dependencies"))]
        for key, kind in (("optional-dependencies", "optional-dependencies group"),
                          ("dev-dependencies", "dependency group")):
            table = package.get(key)
            for group, items in table.items() if isinstance(table, dict) else []:
                groups.append((group_class(f"uv.lock, only for the project's {kind}",
                                           str(group)), items))
        for klass, items in groups:
            names = [normalize(i["name"]) for i in items if isinstance(i, dict)
                     and isinstance(i.get("name"), str)] if isinstance(items, list) else []
            if not own:
                edges.setdefault(normalize(package["name"]), set()).update(names)
            elif klass.development:
                development += [(n, klass) for n in names]
            else:
                production += names
    out: dict[str, ManifestClass] = {}
    for start, klass in [(n, PRODUCTION_CLASS) for n in production] + development:
        stack = [start]
        while stack:
            name = stack.pop()
            if name not in out:
                out[name] = klass
                stack += edges.get(name, ())
    return out


def _poetry_class(package: dict[str, Any]) -> ManifestClass:
    """A poetry.lock entry's class: ``category = "dev"`` (Poetry 1), or ``groups`` that all
    name development (Poetry 2: ``["dev", "test"]``; ``"main"`` or any other group is
    production)."""
    if package.get("category") == "dev":
        return ManifestClass(DEV, 'poetry.lock category "dev"')
    groups = package.get("groups")
    if isinstance(groups, list) and groups and all(isinstance(g, str) for g in groups):
        roles = [role_of_name(g) for g in groups]
        if PRODUCTION not in roles:
            listed = ", ".join(repr(g) for g in groups)
            return ManifestClass(roles[0], f"poetry.lock group(s) {listed}")
    return PRODUCTION_CLASS


def _read_pipfile_lock(path: str, text: str, out: Manifests) -> None:
    data = loads_json(text)
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    finder = _LineFinder(text)
    for section in ("default", "develop"):
        entries = data.get(section) or {}
        start = _json_key(finder, section, 0)
        klass = ManifestClass(DEV, 'Pipfile.lock "develop"') if section == "develop" \
            else PRODUCTION_CLASS
        for name, entry in entries.items() if isinstance(entries, dict) else []:
            number = _json_key(finder, name, start) + 1
            if not isinstance(entry, dict):
                continue
            if any(k in entry for k in ("git", "path", "file", "editable")):
                out.unaudited.append(Unaudited(path, number, name, "direct source is not audited",
                                               klass))
                continue
            version = str(entry.get("version", ""))
            if not version.startswith("=="):
                out.unaudited.append(Unaudited(path, number, name,
                                               "locked package has no version", klass))
                continue
            out.declared.append(Declared(path, number, normalize(name), version[2:],
                                         f"{name}{version}", manifest_class=klass))


def _json_key(finder: _LineFinder, key: str, after: int) -> int:
    """0-based index of the first line from ``after`` that opens the object member
    ``"key":`` (a package's entry, not the same string as a value elsewhere); else the line
    of the string anywhere after it (a minified file)."""
    pattern = re.compile(r"^\s*" + re.escape(json.dumps(key)) + r"\s*:")
    for index in range(after, len(finder.lines)):
        if pattern.match(finder.lines[index]):
            return index
    return finder.find(key, after) - 1


def _read_setup_cfg(path: str, text: str, out: Manifests) -> None:
    """``[options] install_requires`` and ``[options.extras_require]`` of a setup.cfg."""
    import configparser

    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text)
    except configparser.Error as exc:
        out.unsupported.append(Unsupported(path, f"setup.cfg cannot be parsed: {exc.message}"))
        return
    lines = text.splitlines()
    values: list[tuple[str, ManifestClass]] = []
    if parser.has_option("options", "install_requires"):
        values.append((parser.get("options", "install_requires"), PRODUCTION_CLASS))
    if parser.has_section("options.extras_require"):
        values += [(v, group_class("extras_require", k))
                   for k, v in parser.items("options.extras_require")]
    used: set[int] = set()
    for value, klass in values:
        for item in value.splitlines():
            item = re.sub(r"(^|\s)[#;].*$", "", item).strip()
            if item:
                _add_requirement(path, _line_of(lines, item, used), item, out, True, klass)


def _line_of(lines: Sequence[str], item: str, used: set[int]) -> int:
    """The 1-based line holding ``item`` (each line used once), else 1."""
    for index, line in enumerate(lines):
        if index not in used and item in line:
            used.add(index)
            return index + 1
    return 1


def _read_setup_py(path: str, text: str, out: Manifests) -> None:
    """``install_requires`` and ``extras_require`` of ``setup(...)``, read from the AST only
    (never imported or run): literal lists, or a module-level ``NAME = [literals]``."""
    import ast

    if len(text) > MAX_SETUP_PY_BYTES:
        out.unsupported.append(Unsupported(path, "setup.py is larger than 1 MB; not read"))
        return
    try:
        tree = ast.parse(text, filename=path)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        out.unsupported.append(Unsupported(path, f"setup.py cannot be parsed "
                                                 f"({type(exc).__name__}); not read"))
        return
    names: dict[str, ast.expr] = {}
    for statement in tree.body:
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1 and \
                isinstance(statement.targets[0], ast.Name):
            names[statement.targets[0].id] = statement.value
    found = False
    for call in ast.walk(tree):
        if not (isinstance(call, ast.Call) and _call_name(call.func) == "setup"):
            continue
        for keyword in call.keywords:
            if keyword.arg is None:  # setup(**options): its dependencies cannot be told
                found = True
                out.unsupported.append(Unsupported(
                    path, f"setup.py passes **{ast.unparse(keyword.value)[:40]} to setup() "
                          f"(line {keyword.value.lineno}); not read"))
                continue
            if keyword.arg not in ("install_requires", "extras_require"):
                continue
            found = True
            value = keyword.value
            if isinstance(value, ast.Name):
                value = names.get(value.id, value)
            lists = list(value.values) if isinstance(value, ast.Dict) else [value]
            keys = ([k.value if isinstance(k, ast.Constant) else None for k in value.keys]
                    if isinstance(value, ast.Dict) else [None])
            for key, item in zip(keys, lists, strict=True):
                klass = (group_class("extras_require", key) if isinstance(key, str)
                         else PRODUCTION_CLASS)
                item = names.get(item.id, item) if isinstance(item, ast.Name) else item
                if not isinstance(item, (ast.List, ast.Tuple)) or not all(
                        isinstance(e, ast.Constant) and isinstance(e.value, str)
                        for e in item.elts):
                    out.unsupported.append(Unsupported(
                        path, f"setup.py {keyword.arg} is not a list of literal strings "
                              f"(line {keyword.value.lineno}); not read"))
                    continue
                for element in item.elts:
                    assert isinstance(element, ast.Constant)
                    _add_requirement(path, element.lineno, str(element.value), out, True,
                                     klass)
    if not found:  # no dependencies declared, or a script that is no setuptools setup
        out.notes.append(f"{path}: declares no dependencies in a setup() call; "
                         "not a manifest")


def _call_name(func: object) -> str:
    import ast

    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _read_pipfile(path: str, text: str, out: Manifests) -> None:
    """``[packages]`` and ``[dev-packages]`` of a Pipfile (its lock is audited on its own)."""
    data = loads_toml(text)
    lines = text.splitlines()
    used: set[int] = set()
    for section in ("packages", "dev-packages"):
        table = data.get(section)
        if not isinstance(table, dict):
            continue
        klass = ManifestClass(DEV, "Pipfile [dev-packages]") if section == "dev-packages" \
            else PRODUCTION_CLASS
        for name, value in table.items():
            version = value.get("version", "*") if isinstance(value, dict) else value
            if isinstance(value, dict) and any(k in value for k in ("git", "path", "file")):
                out.unaudited.append(Unaudited(path, _line_of(lines, name, used), str(name),
                                               "VCS, path or file dependency is not audited",
                                               klass))
                continue
            spec = str(name) if version in ("*", "") else f"{name}{version}"
            _add_requirement(path, _line_of(lines, str(name), used), spec, out, True, klass)
