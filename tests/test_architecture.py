"""The structure of gate/: no import cycle between modules, and every import points down the
layering that docs/architecture.md draws (a room may import only the rooms above it).

Every import counts: those under ``if TYPE_CHECKING:`` and those inside functions too (a lazy
import hides a cycle, it does not remove it). A room is a top-level module (``gate/app.py``)
or a package (``gate/tree/``); the layering is read from the document, so the picture and the
code cannot drift apart."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

from tests.helpers import REPO_ROOT

GATE = REPO_ROOT / "gate"
ARCHITECTURE = REPO_ROOT / "docs" / "architecture.md"
TOP_LEVEL_LIMIT = 12  # modules at the top of gate/ besides __init__.py and __main__.py


def modules() -> dict[str, Path]:
    """Every module of gate/ by dotted name (a package by its own name)."""
    found = {}
    for path in GATE.rglob("*.py"):
        parts = path.relative_to(REPO_ROOT).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _imported_names(name: str, path: Path) -> Iterator[str]:
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            yield from (f"{base}.{alias.name}" for alias in node.names)


def import_graph() -> dict[str, set[str]]:
    """Module -> the gate modules it imports (``from gate.x import name`` names gate.x)."""
    known = modules()

    def resolve(target: str) -> str:
        while target and target not in known:
            target = target.rpartition(".")[0]
        return target

    graph: dict[str, set[str]] = {name: set() for name in known}
    for name, path in known.items():
        for target in _imported_names(name, path):
            if target == "gate" or target.startswith("gate."):
                resolved = resolve(target)
                if resolved and resolved not in (name, "gate"):
                    graph[name].add(resolved)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (iterative Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def room(module: str) -> str:
    """``gate.tree.git`` -> ``tree``; ``gate.app`` -> ``app``; ``gate`` -> ``gate``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "gate"


def layering() -> list[str]:
    """The rooms from the document's layering block, lowest first."""
    text = ARCHITECTURE.read_text(encoding="utf-8")
    block = re.search(r"```text layering\n(.*?)```", text, re.S)
    assert block, "docs/architecture.md has no ```text layering block"
    rooms = []
    for line in block.group(1).splitlines():
        word = line.split("#", 1)[0].strip().rstrip("/").removesuffix(".py")
        if word:
            rooms.append(word)
    return rooms


def test_no_import_cycle_counting_every_import() -> None:
    assert cycles(import_graph()) == []


def test_cycles_are_found_through_lazy_imports() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_every_import_points_down_the_layering() -> None:
    order = layering()
    rank = {name: i for i, name in enumerate(order)}
    graph = import_graph()
    rooms = {room(name) for name in graph} - {"gate"}
    assert sorted(rooms - set(rank)) == [], "rooms missing from docs/architecture.md"
    assert sorted(set(rank) - rooms) == [], "docs/architecture.md names rooms that do not exist"
    upward = sorted(f"{source} -> {target}" for source, targets in graph.items()
                    for target in targets
                    if room(target) != "gate" and room(source) != room(target)
                    and rank.get(room(target), -1) >= rank.get(room(source), -1))
    assert upward == []


def test_the_top_of_gate_stays_small() -> None:
    top = sorted(p.name for p in GATE.glob("*.py") if p.name not in {"__init__.py", "__main__.py"})
    assert len(top) <= TOP_LEVEL_LIMIT, top


def test_every_package_says_what_it_owns() -> None:
    for init in GATE.rglob("__init__.py"):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert doc, f"{init.relative_to(REPO_ROOT)} has no docstring"


def test_the_top_of_tests_holds_only_shared_helpers() -> None:
    tests = REPO_ROOT / "tests"
    top = sorted(p.name for p in tests.glob("*.py"))
    assert top == ["__init__.py", "conftest.py", "findings_repo.py", "helpers.py",
                   "test_architecture.py", "test_layout.py"]
