"""gate.targets: which files the semgrep packs are run on."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from gate.scanners.semgrep.rulepacks import rule_ids, rules_dir
from gate.scanners.semgrep.targets import (
    HEAD_CHARS,
    NEEDS,
    OUTSIDE_DATA_PACKS,
    PACKS_BY_KIND,
    REQUEST_ATTRIBUTES,
    ROUTE_METHODS,
    SOURCE_WORDS,
    TEMPLATE_GLOBS,
    URL_KWARGS,
    WEB_PACKS,
    SemgrepRun,
    Words,
    chart_folders,
    is_compose,
    is_dockerfile,
    is_kubernetes,
    is_python,
    is_template,
    packs_for,
    plan_semgrep_runs,
    reads_head,
    semgrep_kind,
    semgrep_knows_name,
    unneeded,
)

DEPLOYMENT = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("app.py", True),
        ("src/pkg/mod.py", True),
        ("setup.PY", True),
        ("stubs.pyi", False),
        ("py", False),
        ("script", False),
        ("notes.py.txt", False),
    ],
)
def test_is_python(path: str, expected: bool) -> None:
    assert is_python(path) is expected


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("Dockerfile", True),
        ("docker/Dockerfile", True),
        ("Dockerfile.prod", True),
        ("dockerfile", True),
        ("api.dockerfile", True),
        ("build/prod.Dockerfile", True),
        ("Containerfile", True),
        ("Containerfile.dev", True),
        ("Dockerfile.dockerignore", False),
        (".dockerignore", False),
        ("Dockerfiles/README.md", False),
        ("my-Dockerfile-notes.txt", False),
        ("docker-compose.yml", False),
    ],
)
def test_is_dockerfile(path: str, expected: bool) -> None:
    assert is_dockerfile(path) is expected


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("docker-compose.yml", True),
        ("docker-compose.yaml", True),
        ("deploy/docker-compose.override.yml", True),
        ("docker-compose-dev.yml", True),
        ("compose.yaml", True),
        ("compose.prod.yml", True),
        ("Compose.YML", True),
        ("composer.json", False),
        ("composer.yml", False),
        ("docker-compose.json", False),
        ("k8s/deployment.yaml", False),
        (".github/workflows/ci.yml", False),
    ],
)
def test_is_compose(path: str, expected: bool) -> None:
    assert is_compose(path) is expected


def test_is_kubernetes() -> None:
    assert is_kubernetes(DEPLOYMENT)
    assert is_kubernetes("kind: Pod\napiVersion: v1\n")
    assert is_kubernetes("# a comment\n---\n" + DEPLOYMENT)
    assert is_kubernetes("apiVersion: v1\nkind: ConfigMap\n---\napiVersion: v1\nkind: Pod\n")
    # a workflow, a compose file, a values file: no top-level apiVersion + kind
    assert not is_kubernetes("on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n")
    assert not is_kubernetes("services:\n  web:\n    image: nginx:1.27\n")
    assert not is_kubernetes("image:\n  apiVersion: v1\n  kind: Pod\n")
    # apiVersion and kind must be in the same document
    assert not is_kubernetes("apiVersion: v1\n---\nkind: Pod\n")
    # "{{" decides nothing: Helm templates are known by their chart (chart_folders)
    assert is_kubernetes("apiVersion: v1\nkind: Pod\n# {{ }}\n")
    assert not is_kubernetes("")


def test_is_kubernetes_reads_only_the_head() -> None:
    padding = "# filler\n" * (HEAD_CHARS // 9 + 1)
    assert not is_kubernetes(padding + DEPLOYMENT)
    assert is_kubernetes(DEPLOYMENT + padding)


@pytest.mark.parametrize(
    ("path", "head", "expected"),
    [
        ("app/views.py", "", "python"),
        ("settings.py", "DEBUG = True\n", "python"),
        ("Dockerfile", "", "dockerfile"),
        ("Containerfile", "", "dockerfile"),
        ("services/api/Dockerfile.prod", "", "dockerfile"),
        ("docker-compose.yml", "services: {}\n", "compose"),
        ("compose.yaml", DEPLOYMENT, "compose"),
        ("k8s/deploy.yaml", DEPLOYMENT, "kubernetes"),
        ("k8s/deploy.yml", DEPLOYMENT, "kubernetes"),
        (".github/workflows/ci.yml", "on: push\njobs: {}\n", None),
        ("config/values.yaml", "image: nginx\n", None),
        ("manifest.json", DEPLOYMENT, None),
        ("README.md", "", None),
        ("blog/templates/blog/post.html", "", "template"),
        ("app/jinja2/base.htm", "", "template"),
        ("emails/welcome.jinja", "", "template"),
        ("site/page.html", "<p>{% trans 'Hi' %}</p>", "template"),
        ("site/page.html", "<html><body>static</body></html>", None),
        ("templates/notes.txt", "{{ x|safe }}", None),
    ],
)
def test_semgrep_kind(path: str, head: str, expected: str | None) -> None:
    assert semgrep_kind(path, head) == expected


@pytest.mark.parametrize(
    ("path", "head", "expected"),
    [
        ("templates/index.html", "", True),
        ("shop/templates/shop/cart.htm", "", True),
        ("shop/jinja2/cart.html", "", True),
        ("mail/receipt.jinja2", "", True),
        ("roles/web/nginx.conf.j2", "", True),
        ("docs/_build/index.html", "<html>{{ title }}</html>", True),
        ("docs/_build/index.html", "<html>plain</html>", False),
        ("templates/PAGE.HTML", "", False),  # the rules' globs are case-sensitive
        ("templates/readme.md", "", False),
        ("my_templates/x.html", "", False),
    ],
)
def test_is_template(path: str, head: str, expected: bool) -> None:
    assert is_template(path, head) is expected


def test_is_template_reads_only_the_head() -> None:
    padding = "<p>filler</p>\n" * (HEAD_CHARS // 14 + 1)
    assert not is_template("site/page.html", padding + "{% block x %}")
    assert reads_head("site/page.html") and reads_head("k.yaml") and not reads_head("a.py")


def test_every_template_rule_reads_exactly_the_template_names() -> None:
    """The template rules share the Python packs' run; their globs keep them on templates."""
    import yaml

    rules = yaml.safe_load((rules_dir() / "templates.yml").read_text(encoding="utf-8"))["rules"]
    assert rules
    for rule in rules:
        assert rule["languages"] == ["generic"]
        assert tuple(rule["paths"]["include"]) == TEMPLATE_GLOBS, rule["id"]


def test_packs_by_kind() -> None:
    assert set(PACKS_BY_KIND) == {"python", "dockerfile", "compose", "kubernetes", "template"}
    assert PACKS_BY_KIND["template"] == ("templates.yml",)
    python = ("python.yml", "python-sql-strings.yml", "settings.yml", *WEB_PACKS)
    assert PACKS_BY_KIND["python"] == python
    assert all(p.startswith("web-") for p in WEB_PACKS) and list(WEB_PACKS) == sorted(WEB_PACKS)
    assert packs_for({"kubernetes", "python"}) == (*python, "kubernetes.yml")
    assert packs_for(set()) == ()


def test_semgrep_knows_name() -> None:
    for known in ("a.py", "Dockerfile", "dockerfile", "x.dockerfile", "prod.Dockerfile", "k.yaml"):
        assert semgrep_knows_name(known), known
    for unknown in ("Containerfile", "Dockerfile.prod", "Containerfile.dev"):
        assert not semgrep_knows_name(unknown), unknown


def test_plan_semgrep_runs_splits_unknown_dockerfile_names() -> None:
    runs = plan_semgrep_runs(
        [
            ("app.py", "python"),
            ("Dockerfile", "dockerfile"),
            ("Containerfile", "dockerfile"),
            ("k8s/deploy.yaml", "kubernetes"),
            ("api/Dockerfile.prod", "dockerfile"),
            ("templates/base.html", "template"),
        ]
    )
    assert runs == [
        SemgrepRun(
            (*PACKS_BY_KIND["python"], "dockerfile.yml", "kubernetes.yml", "templates.yml"),
            ("app.py", "Dockerfile", "k8s/deploy.yaml", "templates/base.html"),
        ),
        SemgrepRun(
            ("dockerfile.yml",),
            ("Containerfile", "api/Dockerfile.prod"),
            ("--scan-unknown-extensions",),
        ),
    ]
    assert plan_semgrep_runs([]) == []
    only_unknown = plan_semgrep_runs([("Containerfile", "dockerfile")])
    assert [r.extra_args for r in only_unknown] == [("--scan-unknown-extensions",)]


def test_chart_folders() -> None:
    assert chart_folders("charts/web/templates/deploy.yaml") == ["charts/web"]
    assert chart_folders("templates/x.yaml") == [""]
    assert chart_folders("k8s/deploy.yaml") == []


@pytest.mark.parametrize("text", [
    "from flask import request as r\nr.args\n",
    "import flask\n",
    "value = request.GET['q']\n",
    "value = self.request . POST\n",
    "x = (req  # the request\n     .json)\n",
    "def view(  # a view\n    request, slug):\n    pass\n",
    "async def view(request: HttpRequest, pk: int):\n    pass\n",
    "def app(environ, start_response):\n    pass\n",
    "def app(environ: dict[str, str], start_response: Callable) -> list[bytes]: ...\n",
    "def app(environ=None, start_response=None): ...\n",
    "def view(request, *, year: int = 2024): ...\n",
    "def view(request,\n         form=Form(initial={'a': (1, 2)}),\n         page_id=None): ...\n",
    "def view(request, sep=')', other=None): ...\n",  # a quote: unsure, kept
    "def\\\n  app(environ, start_response):\n    pass\n",
    "from http.server import BaseHTTPRequestHandler as H\n",
    "slug = self.kwargs['slug']\n",
    "@app.get('/items/{item_id}')\nasync def read(item_id: int): ...\n",
    "@router.api_route(\n    '/x')\ndef x(q: str): ...\n",
    "@ api . v1 . post ('/y')\ndef y(q): ...\n",
])
def test_every_shape_of_a_shared_source_keeps_the_outside_data_packs(text: str) -> None:
    assert not unneeded(text) & set(OUTSIDE_DATA_PACKS), text


@pytest.mark.parametrize("text", [
    "import requests\nrequests.get(url, timeout=5)\n",
    "def helper(self, request):\n    return request\n",  # no view: request is not first
    "@property\ndef get(self):\n    return self._get\n",
    "x = os.environ.get('HOME')\n",
    "storage = default_storage(request)\n",  # a call, not a def: "def" begins a name
    "undefined(environ)\n",
    "def login(request, user, backend=None): ...\n",  # no URLconf name: a helper
    "def _view_wrapper(request, *args, **kwargs): ...\n",
    "def get_path_info(environ): ...\n",  # one parameter: no WSGI application
])
def test_files_without_a_source_skip_the_outside_data_packs(text: str) -> None:
    assert set(OUTSIDE_DATA_PACKS) <= unneeded(text), text


def test_a_coding_declaration_is_read_both_ways() -> None:
    """Semgrep reads UTF-8 bytes, Python the declared encoding: a word in either counts."""
    assert "web-weak-random.yml" not in unneeded("x = 1\n", "import random\n")
    assert "web-weak-random.yml" in unneeded("x = 1\n", "y = 2\n")
    assert "web-weak-hash.yml" not in unneeded("from Cryptodome.Hash import MD5\n")
    assert "python-sql-strings.yml" not in unneeded("cur.executemany(q, rows)\n")


@pytest.mark.parametrize("text", [
    "cursor.execute(sql, params)\n",
    "cur . executemany  (q, rows)\n",
    "(cursor.execute  # the query\n    (sql))\n",
    "from db import execute\nexecute(q)\n",
    "from db import execute as run\nrun(q)\n",
    "from sqlalchemy import text\n",
])
def test_every_shape_of_a_sql_sink_keeps_the_sql_strings_pack(text: str) -> None:
    assert "python-sql-strings.yml" not in unneeded(text), text


@pytest.mark.parametrize("text", [
    '"""Select which database this QuerySet should execute against."""\n',
    "# How many results to expect from a cursor.execute call\n",
    "connection.ops.execute_sql_flush(sql)\n",
])
def test_execute_in_prose_skips_the_sql_strings_pack(text: str) -> None:
    assert "python-sql-strings.yml" in unneeded(text), text


SOURCES = Path(__file__).with_name("web_sources.yml")


def test_outside_data_packs_hold_only_rules_from_the_shared_sources() -> None:
    """The condition is sound only if every rule of those packs starts at a shared source
    (or at a label only a shared source gives), and the words mirror the shared block."""
    shared = yaml.safe_load(SOURCES.read_text(encoding="utf-8"))
    for pack in OUTSIDE_DATA_PACKS:
        for rule in yaml.safe_load((rules_dir() / pack).read_text(encoding="utf-8"))["rules"]:
            assert rule.get("mode") == "taint", (pack, rule["id"])
            for source in rule["pattern-sources"]:
                plain = {k: v for k, v in source.items() if k not in ("label", "by-side-effect")}
                assert plain == shared or "requires" in source, (pack, rule["id"])
    text = SOURCES.read_text(encoding="utf-8")
    assert "regex: ^(" + "|".join(REQUEST_ATTRIBUTES) + ")$" in text
    assert "regex: ^(" + "|".join(ROUTE_METHODS) + ")$" in text
    assert "regex: ^(" + URL_KWARGS + ")$" in text
    taint_packs = {p for p in WEB_PACKS if all(
        r.get("mode") == "taint" and all(
            {k: v for k, v in s.items() if k not in ("label", "by-side-effect")} == shared
            or "requires" in s for s in r["pattern-sources"])
        for r in yaml.safe_load((rules_dir() / p).read_text(encoding="utf-8"))["rules"])}
    assert taint_packs == set(OUTSIDE_DATA_PACKS)


def test_plan_gives_each_conditional_pack_its_own_run() -> None:
    none = frozenset(NEEDS)
    runs = plan_semgrep_runs(
        [("a.py", "python"), ("b.py", "python"), ("t/x.html", "template")],
        {"a.py": none, "b.py": none - {"web-weak-random.yml"}})
    assert runs == [
        SemgrepRun(tuple(p for p in packs_for({"python", "template"}) if p not in NEEDS),
                   ("a.py", "b.py", "t/x.html")),
        SemgrepRun(("web-weak-random.yml",), ("b.py",))]


FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
_RULEID = re.compile(r"#\s*ruleid:\s*([\w\-, ]+?)\s*$", re.MULTILINE)


def test_no_fixture_line_a_rule_must_flag_is_kept_from_its_pack() -> None:
    """``NEEDS`` is sound on every annotated rule fixture and detection case: a file with a
    ``# ruleid:`` line of a conditional pack's rule holds that pack's words."""
    pack_of = {rule: pack for pack in NEEDS for rule in rule_ids(pack.removesuffix(".yml"))}
    checked = 0
    for path in sorted(FIXTURES.rglob("*.py")):
        text = path.read_text(encoding="utf-8", errors="replace")
        wanted = {pack_of[rule.strip()] for ids in _RULEID.findall(text)
                  for rule in ids.split(",") if rule.strip() in pack_of}
        assert not wanted & unneeded(text), (path, sorted(wanted & unneeded(text)))
        checked += bool(wanted)
    assert checked >= len(set(NEEDS.values())), checked


WORD_CONDITIONS = [w for w in dict.fromkeys([*SOURCE_WORDS, *NEEDS.values()])
                   if isinstance(w, Words)]


def _samples(words: Words) -> list[str]:
    """Texts near each shortcut string: alone, in a line, in mixed case, beside non-ASCII
    letters that fold to ASCII (the long s, the dotless i, the Kelvin sign)."""
    out: list[str] = []
    for word in (*words.needed, *words.sufficient):
        for form in (word, word.upper(), word.title(), word.swapcase()):
            out += [form, f"x = {form}(1)\n", f"# {form} here\n", f"\u017f{form}\u0131K\n",
                    f"x_{form}_y = 'a'\n"]
    if words.rest is not None:  # what only the rest decides: URLs with and without userinfo
        c, a = ":", "@"  # joined here: a URL with a password written out is a finding itself
        out += [f"db = '{url}'\n" for url in (
            f"postgres://bob{c}hunter22{a}db", f"https://bob{c}short{a}db", f"https://bob{a}db",
            f"https://host{c}8080/x{a}y", f"ftp://a{c}b c d e f{a}h",
            f"HTTPS://BOB{c}HUNTER22{a}DB")]
    return out


@pytest.mark.parametrize("words", WORD_CONDITIONS, ids=lambda w: w.regex.pattern[:40])
def test_each_word_condition_answers_as_its_regex_does(words: Words) -> None:
    # The substring shortcuts may only save work: on every fixture file and on texts built
    # around each shortcut string, the answer is the regex's own.
    texts = [p.read_text(encoding="utf-8", errors="replace")
             for p in sorted((Path(__file__).parent.parent / "fixtures").rglob("*.py"))]
    texts += _samples(words)
    assert len(texts) > 100
    for text in texts:
        assert words.search(text) == (words.regex.search(text) is not None), (
            words.regex.pattern, text[:200])


@pytest.mark.parametrize("words", WORD_CONDITIONS, ids=lambda w: w.regex.pattern[:40])
def test_each_shortcut_string_is_what_its_condition_says(words: Words) -> None:
    for word in words.sufficient:  # each one is a match on its own
        assert words.regex.search(word), word
    if words.fold:  # compared with lower-cased text: they must be lower-case themselves
        assert all(w == w.lower() for w in (*words.needed, *words.sufficient))
