"""A small repository with findings in several files, for the cache and bandit sharding tests."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import FIXTURES, make_repo

MODULE = '''import hashlib
import subprocess
import yaml


def run_{n}(cmd):
    return subprocess.call(cmd, shell=True)


def digest_{n}(data):
    return hashlib.md5(data).hexdigest()


def load_{n}(text):
    return yaml.load(text)
'''


def repo_files() -> dict[str, str]:
    """Six modules with findings, one clean module and one that does not parse."""
    files = {f"pkg/mod{n}.py": MODULE.format(n=n) + "\n" * n for n in range(6)}
    files["pkg/clean.py"] = "def add(a, b):\n    return a + b\n"
    files["pkg/broken.py"] = "def broken(:\n    pass\n"
    return files


def make_findings_repo(path: Path) -> Path:
    """The repository at ``path``: these modules over a copy of the ``core/vulnerable`` fixture."""
    return make_repo(path, files=repo_files(), source=FIXTURES / "core/vulnerable")
