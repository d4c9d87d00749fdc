"""Reachability: what first-party files import or run, and a lock file's graph."""

from __future__ import annotations

from pathlib import Path

import pytest
import tomli

from gate.deps.reachability import (
    IMPORTED,
    NOT_IMPORTED,
    UNKNOWN,
    Reach,
    analyse,
    collect,
    is_source,
    load_names,
    lock_graph,
)

TESTS = ("tests/**", "**/tests/**", "test_*.py", "*_test.py", "conftest.py")


def _write(root: Path, files: dict[str, str]) -> list[str]:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return sorted(files)


def test_the_shipped_mapping_loads_and_names_the_usual_differences() -> None:
    names = load_names()
    raw = tomli.loads((Path(__file__).parents[2] / "gate" / "deps" / "import_names.toml")
                      .read_text(encoding="utf-8"))
    assert set(raw) == {"imports", "scripts", "implied"}
    for dist, module in [("PyYAML", "yaml"), ("beautifulsoup4", "bs4"), ("Pillow", "PIL"),
                         ("python-dateutil", "dateutil"), ("scikit-learn", "sklearn"),
                         ("opencv-python", "cv2"), ("PyJWT", "jwt"),
                         ("djangorestframework", "rest_framework")]:
        assert module in names.import_names(dist), dist
    assert names.import_names("Flask-Login") == ("flask_login",)
    assert names.import_names("some.dist") == ("some_dist",)  # the normalised default
    assert "waitress-serve" in names.script_names("waitress")
    assert names.script_names("gunicorn")[-1] == "gunicorn"


def test_python_uses(tmp_path: Path) -> None:
    files = _write(tmp_path, {
        "app/main.py": "import yaml\nfrom PIL import Image\nimport os.path\n"
                       "from typing import TYPE_CHECKING\n"
                       "if TYPE_CHECKING:\n    import jwt\nelse:\n    import bs4\n"
                       "from . import sibling\n",
        "app/settings.py": "INSTALLED_APPS = ['django.contrib.admin', 'rest_framework']\n"
                           "MIDDLEWARE = ('corsheaders.middleware.CorsMiddleware',)\n"
                           "BACKEND = 'celery_redis.backend:Backend'\n"
                           "NOTE = 'a sentence. not a module'\nWORD = 'sklearn'\n",
        "app/loader.py": "import importlib\nmod = importlib.import_module('dateutil')\n",
        "tests/test_main.py": "import cv2\n",
        "app/conftest.py": "import sqlalchemy\n",
    })
    uses = collect(tmp_path, files, TESTS)
    assert uses.modules["yaml"] == "app/main.py:1"
    assert uses.modules["PIL.Image"] == "app/main.py:2"
    assert "jwt" not in uses.modules  # under TYPE_CHECKING: a type only
    assert uses.modules["bs4"] == "app/main.py:8"  # its else branch runs
    assert "sibling" not in uses.modules  # relative: first-party
    assert uses.modules["rest_framework"] == "app/settings.py:1"
    assert uses.modules["corsheaders.middleware.CorsMiddleware"] == "app/settings.py:2"
    assert uses.modules["celery_redis.backend"] == "app/settings.py:3"
    assert "sklearn" not in uses.modules  # a bare word alone is no module name
    assert uses.modules["dateutil"] == "app/loader.py:2"
    assert "cv2" not in uses.modules and "sqlalchemy" not in uses.modules  # tests class
    assert uses.unreadable == []


def test_commands(tmp_path: Path) -> None:
    files = _write(tmp_path, {
        "Dockerfile": "FROM python:3.12\nRUN pip install -r requirements.txt && \\\n"
                      "    python -m compileall .\n"
                      'ENTRYPOINT ["/usr/local/bin/tini", "--"]\n'
                      "CMD sh -c 'alembic upgrade head && exec uvicorn app:app'\n",
        "Procfile": "web: FOO=1 gunicorn app.wsgi\nworker: celery -A app worker\n",
        "docker-compose.yml": "services:\n  web:\n    command: [\"daphne\", \"app.asgi:app\"]\n"
                              "  beat:\n    command:\n      - hypercorn\n      - app:app\n",
        ".github/workflows/ci.yml": "jobs:\n  t:\n    steps:\n      - run: |\n"
                                    "          poetry run waitress-serve app:app\n"
                                    "          python3 -m flake8 .\n",
        "scripts/start.sh": "#!/bin/sh\nexec supervisord -c conf\n",
        "docs/readme.txt": "gunicorn\n",
    })
    assert [f for f in files if not is_source(f)] == ["docs/readme.txt"]
    uses = collect(tmp_path, files)
    assert uses.commands["pip"] == "Dockerfile:2"
    assert uses.modules["compileall"] == "Dockerfile:2"  # python -m
    assert uses.commands["tini"] == "Dockerfile:4"
    assert uses.commands["alembic"] == "Dockerfile:5"  # inside sh -c
    assert uses.commands["uvicorn"] == "Dockerfile:5"
    assert uses.commands["gunicorn"] == "Procfile:1"
    assert uses.commands["celery"] == "Procfile:2"
    assert uses.commands["daphne"] == "docker-compose.yml:3"
    assert uses.commands["hypercorn"] == "docker-compose.yml:5"
    assert uses.commands["waitress-serve"] == ".github/workflows/ci.yml:5"
    assert uses.modules["flake8"] == ".github/workflows/ci.yml:6"
    assert uses.commands["supervisord"] == "scripts/start.sh:2"
    assert "requirements.txt" not in uses.commands and "app.wsgi" not in uses.commands


POETRY_LOCK = """[[package]]
name = "Flask"
version = "1.0"

[package.dependencies]
Jinja2 = ">=2.10"
itsdangerous = ">=0.24"

[[package]]
name = "jinja2"
version = "2.10"

[package.dependencies]
MarkupSafe = ">=0.23"

[package.extras]
i18n = ["Babel (>=0.8)"]

[[package]]
name = "markupsafe"
version = "1.0"

[[package]]
name = "itsdangerous"
version = "0.24"

[[package]]
name = "babel"
version = "2.0"

[[package]]
name = "unused"
version = "1.0"
"""


def test_poetry_graph_and_answers(tmp_path: Path) -> None:
    files = _write(tmp_path, {"poetry.lock": POETRY_LOCK, "app.py": "from flask import Flask\n"})
    graph = lock_graph(tmp_path, ["poetry.lock"])
    assert graph is not None
    assert graph.edges["jinja2"] == {"markupsafe", "babel"}  # extras count: never narrower
    reach = analyse(tmp_path, files, ["poetry.lock"])
    assert reach.of("Flask") == Reach(IMPORTED, "app.py:1")
    assert reach.of("MarkupSafe") == Reach(IMPORTED, "app.py:1", via="flask")
    assert reach.of("MarkupSafe").label == "imported (via flask)"
    assert reach.of("unused") == Reach(NOT_IMPORTED)
    assert reach.of("not-in-the-lock") == Reach(UNKNOWN)  # the graph does not know it


def test_the_project_itself_is_no_root(tmp_path: Path) -> None:
    """uv.lock's own entry depends on everything: importing the project reaches nothing."""
    files = _write(tmp_path, {
        "uv.lock": 'version = 1\n[[package]]\nname = "app"\nversion = "0.1"\n'
                   'source = { editable = "." }\ndependencies = [{ name = "six" }]\n'
                   '[[package]]\nname = "six"\nversion = "1.0"\n',
        "app/__init__.py": "", "run.py": "import app\n"})
    assert analyse(tmp_path, files, ["uv.lock"]).of("six") == Reach(NOT_IMPORTED)


@pytest.mark.parametrize("broken", ["def (:\n", "x = '\0'\n"])
def test_a_file_that_does_not_parse_is_never_not_imported(tmp_path: Path, broken: str) -> None:
    files = _write(tmp_path, {"poetry.lock": POETRY_LOCK, "app.py": "import flask\n",
                              "broken.py": broken})
    reach = analyse(tmp_path, files, ["poetry.lock"])
    assert reach.uses.unreadable == ["broken.py"]
    assert reach.of("unused") == Reach(UNKNOWN)
    assert reach.of("flask").value == IMPORTED


def test_no_lock_no_graph(tmp_path: Path) -> None:
    files = _write(tmp_path, {"app.py": "import flask\n", "poetry.lock": "not [ toml"})
    reach = analyse(tmp_path, files, ["poetry.lock"])
    assert reach.graph is None
    assert reach.of("unused") == Reach(UNKNOWN)
    assert reach.of("flask") == Reach(IMPORTED, "app.py:1")


def test_a_partial_scan_concludes_nothing_from_absence(tmp_path: Path) -> None:
    """--changed-since, the hook or a sub-folder: the importing file may be elsewhere."""
    files = _write(tmp_path, {"poetry.lock": POETRY_LOCK, "app.py": "import flask\n"})
    reach = analyse(tmp_path, files, ["poetry.lock"], complete=False)
    assert reach.of("unused") == Reach(UNKNOWN)
    assert reach.of("markupsafe").label == "imported (via flask)"


def test_drivers_loaded_by_name_count_as_imported(tmp_path: Path) -> None:
    """Django's ENGINE and database URLs load a driver no first-party line imports."""
    files = _write(tmp_path, {
        "site/settings.py": "import django\nDATABASES = {'default': {'ENGINE': "
                            "'django.db.backends.postgresql'}}\n",
        "worker.py": "import os\nBROKER = os.environ.get('BROKER', 'redis://localhost:6379/0')\n"
                     "DB = 'mysql+pymysql://u@h/db'\n",
        "poetry.lock": POETRY_LOCK})
    reach = analyse(tmp_path, files, ["poetry.lock"])
    assert reach.of("psycopg2-binary") == Reach(IMPORTED, "site/settings.py:2")
    assert reach.of("redis") == Reach(IMPORTED, "worker.py:2")
    assert reach.of("PyMySQL") == Reach(IMPORTED, "worker.py:3")
    assert reach.of("mysqlclient") == Reach(IMPORTED, "worker.py:3")  # url:mysql
    # `import django` alone loads no driver
    assert reach.uses.first_place("asyncpg", load_names()) is None
