"""gate.scan.reclass: relaxed paths imported by code, or included by a production manifest."""

from __future__ import annotations

from pathlib import Path

from gate.policy.load import load
from gate.scan.reclass import judged_as_code


def _write(root: Path, files: dict[str, str]) -> list[str]:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return sorted(files)


def test_imports_and_includes(tmp_path: Path) -> None:
    files = _write(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/tests/__init__.py": "",
        "pkg/tests/helpers.py": "X = 1\n",
        "pkg/tests/test_a.py": "from ..tests import helpers\n",
        "pkg/main.py": "from .tests.helpers import X\n",
        "src/test_utils.py": "Y = 2\n",
        "src/app.py": "def f(:\nimport test_utils\n",  # no parse: the line pattern
        "tests/test_only.py": "import pkg.main\n",
        "requirements.txt": "-r requirements/test.txt\n",
        "requirements/test.txt": "requests==2.19.0\n",
        "requirements-test.txt": "-r requirements.txt\n",
    })
    found = judged_as_code(tmp_path, files, load(tmp_path, None))
    assert set(found) == {"pkg/tests/helpers.py", "src/test_utils.py",
                          "requirements/test.txt"}
    assert found["pkg/tests/helpers.py"] == "imported by pkg/main.py, which is code"
    assert found["requirements/test.txt"].startswith("included by requirements.txt")


def test_a_development_manifest_including_a_relaxed_one_relaxes_nothing(
        tmp_path: Path) -> None:
    """``requirements-dev.txt`` is in no path class, but only development installs it: what
    it includes from ``tests/`` or ``docs/`` stays relaxed; what ``requirements.txt``
    includes is code."""
    files = _write(tmp_path, {
        "requirements-dev.txt": "-r tests/requirements.txt\n-r docs/requirements.txt\n",
        "tests/requirements.txt": "pytest==8.0.0\n",
        "docs/requirements.txt": "sphinx==7.0.0\n",
        "requirements.txt": "-r docs/requirements.txt\n",
    })
    found = judged_as_code(tmp_path, files, load(tmp_path, None))
    assert found == {"docs/requirements.txt": "included by requirements.txt, a manifest in "
                                              "no relaxed class"}
