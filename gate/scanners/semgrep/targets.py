"""Which files the shipped semgrep rule packs apply to, and how to hand them to semgrep.

Pure functions: the caller reads the file head (at most ``HEAD_CHARS``) and passes it in.

Semgrep 1.185 picks a parser from the file name: it recognises ``*.py``, ``*.yml``/``*.yaml``,
``Dockerfile``/``dockerfile`` and ``*.dockerfile``, and silently skips ``Containerfile`` and
``Dockerfile.prod`` even when they are named explicitly (no error, not listed as skipped).
``--scan-unknown-extensions`` makes it scan them, but then it tries EVERY language of the
loaded rules on them (python and yaml parse errors). So such files get their own semgrep
run with only the dockerfile pack and that flag: see :func:`plan_semgrep_runs`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import PurePath
from types import MappingProxyType
from typing import Final, Literal

from gate.scanners.semgrep import rulepacks

SemgrepKind = Literal["python", "dockerfile", "compose", "kubernetes", "template"]

HEAD_CHARS: Final = 64 * 1024
"""How much of a file's start the caller should read for :func:`semgrep_kind`."""

WEB_PACKS: Final[tuple[str, ...]] = tuple(
    sorted(p.name for p in rulepacks.rules_dir().glob("web-*.yml")))
"""The taint packs for Python web code, one per weakness (``web-command.yml``, ...)."""

PACKS_BY_KIND: Final[Mapping[str, tuple[str, ...]]] = MappingProxyType(
    {
        "python": ("python.yml", "settings.yml", *WEB_PACKS),
        "dockerfile": ("dockerfile.yml",),
        "compose": ("compose.yml",),
        "kubernetes": ("kubernetes.yml",),
        "template": ("templates.yml",),
    }
)
"""Rule pack file names (in ``policies/rules/``) to run on each kind of target."""

UNKNOWN_NAME_ARGS: Final[tuple[str, ...]] = ("--scan-unknown-extensions",)
"""Extra semgrep arguments for a run over Dockerfiles whose names semgrep does not know."""


@dataclass(frozen=True)
class SemgrepRun:
    """One semgrep invocation: pack file names, explicit targets, extra arguments."""

    packs: tuple[str, ...]
    paths: tuple[str, ...]
    extra_args: tuple[str, ...] = ()


TEMPLATE_SUFFIXES: Final = (".jinja", ".jinja2", ".j2")
"""Names that are always Jinja templates."""
HTML_SUFFIXES: Final = (".html", ".htm")
"""HTML files: templates when under a ``templates/`` or ``jinja2/`` folder or holding tags."""
TEMPLATE_GLOBS: Final = tuple(f"*{suffix}" for suffix in (*HTML_SUFFIXES, *TEMPLATE_SUFFIXES))
"""The ``paths.include`` of every rule in ``templates.yml``: the template rules share a
semgrep run with the Python packs, and their language (generic) would read any file."""
_TEMPLATE_FOLDERS: Final = frozenset({"templates", "jinja2"})
_TEMPLATE_TAG = re.compile(r"\{%-?\s*[a-z]|\{\{")

_COMPOSE_NAME = re.compile(r"^(docker-)?compose([.\-_][^/]*)?\.ya?ml$", re.IGNORECASE)
_YAML_SUFFIXES: Final = frozenset({".yml", ".yaml"})
_DOC_SEPARATOR = re.compile(r"^---(?:[ \t].*)?$|^\.\.\.[ \t]*$", re.MULTILINE)
_TOP_API_VERSION = re.compile(r"^apiVersion[ \t]*:[ \t]*\S", re.MULTILINE)
_TOP_KIND = re.compile(r"^kind[ \t]*:[ \t]*\S", re.MULTILINE)


def _name(path: str) -> str:
    return path.replace("\\", "/").rstrip("/").rpartition("/")[2]


def is_python(path: str) -> bool:
    """True for Python source files (``*.py``)."""
    return _name(path).lower().endswith(".py")


def is_dockerfile(path: str) -> bool:
    """True for ``Dockerfile``, ``Dockerfile.*``, ``*.dockerfile`` and ``Containerfile(.*)``."""
    name = _name(path).lower()
    if name.endswith(".dockerignore"):
        return False
    for base in ("dockerfile", "containerfile"):
        if name == base or name.startswith((base + ".", base + "-", base + "_")):
            return True
    return name.endswith(".dockerfile") and name != ".dockerfile"


def is_compose(path: str) -> bool:
    """True for Compose files: ``docker-compose*.y*ml`` and ``compose*.y*ml``."""
    return _COMPOSE_NAME.match(_name(path)) is not None


def is_kubernetes(text: str) -> bool:
    """True if some YAML document in the text's first ``HEAD_CHARS`` has a top-level
    ``apiVersion`` and ``kind``.

    ``{{`` in the text changes nothing (a comment ``# {{ }}`` must not switch semgrep off):
    Helm templates are recognised by their chart (:func:`chart_folders`), and a file semgrep
    cannot parse is listed with semgrep's reason.
    """
    head = text[:HEAD_CHARS]
    return any(
        _TOP_API_VERSION.search(doc) is not None and _TOP_KIND.search(doc) is not None
        for doc in _DOC_SEPARATOR.split(head)
    )


def chart_folders(path: str) -> list[str]:
    """The folders whose ``Chart.yaml`` would make ``path`` a Helm template: each folder
    that holds a ``templates/`` folder on the way to ``path`` ("" for the root)."""
    parts = path.replace("\\", "/").split("/")[:-1]
    return ["/".join(parts[:i]) for i, part in enumerate(parts) if part == "templates"]


def is_template(path: str, head: str) -> bool:
    """True for Django and Jinja templates: ``*.jinja``, ``*.jinja2``, ``*.j2``, and
    ``*.html``/``*.htm`` under a ``templates/`` or ``jinja2/`` folder (Django's and Flask's
    template folders) or holding a template tag (``{%``, ``{{``) in ``head``.

    Suffixes are matched as written (lower case): the template rules' ``paths.include``
    (``TEMPLATE_GLOBS``) is case-sensitive, so ``PAGE.HTML`` would be read for nothing.
    """
    name = _name(path)
    if name.endswith(TEMPLATE_SUFFIXES):
        return True
    if not name.endswith(HTML_SUFFIXES):
        return False
    folders = path.replace("\\", "/").split("/")[:-1]
    return bool(_TEMPLATE_FOLDERS.intersection(folders)) or (
        _TEMPLATE_TAG.search(head[:HEAD_CHARS]) is not None)


def reads_head(path: str) -> bool:
    """True if :func:`semgrep_kind` needs the file's head to decide (YAML and HTML)."""
    return PurePath(path).suffix.lower() in (*_YAML_SUFFIXES, *HTML_SUFFIXES)


def semgrep_kind(path: str, head: str) -> SemgrepKind | None:
    """The kind of semgrep target ``path`` is, or None if no shipped pack applies.

    ``head`` is the start of the file's text (only read for YAML and HTML files, see
    :func:`reads_head`; pass "" if unread).
    """
    if is_python(path):
        return "python"
    if is_dockerfile(path):
        return "dockerfile"
    if is_template(path, head):
        return "template"
    if PurePath(path).suffix.lower() not in _YAML_SUFFIXES:
        return None
    if is_compose(path):
        return "compose"
    if is_kubernetes(head):
        return "kubernetes"
    return None


def packs_for(kinds: set[SemgrepKind] | frozenset[SemgrepKind]) -> tuple[str, ...]:
    """Pack file names needed for a set of target kinds, in a stable order."""
    return tuple(pack for kind, packs in PACKS_BY_KIND.items() if kind in kinds for pack in packs)


def semgrep_knows_name(path: str) -> bool:
    """True if semgrep picks a language for this file name on its own."""
    name = _name(path)
    lower = name.lower()
    return (
        is_python(path)
        or PurePath(lower).suffix in _YAML_SUFFIXES
        or name in ("Dockerfile", "dockerfile")
        or lower.endswith(".dockerfile")
    )


def plan_semgrep_runs(targets: Iterable[tuple[str, SemgrepKind]]) -> list[SemgrepRun]:
    """Group ``(path, kind)`` targets into as few semgrep runs as work (at most two).

    Files semgrep recognises by name share one run with the packs their kinds need.
    Dockerfiles with other names (``Containerfile``, ``Dockerfile.prod``) get a second run
    with only the dockerfile pack and ``--scan-unknown-extensions``. Paths keep their order.
    """
    known: list[str] = []
    known_kinds: set[SemgrepKind] = set()
    unknown: list[str] = []
    for path, kind in targets:
        if kind == "dockerfile" and not semgrep_knows_name(path):
            unknown.append(path)
        else:
            known.append(path)
            known_kinds.add(kind)
    runs: list[SemgrepRun] = []
    if known:
        runs.append(SemgrepRun(packs_for(known_kinds), tuple(known)))
    if unknown:
        runs.append(SemgrepRun(PACKS_BY_KIND["dockerfile"], tuple(unknown), UNKNOWN_NAME_ARGS))
    return runs
