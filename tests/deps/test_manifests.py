"""The gate's own manifest reader: lines, includes, pins and what cannot be audited."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gate.deps.findings import unpinned
from gate.deps.manifests import kind_of, read_manifests, requirements_class


def test_requirements_with_includes(app: Path) -> None:
    found = read_manifests(app, ["requirements.txt", "requirements/base.txt"])
    pins = {(d.path, d.line, d.name, d.version) for d in found.declared}
    assert pins == {
        ("requirements.txt", 3, "flask", "0.12.2"),
        ("requirements.txt", 4, "requests", None),
        ("requirements.txt", 8, "internal-tool", "1.0.0"),
        ("requirements.txt", 9, "shared-name", "3.1.0"),
        ("requirements/base.txt", 1, "requests", "2.19.0"),  # continuation line with --hash
        ("requirements/base.txt", 3, "pyyaml", "5.3"),
    }
    reasons = {(u.line, u.reason.split(" ")[0]) for u in found.unaudited}
    assert reasons == {(5, "editable"), (6, "package"), (7, "include")}
    assert found.read == ["requirements.txt", "requirements/base.txt"]  # base.txt read once


def test_pyproject_lines_and_unsupported(app: Path) -> None:
    found = read_manifests(app, ["pyproject.toml", "setup.py", "backend.py"])
    pins = {(d.line, d.name, d.version) for d in found.declared}
    assert pins == {(10, "jinja2", "2.10"), (11, "requests", "2.19.0"), (15, "pyyaml", "5.4.1")}
    # the fixture's setup.py is a script that calls no setup(): not a manifest, no finding
    assert found.unsupported == []
    assert found.notes == ["setup.py: declares no dependencies in a setup() call; "
                           "not a manifest"]


@pytest.mark.parametrize(("text", "unsupported"), [
    ("from setuptools import setup\nsetup(name='app', version='1')\n", False),
    ("import sys\nprint(sys.argv)\n", False),
    ("from setuptools import setup\nOPTS = {}\nsetup(**OPTS)\n", True),
    ("from setuptools import setup\nsetup(install_requires=reqs())\n", True),
])
def test_a_setup_py_without_dependencies_is_no_manifest(
        tmp_path: Path, text: str, unsupported: bool) -> None:
    (tmp_path / "setup.py").write_text(text, encoding="utf-8")
    found = read_manifests(tmp_path, ["setup.py"])
    assert found.declared == [] and found.unaudited == []
    assert bool(found.unsupported) is unsupported
    assert bool(found.notes) is not unsupported


def test_requirement_forms(tmp_path: Path) -> None:
    (tmp_path / "requirements-dev.txt").write_text(
        "\n".join(
            [
                "black==24.1.0 ; python_version >= '3.8'",
                "mypy[reports]==1.8.0",
                "pytest==8.*",
                "https://example.invalid/pkg-1.0.tar.gz",
                "pkg @ https://example.invalid/pkg-1.0.tar.gz",
                "./vendor/thing",
                "-r /etc/requirements.txt",
                "-r missing.txt",
                "--index-url https://mirror.invalid/simple",
                "--require-hashes",
                "not a requirement ===",
            ]
        ),
        encoding="utf-8",
    )
    found = read_manifests(tmp_path, ["requirements-dev.txt"])
    assert [(d.line, d.name, d.version) for d in found.declared] == [
        (1, "black", "24.1.0"),
        (2, "mypy", "1.8.0"),
        (3, "pytest", None),
    ]
    assert [u.line for u in found.unaudited] == [4, 5, 6, 7, 8, 9, 11]


def test_lock_files(tmp_path: Path) -> None:
    (tmp_path / "uv.lock").write_text(
        """version = 1

[[package]]
name = "app"
version = "0.1.0"
source = { editable = "." }

[[package]]
name = "requests"
version = "2.19.0"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "thing"
version = "1.0"
source = { git = "https://example.invalid/thing" }
""",
        encoding="utf-8",
    )
    (tmp_path / "poetry.lock").write_text(
        """[[package]]
name = "flask"
version = "0.12.2"
description = ""

[package.dependencies]
click = ">=2.0"

[[package]]
name = "local"
version = "1.0"

[package.source]
type = "directory"
url = "../local"
""",
        encoding="utf-8",
    )
    (tmp_path / "pylock.toml").write_text(
        """lock-version = "1.0"

[[packages]]
name = "jinja2"
version = "2.10"

[[packages]]
name = "other"
[packages.vcs]
type = "git"
url = "https://example.invalid/other"
""",
        encoding="utf-8",
    )
    (tmp_path / "Pipfile.lock").write_text(
        json.dumps(
            {
                "_meta": {},
                "default": {"pyyaml": {"version": "==5.3"}, "x": {"git": "https://e.invalid/x"}},
                "develop": {"pytest": {"version": "==8.0.0"}},
            },
            indent=4,
        ),
        encoding="utf-8",
    )
    (tmp_path / "Pipfile").write_text("[packages]\n", encoding="utf-8")
    files = ["uv.lock", "poetry.lock", "pylock.toml", "Pipfile.lock", "Pipfile"]
    found = read_manifests(tmp_path, files)
    assert {(d.path, d.line, d.name, d.version) for d in found.declared} == {
        ("uv.lock", 9, "requests", "2.19.0"),
        ("poetry.lock", 2, "flask", "0.12.2"),
        ("pylock.toml", 4, "jinja2", "2.10"),
        ("Pipfile.lock", 4, "pyyaml", "5.3"),
        ("Pipfile.lock", 12, "pytest", "8.0.0"),
    }
    assert {(u.path, u.line) for u in found.unaudited} == {
        ("uv.lock", 14),
        ("poetry.lock", 10),
        ("pylock.toml", 8),
        ("Pipfile.lock", 7),
    }
    assert found.unsupported == []  # an empty Pipfile declares nothing


def test_kinds() -> None:
    assert kind_of("a/b/requirements-test.txt") == "requirements"
    assert kind_of("requirements/prod.txt") == "requirements"
    assert kind_of("docs/notes.txt") is None
    assert kind_of("sub/pyproject.toml") == "pyproject"
    assert kind_of("pylock.dev.toml") == "pylock"
    assert kind_of("setup.cfg") == "setup.cfg"
    assert kind_of("setup.py") == "setup.py"
    assert kind_of("Pipfile") == "Pipfile"
    assert kind_of("requirements.in") == "requirements"
    assert kind_of("dev-requirements.txt") == "requirements"
    assert kind_of("test-requirements.txt") == "requirements"
    assert kind_of("constraints.txt") == "requirements"
    assert kind_of("pdm.lock") == "unsupported"


def test_editable_install_of_the_repositorys_own_project_is_no_outside_dependency(
        tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'app'\n", encoding="utf-8")
    (tmp_path / "plugins" / "extra").mkdir(parents=True)
    (tmp_path / "requirements-dev.txt").write_text(
        "-e .[socks]\n-e ./plugins/extra\n-e ../elsewhere\n"
        "-e git+https://example.invalid/x.git#egg=x\n./plugins/extra\nfile:./plugins/extra\n"
        "file:///opt/wheels/x.whl\n", encoding="utf-8")
    found = read_manifests(tmp_path, ["requirements-dev.txt"])
    # folders of the repository are the project itself: a note each, no finding; the
    # others leave the tree
    assert [(u.line, u.reason) for u in found.unaudited] == [
        (3, "editable install is not audited"), (4, "editable install is not audited"),
        (7, "direct URL or path is not audited")]
    assert [n.split(":")[1] for n in found.notes] == ["1", "2", "5", "6"]
    assert found.notes[0] == ("requirements-dev.txt:1: '-e .[socks]' is the project itself "
                              "(a folder of the repository), not a dependency")


def _doc_table(heading: str) -> list[list[str]]:
    """The rows of the first table under ``## heading`` in docs/dependencies.md."""
    text = (Path(__file__).parents[2] / "docs" / "dependencies.md").read_text(encoding="utf-8")
    section = text.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")][2:]
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows]


def test_the_documented_manifests_are_the_ones_read() -> None:
    """docs/dependencies.md's table: every file named on a "yes" row is read, every one on
    the "no" row is reported as unsupported (the README names the same files)."""
    examples = {"`*requirements*.txt`": "dev-requirements.txt",
                "`*constraints*.txt`": "constraints.txt",
                "`*.txt` in a `requirements/` folder": "requirements/base.txt",
                "`requirements*.in`": "requirements-dev.in",
                "`*.in` in a `requirements/` folder": "requirements/prod.in",
                "`pylock*.toml`": "pylock.dev.toml"}
    read, unsupported = [], []
    for files, answer, _ in _doc_table("Manifests"):
        for name in files.split(", "):
            example = examples.get(name, name.strip("`"))
            if " " in example or example.startswith("["):  # a part of a file, not a name
                continue
            (read if answer == "yes" else unsupported).append(example)
    assert len(read) == 12 and unsupported == ["pdm.lock"]
    assert [p for p in read if kind_of(p) in (None, "unsupported")] == []
    assert kind_of("pdm.lock") == "unsupported"
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    for name in ("setup.py", "setup.cfg", "Pipfile", "requirements*.in", "pylock*.toml"):
        assert f"`{name}`" in readme


def test_the_documented_unpinned_rule_is_the_one_reported(tmp_path: Path) -> None:
    rules = {row[0]: row[1] for row in _doc_table("Rules")}
    assert "**low** in library metadata" in rules["`gate/unpinned-dependency`"]
    assert "**medium** in files that install" in rules["`gate/unpinned-dependency`"]
    (tmp_path / "requirements.txt").write_text("requests>=2\n", encoding="utf-8")
    (tmp_path / "setup.cfg").write_text("[options]\ninstall_requires =\n    flask>=2\n",
                                        encoding="utf-8")
    found = read_manifests(tmp_path, ["requirements.txt", "setup.cfg"])
    reported = {(f.location.path, f.rule_id, f.severity.word)
                for f in (unpinned("pip-audit", d) for d in found.declared)}
    assert reported == {("requirements.txt", "gate/unpinned-dependency", "medium"),
                        ("setup.cfg", "gate/unpinned-dependency", "low")}


def test_each_dependency_of_a_one_line_list_keeps_its_line(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "app"\nversion = "1"\n'
        'dependencies = ["flask==1.0", "pyyaml==5.3", \'jinja2==2.10\', "requests==2.19.0"]\n'
        '[project.optional-dependencies]\nx = ["flask==1.0"]\n'
        '[dependency-groups]\ndev = ["pytest==8.0.0", "flask==1.0"]\n', encoding="utf-8")
    found = read_manifests(tmp_path, ["pyproject.toml"])
    assert [(d.name, d.line) for d in found.declared] == [
        ("flask", 4), ("pyyaml", 4), ("jinja2", 4), ("requests", 4), ("flask", 6),
        ("pytest", 8), ("flask", 8)]


@pytest.mark.parametrize(("path", "klass"), [
    ("requirements.txt", "production"),
    ("requirements/prod.txt", "production"),
    ("requirements-latest.txt", "production"),  # words, not substrings
    ("requirements-dev.txt", "dev"),
    ("dev-requirements.txt", "dev"),
    ("requirements/lint.txt", "dev"),
    ("requirements_typing.in", "dev"),
    ("requirements/test.txt", "test"),
    ("test-requirements.txt", "test"),
    ("requirements-tests.txt", "test"),
    ("requirements_docs.in", "docs"),
    ("docs/requirements.txt", "docs"),
    ("docs/source/requirements.txt", "docs"),
    ("tests/requirements.txt", "test"),
])
def test_requirements_files_are_classed_by_name(path: str, klass: str) -> None:
    assert requirements_class(path).name == klass


def test_a_production_requirements_file_keeps_what_it_includes_in_production(
        tmp_path: Path) -> None:
    files = {
        "requirements.txt": "flask==1.0\n-r requirements-lint.txt\n",
        "requirements-lint.txt": "ruff==0.1.0\n-r requirements/test.txt\nhttps://e.invalid/x\n",
        "requirements/test.txt": "pytest==8.0.0\n",
        "requirements-dev.txt": "-r requirements.txt\n-r requirements-docs.txt\nblack==24.1.0\n",
        "requirements-docs.txt": "sphinx==7.0.0\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    found = read_manifests(tmp_path, sorted(files))
    classes = {d.name: (d.manifest_class.name, d.manifest_class.why) for d in found.declared}
    assert classes == {
        "flask": ("production", ""),
        "ruff": ("production", "included by requirements.txt"),
        "pytest": ("production", "included by requirements.txt"),  # through the lint file
        "black": ("dev", "requirements-dev.txt, by its name"),
        "sphinx": ("docs", "requirements-docs.txt, by its name"),  # a dev file's include
    }
    [url] = found.unaudited
    assert url.manifest_class.name == "production"


def test_dependency_groups_are_classed_by_their_names(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "app"\nversion = "1"\ndependencies = ["flask==1.0"]\n'
        '[project.optional-dependencies]\n'
        'postgres = ["psycopg2==2.9.0"]\n'
        'dev = ["black==24.1.0"]\n'
        'tests = ["pytest==8.0.0"]\n'
        'docs = ["sphinx==7.0.0"]\n'
        '[dependency-groups]\n'
        'lint = ["ruff==0.1.0"]\n'
        'typing = ["mypy==1.8.0"]\n'
        'test = ["hypothesis==6.0.0"]\n'
        'server = ["gunicorn==19.9.0", {include-group = "test"}]\n', encoding="utf-8")
    found = read_manifests(tmp_path, ["pyproject.toml"])
    assert {d.name: (d.line, d.manifest_class.name, d.manifest_class.why)
            for d in found.declared} == {
        "flask": (4, "production", ""),
        "psycopg2": (6, "production", ""),  # an extra not named for development
        "black": (7, "dev", "optional-dependencies group 'dev'"),
        "pytest": (8, "test", "optional-dependencies group 'tests'"),
        "sphinx": (9, "docs", "optional-dependencies group 'docs'"),
        "ruff": (11, "dev", "dependency group 'lint'"),
        "mypy": (12, "dev", "dependency group 'typing'"),
        # a production group includes it
        "hypothesis": (13, "production", "dependency group 'test' included by 'server'"),
        "gunicorn": (14, "production", ""),
    }


def test_development_sections_of_other_manifests(tmp_path: Path) -> None:
    (tmp_path / "Pipfile").write_text('[packages]\nflask = "==1.0"\n[dev-packages]\n'
                                      'pytest = "==8.0.0"\n', encoding="utf-8")
    (tmp_path / "Pipfile.lock").write_text(json.dumps(
        {"_meta": {}, "default": {"flask": {"version": "==1.0"}},
         "develop": {"pytest": {"version": "==8.0.0"}}}, indent=4), encoding="utf-8")
    (tmp_path / "poetry.lock").write_text(
        '[[package]]\nname = "black"\nversion = "24.1.0"\ncategory = "dev"\n\n'
        '[[package]]\nname = "sphinx"\nversion = "7.0.0"\ngroups = ["docs"]\n\n'
        '[[package]]\nname = "click"\nversion = "8.0.0"\ngroups = ["main", "dev"]\n',
        encoding="utf-8")
    (tmp_path / "setup.cfg").write_text(
        "[options]\ninstall_requires =\n    flask==1.0\n[options.extras_require]\n"
        "testing =\n    pytest==8.0.0\n", encoding="utf-8")
    (tmp_path / "setup.py").write_text(
        "from setuptools import setup\nsetup(install_requires=['flask==1.0'],\n"
        "      extras_require={'docs': ['sphinx==7.0.0'], 'yaml': ['pyyaml==5.3']})\n",
        encoding="utf-8")
    found = read_manifests(tmp_path, ["Pipfile", "Pipfile.lock", "poetry.lock", "setup.cfg",
                                      "setup.py"])
    assert {(d.path, d.name, d.manifest_class.name) for d in found.declared} == {
        ("Pipfile", "flask", "production"), ("Pipfile", "pytest", "dev"),
        ("Pipfile.lock", "flask", "production"), ("Pipfile.lock", "pytest", "dev"),
        ("poetry.lock", "black", "dev"), ("poetry.lock", "sphinx", "docs"),
        ("poetry.lock", "click", "production"),
        ("setup.cfg", "flask", "production"), ("setup.cfg", "pytest", "test"),
        ("setup.py", "flask", "production"), ("setup.py", "sphinx", "docs"),
        ("setup.py", "pyyaml", "production"),
    }


def test_each_dependency_of_a_multi_line_list_keeps_its_own_line(tmp_path: Path) -> None:
    """Searched from the list's own key: a keyword or classifier that spells the same
    string earlier is not the dependency."""
    (tmp_path / "pyproject.toml").write_text(
        '[project]\n'                                # 1
        'name = "app"\n'                             # 2
        'keywords = ["flask", "pyyaml==5.3"]\n'      # 3
        'dependencies = [\n'                         # 4
        '    "flask",\n'                             # 5
        "    'pyyaml==5.3',\n"                       # 6
        '    "requests[socks]==2.19.0; python_version >= \\"3.8\\"",\n'  # 7
        ']\n'                                        # 8
        'optional-dependencies = { dev = ["flask"], docs = [\n'  # 9
        '    "sphinx==7.0.0",\n'                     # 10
        ']}\n'                                       # 11
        '[dependency-groups]\n'                      # 12
        'lint = [\n'                                 # 13
        '  "ruff==0.1.0",\n'                         # 14
        ']\n'                                        # 15
        'test = ["flask", "pyyaml==5.3"]\n',         # 16
        encoding="utf-8")
    found = read_manifests(tmp_path, ["pyproject.toml"])
    assert [(d.name, d.line) for d in found.declared] == [
        ("flask", 5), ("pyyaml", 6), ("requests", 7), ("flask", 9), ("sphinx", 10),
        ("ruff", 14), ("flask", 16), ("pyyaml", 16)]


def test_uv_lock_packages_only_development_groups_need(tmp_path: Path) -> None:
    (tmp_path / "uv.lock").write_text(
        'version = 1\n\n'
        '[[package]]\nname = "app"\nversion = "0.1.0"\nsource = { virtual = "." }\n'
        'dependencies = [{ name = "flask" }]\n\n'
        '[package.optional-dependencies]\ndocs = [{ name = "sphinx" }]\n\n'
        '[package.dev-dependencies]\ndev = [{ name = "pytest" }, { name = "jinja2" }]\n\n'
        '[[package]]\nname = "flask"\nversion = "1.0"\n'
        'source = { registry = "https://pypi.org/simple" }\n'
        'dependencies = [{ name = "jinja2" }]\n\n'
        '[[package]]\nname = "jinja2"\nversion = "2.10"\n'
        'source = { registry = "https://pypi.org/simple" }\n\n'
        '[[package]]\nname = "pytest"\nversion = "8.0.0"\n'
        'source = { registry = "https://pypi.org/simple" }\n'
        'dependencies = [{ name = "pluggy" }]\n\n'
        '[[package]]\nname = "pluggy"\nversion = "1.0.0"\n'
        'source = { registry = "https://pypi.org/simple" }\n\n'
        '[[package]]\nname = "sphinx"\nversion = "7.0.0"\n'
        'source = { registry = "https://pypi.org/simple" }\n', encoding="utf-8")
    found = read_manifests(tmp_path, ["uv.lock"])
    assert {d.name: (d.manifest_class.name, d.manifest_class.why) for d in found.declared} == {
        "flask": ("production", ""),
        "jinja2": ("production", ""),  # a dev group names it, but flask needs it
        "pytest": ("dev", "uv.lock, only for the project's dependency group 'dev'"),
        "pluggy": ("dev", "uv.lock, only for the project's dependency group 'dev'"),
        "sphinx": ("docs", "uv.lock, only for the project's optional-dependencies group "
                           "'docs'"),
    }
