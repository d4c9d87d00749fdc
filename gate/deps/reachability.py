"""Does the project's own code reach a distribution? Read offline, never run, never optimistic.

A distribution is ``imported`` when a first-party file (every analysed file outside the tests
path class) imports one of its modules (``import x``, ``from x import y``; not under ``if
TYPE_CHECKING:``), names one in a dotted-path string (Django ``INSTALLED_APPS``,
``importlib.import_module("x")``, entry points), or runs its console script (Dockerfile
``CMD``/``ENTRYPOINT``/``RUN``, Procfile, compose ``command``, workflow ``run:``, shell
scripts); ``imported (via X)`` when such a distribution ``X`` depends on it in a lock file's
graph (uv.lock, poetry.lock); ``not-imported`` only when that graph knows the distribution
and none of this holds; ``unknown`` otherwise, and whenever a Python file could not be read.
Python is parsed with ``ast`` only.
"""

from __future__ import annotations

import ast
import json
import re
import shlex
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

import tomli

from gate.deps.osv import normalize
from gate.guards.bounded import TooComplex, loads_toml
from gate.tree.globs import path_matches
from gate.tree.repo_files import read_text

IMPORTED, NOT_IMPORTED, UNKNOWN = "imported", "not-imported", "unknown"
GRAPH_LOCKS = ("uv.lock", "poetry.lock")
MAX_PYTHON_BYTES = 2 * 1024 * 1024
_URL_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
_MODULE_RE = re.compile(r"^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*(?::[\w.]+)?$")
_ASSIGN_RE = re.compile(r"^[A-Za-z_]\w*=")
_YAML_KEY_RE = re.compile(r"^(\s*)(?:-\s+)?(run|command|entrypoint)\s*:\s*(.*)$")
_PREFIXES = frozenset({"exec", "sudo", "env", "nohup", "time", "nice", "run", "poetry", "uv",
                       "pipenv", "pdm", "hatch", "rye", "tini", "dumb-init", "gosu", "--"})
_SEPARATORS = frozenset({"&&", "||", ";", "|", "&", "(", ")", "!"})


@dataclass(frozen=True)
class Reach:
    """One distribution's answer, with the first place that uses it (``path:line``)."""

    value: str  # imported | not-imported | unknown
    where: str = ""
    via: str = ""  # the imported distribution that depends on it (lock-file graph)

    @property
    def label(self) -> str:
        """``imported``, ``imported (via X)``, ``not-imported`` or ``unknown``."""
        return f"{self.value} (via {self.via})" if self.via else self.value


@dataclass(frozen=True)
class Names:
    """Distribution -> import names and console scripts (``import_names.toml``)."""

    imports: Mapping[str, tuple[str, ...]]
    scripts: Mapping[str, tuple[str, ...]]
    implied: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # use -> dists

    def import_names(self, dist: str) -> tuple[str, ...]:
        """The shipped names, plus the default: the normalised name with ``-`` as ``_``."""
        name = normalize(dist)
        return tuple(dict.fromkeys((*self.imports.get(name, ()), name.replace("-", "_"))))

    def implied_by(self, dist: str) -> tuple[str, ...]:
        """The modules and URL schemes (``url:SCHEME``) whose use loads ``dist``."""
        name = normalize(dist)
        return tuple(use for use, dists in self.implied.items() if name in dists)

    def script_names(self, dist: str) -> tuple[str, ...]:
        """The shipped console scripts, plus one named like the distribution."""
        name = normalize(dist)
        return tuple(dict.fromkeys((*self.scripts.get(name, ()), name)))


@cache
def load_names() -> Names:
    """The shipped mapping (``gate/deps/import_names.toml``)."""
    text = resources.files("gate.deps").joinpath("import_names.toml").read_text("utf-8")
    data = tomli.loads(text)
    return Names({normalize(k): tuple(v) for k, v in data["imports"].items()},
                 {normalize(k): tuple(v) for k, v in data["scripts"].items()},
                 {k: tuple(normalize(d) for d in v) for k, v in data["implied"].items()})


@dataclass
class Uses:
    """What first-party files use: modules and commands, each at its first place."""

    modules: dict[str, str] = field(default_factory=dict)
    commands: dict[str, str] = field(default_factory=dict)
    unreadable: list[str] = field(default_factory=list)  # Python files not parsed

    def module(self, name: str, where: str) -> None:
        self.modules.setdefault(name, where)

    def command(self, text: str, where: str) -> None:
        for word, module in _command_words(text):
            if module:
                self.module(word, where)
            else:
                self.commands.setdefault(word, where)

    def first_place(self, dist: str, names: Names) -> str | None:
        """Where ``dist`` is first used (files in sorted order), or None."""
        places: list[str] = []
        for name in names.import_names(dist):  # `import google` may reach google.cloud.x
            places += [w for m, w in self.modules.items()
                       if m == name or m.startswith(name + ".") or name.startswith(m + ".")]
        for use in names.implied_by(dist):
            places += [w for m, w in self.modules.items()
                       if m == use or m.startswith(use + ".")]
        places += [self.commands[s] for s in names.script_names(dist) if s in self.commands]
        return min(places, key=_place_key) if places else None


def _place_key(where: str) -> tuple[str, int]:
    path, _, line = where.rpartition(":")
    return path, int(line) if line.isdigit() else 0


def is_source(path: str) -> bool:
    """A file reachability reads: Python, Dockerfiles, Procfile, compose files, workflows
    and shell scripts."""
    folder, _, name = path.rpartition("/")
    lower = name.lower()
    return (lower.endswith((".py", ".sh")) or lower == "procfile"
            or lower == "dockerfile" or lower.startswith("dockerfile.")
            or lower.endswith(".dockerfile") or _is_compose(lower)
            or (folder.endswith(".github/workflows") and lower.endswith((".yml", ".yaml"))))


def _is_compose(lower: str) -> bool:
    return (lower.startswith(("docker-compose", "compose"))
            and lower.endswith((".yml", ".yaml")))


def collect(root: Path, files: Iterable[str], tests: Sequence[str] = ()) -> Uses:
    """The uses in ``files`` outside the ``tests`` patterns (gitignore-style)."""
    uses = Uses()
    for path in sorted(files):
        if not is_source(path) or (tests and path_matches(tests, path)):
            continue
        text = read_text(root, path)
        lower = path.rpartition("/")[2].lower()
        if text is None:
            if lower.endswith(".py"):
                uses.unreadable.append(path)
            continue
        if lower.endswith(".py"):
            _python(path, text, uses)
        elif lower.endswith((".yml", ".yaml")):
            _yaml_commands(path, text, uses)
        elif lower == "procfile":
            for number, line in enumerate(text.splitlines(), 1):
                uses.command(line.partition(":")[2], f"{path}:{number}")
        elif lower.endswith(".sh"):
            for number, line in _joined(text):
                uses.command(line, f"{path}:{number}")
        else:
            _dockerfile(path, text, uses)
    return uses


# -- Python ------------------------------------------------------------------------------------


def _python(path: str, text: str, uses: Uses) -> None:
    if len(text) > MAX_PYTHON_BYTES:
        uses.unreadable.append(path)
        return
    try:
        tree = ast.parse(text, filename=path)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        uses.unreadable.append(path)
        return
    try:
        for node, where in _nodes(tree, path):
            _python_node(node, where, uses)
    except RecursionError:
        uses.unreadable.append(path)


def _nodes(tree: ast.AST, path: str) -> Iterator[tuple[ast.AST, str]]:
    """Every node, except the bodies of ``if TYPE_CHECKING:`` (their ``else`` runs)."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(reversed(node.orelse))
            continue
        yield node, f"{path}:{getattr(node, 'lineno', 1)}"
        stack.extend(reversed(list(ast.iter_child_nodes(node))))


def _is_type_checking(test: ast.expr) -> bool:
    return ((isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
            or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"))


def _python_node(node: ast.AST, where: str, uses: Uses) -> None:
    if isinstance(node, ast.Import):
        for alias in node.names:
            uses.module(alias.name, where)
    elif isinstance(node, ast.ImportFrom):
        if node.level == 0 and node.module:
            uses.module(node.module, where)
            for alias in node.names:
                uses.module(f"{node.module}.{alias.name}", where)
    elif isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        for element in node.elts:  # INSTALLED_APPS, MIDDLEWARE, Celery's include=[...]
            _string(element, where, uses, dotted_only=False)
    elif isinstance(node, ast.Call):
        for argument in node.args:  # import_module("x"), __import__("x"), find_spec("x")
            _string(argument, where, uses, dotted_only=False)
    elif isinstance(node, ast.Constant):
        _string(node, where, uses, dotted_only=True)


def _string(node: ast.AST, where: str, uses: Uses, *, dotted_only: bool) -> None:
    """A string naming a module: ``a.b``, ``a.b:attr``; a bare ``a`` only in a list or a
    call (``dotted_only`` False)."""
    if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
        return
    text = node.value.strip()
    url = _URL_RE.match(text)
    if url:  # a database or broker URL names its driver by scheme
        for part in url.group(1).lower().split("+"):
            uses.module(f"url:{part}", f"{where.rpartition(':')[0]}:{getattr(node, 'lineno', 1)}")
        return
    if len(text) > 200 or not _MODULE_RE.match(text):
        return
    module = text.partition(":")[0]
    if dotted_only and "." not in module and ":" not in text:
        return
    uses.module(module, f"{where.rpartition(':')[0]}:{getattr(node, 'lineno', 1)}")


# -- commands ----------------------------------------------------------------------------------


def _joined(text: str) -> Iterator[tuple[int, str]]:
    """Logical lines (backslash continuations joined), with their first line's number."""
    start = 0
    parts: list[str] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not parts:
            start = number
        stripped = line.rstrip()
        if stripped.endswith("\\"):
            parts.append(stripped[:-1])
            continue
        parts.append(line)
        yield start, " ".join(parts)
        parts = []
    if parts:
        yield start, " ".join(parts)


def _dockerfile(path: str, text: str, uses: Uses) -> None:
    for number, line in _joined(text):
        instruction, _, rest = line.strip().partition(" ")
        if instruction.upper() not in ("CMD", "ENTRYPOINT", "RUN"):
            continue
        rest = rest.strip()
        if rest.startswith("["):
            try:
                words = json.loads(rest)
            except ValueError:
                words = None
            if isinstance(words, list):
                rest = shlex.join(str(w) for w in words)
        uses.command(rest, f"{path}:{number}")


def _yaml_commands(path: str, text: str, uses: Uses) -> None:
    """``run:``, ``command:`` and ``entrypoint:`` values, inline, block or list."""
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        found = _YAML_KEY_RE.match(lines[index])
        index += 1
        if not found:
            continue
        indent, value = len(found.group(1)), found.group(3).strip()
        where = f"{path}:{index}"
        if value and value[0] not in "|>":
            if value.startswith("["):
                value = " ".join(v.strip().strip("'\"") for v in value.strip("[]").split(","))
            uses.command(value.strip("'\""), where)
            continue
        block: list[tuple[int, str]] = []
        while index < len(lines) and (not lines[index].strip() or
                                      len(lines[index]) - len(lines[index].lstrip()) > indent):
            block.append((index + 1, lines[index].strip()))
            index += 1
        items = [t[2:].strip().strip("'\"") for _, t in block if t.startswith("- ")]
        if not value and items:
            uses.command(shlex.join(items), where)
            continue
        for number, line in block:
            uses.command(line, f"{path}:{number}")


def _command_words(text: str) -> Iterator[tuple[str, bool]]:
    """The commands a shell line runs (each word in command position, by its base name), and
    the modules it runs with ``python -m`` (``True``); ``sh -c "..."`` is read inside."""
    try:
        lexer = shlex.shlex(text, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        lexer.commenters = "#"
        words = list(lexer)
    except ValueError:
        words = text.split()
    at_start, module_next = True, False
    previous = ""
    for word in words:
        if word in _SEPARATORS or set(word) <= set("&|;()"):
            at_start, module_next = True, False
            continue
        if module_next:
            yield word, True
            module_next = False
            continue
        if word == "-m" and re.match(r"^python[\d.]*$", previous):
            module_next = True
            continue
        if previous == "-c" and " " in word:
            yield from _command_words(word)
        base = word.rpartition("/")[2]
        if at_start and not _ASSIGN_RE.match(word):
            yield base, False
            if base not in _PREFIXES:
                at_start = False
        previous = base


# -- the lock files' graph ---------------------------------------------------------------------


@dataclass(frozen=True)
class Graph:
    """Distribution -> what it depends on, and the project's own entries (never roots)."""

    edges: Mapping[str, frozenset[str]]
    own: frozenset[str]


def lock_graph(root: Path, locks: Iterable[str]) -> Graph | None:
    """The dependency graph of the uv.lock and poetry.lock files among ``locks`` (None when
    none of them could be read)."""
    edges: dict[str, set[str]] = {}
    own: set[str] = set()
    read_any = False
    for path in sorted(locks):
        kind = path.rpartition("/")[2]
        if kind not in GRAPH_LOCKS:
            continue
        text = read_text(root, path)
        if text is None:
            continue
        try:
            data = loads_toml(text)
        except (tomli.TOMLDecodeError, TooComplex, ValueError):
            continue
        packages = data.get("package")
        if not isinstance(packages, list):
            continue
        read_any = True
        for package in packages:
            if not isinstance(package, dict) or not isinstance(package.get("name"), str):
                continue
            name = normalize(package["name"])
            edges.setdefault(name, set()).update(_depends(package, kind))
            source = package.get("source")
            if isinstance(source, dict) and ({"editable", "virtual"} & set(source)
                                             or source.get("type") == "directory"):
                own.add(name)
    if not read_any:
        return None
    return Graph({k: frozenset(v) for k, v in edges.items()}, frozenset(own))


def _depends(package: Mapping[str, object], kind: str) -> set[str]:
    """Every dependency of a lock entry, extras and dev groups included (never narrower)."""
    found: set[str] = set()
    groups: list[object] = [package.get("dependencies")]
    for key in ("optional-dependencies", "dev-dependencies", "extras"):
        value = package.get(key)
        if isinstance(value, dict):
            groups += list(value.values())
    for group in groups:
        if kind == "poetry.lock" and isinstance(group, dict):
            found.update(normalize(str(k)) for k in group)
        elif isinstance(group, list):
            for item in group:
                if isinstance(item, dict) and isinstance(item.get("name"), str):
                    found.add(normalize(item["name"]))
                elif isinstance(item, str):  # poetry extras: "name (>=1)"
                    found.add(normalize(re.split(r"[\s(\[;<>=!~]", item, maxsplit=1)[0]))
    return found


# -- the answer --------------------------------------------------------------------------------


class Reachability:
    """Each distribution's ``Reach`` from the uses and the graph (computed once)."""

    def __init__(self, uses: Uses, graph: Graph | None, names: Names | None = None,
                 complete: bool = True) -> None:
        self.uses = uses
        self.graph = graph
        self.complete = complete  # every file of the tree was seen
        self.names = names or load_names()
        self._via: dict[str, Reach] | None = None

    def of(self, dist: str) -> Reach:
        """The answer for distribution ``dist``."""
        name = normalize(dist)
        where = self.uses.first_place(name, self.names)
        if where is not None:
            return Reach(IMPORTED, where)
        through = self._through().get(name)
        if through is not None:
            return through
        if (self.graph is None or name not in self.graph.edges or self.uses.unreadable
                or not self.complete):
            return Reach(UNKNOWN)
        return Reach(NOT_IMPORTED)

    def _through(self) -> dict[str, Reach]:
        """Every graph entry some used distribution depends on (breadth first: the nearest
        used distribution names it)."""
        if self._via is not None:
            return self._via
        self._via = {}
        if self.graph is None:
            return self._via
        roots: list[tuple[str, str, str]] = []
        for name in self.graph.edges:
            if name in self.graph.own:
                continue
            where = self.uses.first_place(name, self.names)
            if where is not None:
                roots.append((_place_key(where)[0], name, where))
        queue = [(name, name, where) for _, name, where in sorted(roots)]
        seen = {name for _, name, _ in queue}
        while queue:
            following: list[tuple[str, str, str]] = []
            for node, root, where in queue:
                for child in sorted(self.graph.edges.get(node, ())):
                    if child not in seen:
                        seen.add(child)
                        self._via[child] = Reach(IMPORTED, where, via=root)
                        following.append((child, root, where))
            queue = following
        return self._via


def analyse(root: Path, files: Iterable[str], locks: Iterable[str],
            tests: Sequence[str] = (), *, complete: bool = True) -> Reachability:
    """Reachability for a scan: the uses in ``files`` (outside ``tests``) and the graph of
    the lock files among ``locks``; ``complete`` False when ``files`` are part of the tree
    (a partial scan: then nothing is ``not-imported``)."""
    return Reachability(collect(root, files, tests), lock_graph(root, locks),
                        complete=complete)
