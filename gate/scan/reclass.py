"""Path classes relax only real test, docs and example code.

A file in a relaxed class (``tests/``, ``test_*.py``, ``docs/``...) that code in no relaxed
class imports is production code: it is judged as code. A requirements file included with
``-r``/``-c`` is judged in the class of the file that includes it: one that a manifest in no
relaxed class (and not development-only by its name, such as ``requirements-dev.txt``)
includes is judged as code (a vulnerable pin in ``requirements/test.txt`` that
``requirements.txt`` includes is a production pin).

The import scan is cheap and errs on the strict side: every first-party ``.py`` file is
known by each dotted suffix of its path (``src/app/util.py`` is ``app.util`` and ``util``),
and an import names every module it could mean.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePosixPath

from gate.deps.manifests import includes, requirements_class
from gate.policy.model import Policy
from gate.tree import repo_files

MAX_SOURCE_BYTES = 2_000_000  # larger files are read by the line pattern only
_IMPORT_LINE = re.compile(
    r"^\s*(?:from\s+(\.*[\w.]*)\s+import\s+([\w., ()*]+)|import\s+([\w., ]+))", re.MULTILINE)

def judged_as_code(root: Path, files: Sequence[str], policy: Policy) -> dict[str, str]:
    """The files of a relaxed class that are judged as code, each with the reason."""
    def relaxed(path: str) -> str | None:
        klass = policy.path_class(path)
        return klass.name if klass is not None and klass.adjusts else None

    out: dict[str, str] = {}
    if not any(klass.adjusts and klass.patterns for klass in policy.paths):
        return out
    modules = _module_index(f for f in files if f.endswith(".py") and relaxed(f))
    if modules:
        for path in files:
            if not path.endswith(".py") or relaxed(path):
                continue
            for name in _imports(root, path):
                for target in modules.get(name, ()):
                    out.setdefault(target, f"imported by {path}, which is code")
    for including, included in includes(root, files).items():
        if relaxed(including) or requirements_class(including).development:
            continue  # a test requirements file including the production one relaxes nothing
        for path in included:
            if relaxed(path):
                out.setdefault(path, f"included by {including}, a manifest in no "
                                     "relaxed class")
    return out


def _module_index(paths: Iterable[str]) -> dict[str, list[str]]:
    """Every dotted name a first-party file may be imported as -> the files."""
    index: dict[str, list[str]] = {}
    for path in paths:
        parts = list(PurePosixPath(path).with_suffix("").parts)
        if parts and parts[-1] == "__init__":
            parts.pop()
        for start in range(len(parts)):
            index.setdefault(".".join(parts[start:]), []).append(path)
    return index


def _imports(root: Path, path: str) -> set[str]:
    """Every module name an import in ``path`` may mean (relative imports resolved against
    its folder; ``from a import b`` may mean ``a`` or ``a.b``)."""
    text = repo_files.read_source(root, path) or ""
    package = list(PurePosixPath(path).parent.parts)
    pairs: list[tuple[int, str, list[str]]] = []
    try:
        if len(text) > MAX_SOURCE_BYTES:
            raise SyntaxError("large")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Import):
                pairs += [(0, alias.name, []) for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                pairs.append((node.level, node.module or "", [a.name for a in node.names]))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        for match in _IMPORT_LINE.finditer(text):
            if match[3]:
                pairs += [(0, n.split()[0], []) for n in match[3].split(",") if n.strip()]
            else:
                dots = len(match[1]) - len(match[1].lstrip("."))
                pairs.append((dots, match[1].lstrip("."),
                              [n.strip("() ") for n in match[2].split(",") if n.strip("() ")]))
    out: set[str] = set()
    for level, module, names in pairs:
        base = module
        if level:
            up = package[:len(package) - (level - 1)] if level - 1 <= len(package) else []
            base = ".".join([*up, *([module] if module else [])])
        if base:
            out.add(base)
        out.update(f"{base}.{n}" if base else n for n in names if n != "*")
    return out
