"""Which files the shipped semgrep rule packs apply to, and how to hand them to semgrep.

Pure functions: the caller reads the file head (at most ``HEAD_CHARS``) and passes it in.

Semgrep 1.185 picks a parser from the file name: it recognises ``*.py``, ``*.yml``/``*.yaml``,
``Dockerfile``/``dockerfile`` and ``*.dockerfile``, and silently skips ``Containerfile`` and
``Dockerfile.prod`` even when they are named explicitly (no error, not listed as skipped).
``--scan-unknown-extensions`` makes it scan them, but then it tries EVERY language of the
loaded rules on them (python and yaml parse errors). So such files get their own semgrep
run with only the dockerfile pack and that flag: see :func:`plan_semgrep_runs`.

Some packs cannot match a file that lacks certain words (``NEEDS``): every
taint rule of the outside-data packs starts at a request, a route function, a WSGI
``environ`` or an ``http.server`` handler, all written with a word the file must hold; the
weak-random and weak-hash rules need ``random`` and ``hashlib``/``Crypto``, the SQL-string
rule a call of ``execute``/``executemany`` or SQLAlchemy, the cookie rules ``cookie``, the
hard-coded credential rule a credential's name or format (``CREDENTIAL_WORDS``). Semgrep's own
prefilter cannot see this (a source such as ``@$APP.$METHOD(...)`` has no literal, a name
regex no fixed word), and matching those rules on every
file costs most of a scan; so those packs run in runs of their own, each given only the
Python files it can match (:func:`unneeded`). Semgrep matches within one file, so nothing
is lost; a file given to two runs is parsed twice, which costs far less.
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
        "python": ("python.yml", "python-sql-strings.yml", "settings.yml", *WEB_PACKS),
        "dockerfile": ("dockerfile.yml",),
        "compose": ("compose.yml",),
        "kubernetes": ("kubernetes.yml",),
        "template": ("templates.yml",),
    }
)
"""Rule pack file names (in ``policies/rules/``) to run on each kind of target."""

OUTSIDE_DATA_PACKS: Final[tuple[str, ...]] = tuple(
    f"web-{name}.yml" for name in (
        "code", "command", "deserialisation", "header", "ldap", "log", "path", "redirect",
        "sql", "ssrf", "ssti", "trust-boundary", "xpath", "xss", "xxe"))
"""The packs whose every rule is a taint rule from the shared outside-data sources
(``tests/scanners/web_sources.yml``; a test holds them to it)."""

REQUEST_ATTRIBUTES: Final = (
    "GET", "POST", "COOKIES", "META", "FILES", "body", "headers", "data", "query_params",
    "path_params", "cookies", "args", "form", "values", "files", "json", "get_json", "stream",
    "environ", "url", "full_path", "path", "query_string")
"""The request attributes the shared sources name (``request.$DATA``)."""

ROUTE_METHODS: Final = (
    "route", "get", "post", "put", "patch", "delete", "head", "options", "api_route",
    "websocket")
"""The decorator methods that make a route function (``@$APP.$METHOD(...)``)."""

@dataclass(frozen=True, eq=False)
class Words:
    """A file condition: ``regex`` decides; ``needed`` holds strings one of which every
    match of ``regex`` contains, ``sufficient`` strings each of which is a match (compared
    with the text lower-cased where ``fold``, for a case-insensitive regex on ASCII text). A
    substring search is many times faster than a regex that starts at every word (Django's
    ``django/``: about 2 CPU s of the gate's own time), so the regex runs only where they
    cannot tell."""

    regex: re.Pattern[str]
    needed: tuple[str, ...]
    fold: bool = False
    sufficient: tuple[str, ...] = ()
    rest: re.Pattern[str] | None = None
    """``regex`` on a text that holds none of ``sufficient``: the alternatives they do not
    decide (for the credential words, a URL with user and password: 0.4 CPU s on ``django/``
    where the whole alternation ran)."""

    def search(self, text: str) -> bool:
        """True if ``regex`` matches somewhere in ``text``."""
        if self.fold and not text.isascii():  # Unicode case folding: the regex alone
            return self.regex.search(text) is not None
        hay = text.lower() if self.fold else text
        if any(word in hay for word in self.sufficient):
            return True
        return any(word in hay for word in self.needed) and (
            (self.rest or self.regex).search(text) is not None)


_GAP = r"(?:\s|\\|#[^\n]*)*"  # what may stand between two tokens: space, \, a comment
SOURCE_WORDS: Final = (
    Words(re.compile(r"\bflask\b"), ("flask",)),  # flask.request, however imported
    Words(re.compile(rf"\b(?:request|req){_GAP}\.{_GAP}(?:{'|'.join(REQUEST_ATTRIBUTES)})\b"),
          ("req",)),
    Words(re.compile(rf"\bself{_GAP}\.{_GAP}kwargs\b"), ("kwargs",)),  # class-based views
    Words(re.compile(r"\bBaseHTTPRequestHandler\b"), ("BaseHTTPRequestHandler",)),
    Words(re.compile(rf"@[\s\\(]*[\w.\s\\]*\.{_GAP}(?:{'|'.join(ROUTE_METHODS)})[\s\\)]*\("),
          ("@",)),
)
"""The outside-data sources' words that a plain search finds (the ``def`` shapes need
:func:`_parameters`)."""
_FIRST_PARAMETER: Final = re.compile(
    rf"\bdef\b{_GAP}\w+{_GAP}\({_GAP}(?P<first>request|environ)\b")

URL_KWARGS: Final = (
    r"slug|pk|id|uuid|\w+_(id|pk|slug|uuid|name|path)|name|username|path|subpath|url|next"
    r"|filename|file_name|file|page|year|month|day|lang|language|code|token|key|kind"
    r"|category|tag|q|query|search|term|format|ext|section|topic|item|title|message|msg"
    r"|text|value|cmd|command|host|domain|target|dest|redirect_to|expr|service|label"
    r"|action|mode|sort|order|field|column|table|group|status|state|type|version|branch"
    r"|ref|repo|owner|project|env|region")
"""The parameter names the shared Django-view source takes for URLconf keyword arguments
(``def $VIEW(request, ..., $ARG, ...)``)."""
_URL_KWARG = re.compile(rf"\b(?:{URL_KWARGS})\b")
_SECOND_PARAMETER = re.compile(rf"{_GAP}(?:[:=][^,]*)?,{_GAP}[\w*]")


def _parameters(text: str, start: int) -> str | None:
    """The parameter list from ``start`` (just after the first parameter's name) to its
    closing parenthesis, or None where a quote or a comment inside it could hide the end."""
    depth = 1
    for index in range(start, len(text)):
        char = text[index]
        if char in "'\"#":
            return None
        depth += (char in "([{") - (char in ")]}")
        if depth == 0:
            return text[start:index]
    return None


class OutsideDataWords:
    """What a file holds if one of the shared outside-data sources can match in it: the
    request's names, a route decorator, ``self.kwargs``, an ``http.server`` handler, a
    function whose first parameter is ``request`` with a later one named as a URLconf
    keyword argument (``URL_KWARGS``), or whose first is ``environ`` with a second (WSGI)."""

    def search(self, text: str) -> bool:
        """True if the outside-data packs can match in ``text``."""
        if any(words.search(text) for words in SOURCE_WORDS):
            return True
        if "request" not in text and "environ" not in text:
            return False
        for match in _FIRST_PARAMETER.finditer(text):
            rest = _parameters(text, match.end())
            if rest is None:  # unsure: the packs read the file
                return True
            if (_URL_KWARG.search(rest) if match["first"] == "request"
                    else _SECOND_PARAMETER.match(rest)):
                return True
        return False


OUTSIDE_DATA_WORDS: Final = OutsideDataWords()
"""The condition of the outside-data packs (:class:`OutsideDataWords`)."""

_CREDENTIAL_LITERALS: Final = (
    "passw", "pwd", "passphrase", "secret", "token", "apikey", "api_key", "accesskey",
    "access_key", "privatekey", "private_key", "signingkey", "signing_key", "authkey",
    "auth_key", "credential", "login", "jwt", "httpbasicauth", "akia", "asia",
    *(f"gh{c}_" for c in "pousr"), "github_pat_", *(f"xox{c}-" for c in "abposr"),
    "sk_live_", "rk_live_", "sg.", "aiza", "private key")
_URL_USERINFO: Final = r"://[^\s:/@]+:[^\s:/@]{6,}@"  # a URL with a password, in one literal
CREDENTIAL_WORDS: Final = Words(re.compile(
    r"(?i)passw|pwd|passphrase|secret|token|api_?key|apikey|access_?key|private_?key"
    r"|signing_?key|auth_?key|credential|login|jwt|HTTPBasicAuth"  # by name or position
    r"|AKIA|ASIA|gh[pousr]_|github_pat_|xox[abposr]-|[sr]k_live_|SG\.|AIza|PRIVATE KEY"
    rf"|{_URL_USERINFO}"),
    (*_CREDENTIAL_LITERALS, "://"), fold=True, sufficient=_CREDENTIAL_LITERALS,
    rest=re.compile(_URL_USERINFO))
"""What a file holds if ``web-hardcoded-credentials.yml`` can match in it: the words of its
name regex, the callees of its positional patterns, and its formats' fixed parts (semgrep
matches a literal as written: it neither decodes escapes nor joins adjacent literals)."""

NEEDS: Final[Mapping[str, Words | OutsideDataWords]] = MappingProxyType({
    **{pack: OUTSIDE_DATA_WORDS for pack in OUTSIDE_DATA_PACKS},
    "web-weak-random.yml": Words(re.compile(r"\brandom\b"), ("random",)),
    "web-weak-hash.yml": Words(re.compile(r"\b(?:hashlib|Crypto|Cryptodome)\b"),
                               ("hashlib", "Crypto")),
    # A call of execute()/executemany() (or an import renaming it), not the word in prose:
    # Django's ORM modules say "execute" in docstrings and cost the most to match.
    "python-sql-strings.yml": Words(
        re.compile(rf"\bexecute(?:many)?{_GAP}(?:\(|as\b)|\bsqlalchemy\b"),
        ("execute", "sqlalchemy")),
    "web-cookies.yml": Words(re.compile(r"(?i)cookie"), ("cookie",), fold=True),
    "web-hardcoded-credentials.yml": CREDENTIAL_WORDS,
})
"""Python packs that can match only a file holding one of these words."""

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


def unneeded(*texts: str) -> frozenset[str]:
    """The packs of ``NEEDS`` that can match none of ``texts`` (one file's text as semgrep
    reads it and as Python decodes it): it is not given to them."""
    distinct = set(texts)
    found = {needs: any(needs.search(text) for text in distinct)
             for needs in set(NEEDS.values())}
    return frozenset(name for name, needs in NEEDS.items() if not found[needs])


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


def plan_semgrep_runs(targets: Iterable[tuple[str, SemgrepKind]],
                      unneeded: Mapping[str, frozenset[str]] | None = None
                      ) -> list[SemgrepRun]:
    """Group ``(path, kind)`` targets into as few semgrep runs as work.

    Without ``unneeded``, files semgrep recognises by name share one run with the packs
    their kinds need. With it (path to :func:`unneeded`), that run leaves out the packs of
    ``NEEDS``, and each group of them sharing one condition gets a run of its own over the
    Python files not listed as unable to match it. Dockerfiles with other names
    (``Containerfile``, ``Dockerfile.prod``) get a last run with only the dockerfile pack
    and ``--scan-unknown-extensions``. Paths keep their order.
    """
    known: list[tuple[str, SemgrepKind]] = []
    unknown: list[str] = []
    for path, kind in targets:
        if kind == "dockerfile" and not semgrep_knows_name(path):
            unknown.append(path)
        else:
            known.append((path, kind))
    runs: list[SemgrepRun] = []
    if known:
        packs = packs_for({kind for _, kind in known})
        split = [] if unneeded is None else [p for p in packs if p in NEEDS]
        runs.append(SemgrepRun(tuple(p for p in packs if p not in split),
                               tuple(path for path, _ in known)))
        conditions: dict[Words | OutsideDataWords, list[str]] = {}
        for pack in split:
            conditions.setdefault(NEEDS[pack], []).append(pack)
        for group in conditions.values():
            paths = tuple(path for path, kind in known if kind == "python"
                          and group[0] not in (unneeded or {}).get(path, frozenset()))
            if paths:
                runs.append(SemgrepRun(tuple(group), paths))
    if unknown:
        runs.append(SemgrepRun(PACKS_BY_KIND["dockerfile"], tuple(unknown), UNKNOWN_NAME_ARGS))
    return runs
