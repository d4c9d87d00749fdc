"""The semgrep adapter with the real semgrep and the shipped packs: rule ids exactly as in the
YAML, severities from the rules' metadata, ``# nosemgrep`` left to the gate, and the second
run for Dockerfiles semgrep does not know by name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gate.findings import Confidence, Finding, InlineSuppression, Location, Severity
from gate.runs import ScanResult
from gate.scanners.interface import ScanContext
from gate.scanners.semgrep import rulepacks
from gate.scanners.semgrep.adapter import SemgrepScanner
from gate.scanners.semgrep.targets import NEEDS, PACKS_BY_KIND, packs_for
from tests.helpers import fake_tool

APP = '''import subprocess
import yaml


def run(cmd):
    subprocess.call("report " + cmd, shell=True)  # nosemgrep


def load(text):
    return yaml.load(text)
'''
DOCKERFILE = "FROM python:latest\nRUN curl -fsSL https://example.com/i.sh | sh\n"
FILES = {
    "app.py": APP,
    "Dockerfile": DOCKERFILE,
    "deploy/notes.yml": "title: not a manifest\n",
    "README.md": "subprocess.call(x, shell=True)\n",
}


def write(root: Path, files: dict[str, str]) -> list[str]:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return sorted(files)


def scan(root: Path, files: list[str], timeout: float = 120) -> ScanResult:
    scanner = SemgrepScanner()
    return scanner.scan(ScanContext(root=root, files=tuple(scanner.select(files, root)),
                                    timeout=timeout))


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    root = tmp_path_factory.mktemp("semgrep")
    return root, write(root, FILES)


@pytest.fixture(scope="module")
def result(repo: tuple[Path, list[str]]) -> ScanResult:
    return scan(*repo)


def by_rule(result: ScanResult) -> dict[str, Finding]:
    return {f.rule_id: f for f in result.findings}


def test_select_takes_only_files_a_pack_applies_to(repo: tuple[Path, list[str]]) -> None:
    root, files = repo
    assert SemgrepScanner().select(files, root) == ["Dockerfile", "app.py"]


def test_findings_carry_the_yaml_ids_at_their_lines(result: ScanResult) -> None:
    assert result.run.ok, result.run.error
    assert {(f.rule_id, f.location.path, f.location.start_line) for f in result.findings} == {
        ("dockerfile-base-image-unpinned", "Dockerfile", 1),
        ("dockerfile-curl-pipe-shell", "Dockerfile", 2),
        ("python-subprocess-shell-non-literal", "app.py", 6),  # '# nosemgrep' is the gate's
        ("python-yaml-unsafe-load", "app.py", 10),
    }
    assert set(by_rule(result)) <= rulepacks.all_rule_ids()
    assert all(f.suppression is None for f in result.findings)


def test_severity_confidence_cwe_and_tags_come_from_the_rule_metadata(
        result: ScanResult) -> None:
    found = by_rule(result)
    shell = found["python-subprocess-shell-non-literal"]
    # medium: the sink with no known source (web-command-injection fails on request data)
    assert (shell.severity, shell.confidence) == (Severity.MEDIUM, Confidence.HIGH)
    assert shell.location == Location("app.py", 6, 5, 6, 49)
    assert shell.cwe == (78,)
    assert shell.rule_name == "subprocess with shell=True and a non-constant command"
    assert shell.help_uri == "https://docs.python.org/3/library/subprocess.html" \
        "#security-considerations"
    assert shell.remediation.startswith("Drop shell=True")
    assert shell.tags == ("security", "python")
    unpinned = found["dockerfile-base-image-unpinned"]
    assert (unpinned.severity, unpinned.cwe, unpinned.tags) == (
        Severity.MEDIUM, (1357,), ("security", "dockerfile"))
    assert found["dockerfile-curl-pipe-shell"].severity is Severity.HIGH


def test_run_record_names_packs_not_install_paths(result: ScanResult) -> None:
    run = result.run
    assert (run.version, run.exit_code, run.files) == ("1.185.0", 0, 2)
    assert run.arguments == (
        "scan", "--experimental", "--metrics=off", "--disable-version-check", "--json",
        "--disable-nosem", "--verbose", "--max-target-bytes=0", "--timeout=30",
        # app.py holds none of the words the packs of NEEDS need: one run, without them
        *(f"--config=policies/rules/{pack}" for pack in packs_for({"python", "dockerfile"})
          if pack not in NEEDS))
    assert run.skipped == ()


def test_unknown_dockerfile_names_get_their_own_run_planned() -> None:
    ctx = ScanContext(root=Path("."), files=("app.py", "Containerfile"), timeout=40)
    shown = SemgrepScanner().run_arguments(ctx)
    first, *conditional, last = " ".join(shown).split(" && ")
    assert first.endswith(" ".join(f"--config=policies/rules/{pack}" for pack in (
        PACKS_BY_KIND["python"]) if pack not in NEEDS))
    assert "--timeout=10" in first
    # app.py cannot be read here: it is given to every pack of NEEDS (nothing left out)
    assert {arg.removeprefix("--config=policies/rules/") for run in conditional
            for arg in run.split() if arg.startswith("--config=")} == set(NEEDS)
    assert last.endswith("--scan-unknown-extensions --config=policies/rules/dockerfile.yml")


@pytest.mark.slow  # two more semgrep processes (~5 s)
def test_containerfile_is_scanned_in_the_second_run(tmp_path: Path) -> None:
    files = write(tmp_path, {"Containerfile": DOCKERFILE, "Dockerfile.prod": DOCKERFILE,
                             "app.py": APP})
    result = scan(tmp_path, files)
    assert result.run.ok, result.run.error
    assert "&&" in result.run.arguments and "--scan-unknown-extensions" in result.run.arguments
    located = {(f.rule_id, f.location.path, f.location.start_line) for f in result.findings}
    assert {("dockerfile-curl-pipe-shell", "Containerfile", 2),
            ("dockerfile-curl-pipe-shell", "Dockerfile.prod", 2),
            ("python-yaml-unsafe-load", "app.py", 10)} <= located


TEMPLATE = """{% extends "base.html" %}
{% block content %}<div>{{ post.body|safe }}</div>{{ "<hr>"|safe }}{% endblock %}
"""


@pytest.mark.slow  # one more semgrep process (~4 s)
def test_templates_share_the_python_run_and_only_templates_get_the_template_rules(
        tmp_path: Path) -> None:
    files = write(tmp_path, {
        "app.py": 'PAGE = "{{ x|safe }} {% autoescape off %}"\n',
        "blog/templates/blog/post.html": TEMPLATE,
        "mail/welcome.j2": "{% autoescape false %}Hi {{ name }}{% endautoescape %}\n",
        "site/static.html": "<p>{{ x|safe }} is shown literally here</p>\n",
        "site/plain.html": "<p>no tags</p>\n",
        "notes.txt": TEMPLATE,
    })
    scanner = SemgrepScanner()
    assert scanner.select(files, tmp_path) == [
        "app.py", "blog/templates/blog/post.html", "mail/welcome.j2", "site/static.html"]
    result = scan(tmp_path, files)
    assert result.run.ok, result.run.error
    assert "&&" not in result.run.arguments
    assert "--config=policies/rules/templates.yml" in result.run.arguments
    assert result.run.skipped == ()
    assert {(f.rule_id, f.location.path, f.location.start_line, f.tags) for f in result.findings
            } == {
        ("template-safe-filter", "blog/templates/blog/post.html", 2, ("security", "template")),
        ("template-autoescape-off", "mail/welcome.j2", 1, ("security", "template")),
        ("template-safe-filter", "site/static.html", 1, ("security", "template")),
    }
    assert {(f.rule_id, f.severity, f.cwe) for f in result.findings} == {
        ("template-safe-filter", Severity.MEDIUM, (79,)),
        ("template-autoescape-off", Severity.HIGH, (79,))}


def test_raw_argv_points_at_the_installed_packs(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": APP})
    argv = SemgrepScanner().raw_argv(tmp_path, ["app.py", "notes.txt"])
    assert argv[-2:] == ["--", "app.py"]
    assert f"--config={rulepacks.rules_dir() / 'python.yml'}" in argv
    assert SemgrepScanner().raw_argv(tmp_path, ["notes.txt"]) == []


def test_cache_config_changes_with_the_timeout() -> None:
    scanner = SemgrepScanner()
    short = scanner.cache_config(ScanContext(Path("."), (), 40))
    long = scanner.cache_config(ScanContext(Path("."), (), 400))
    assert short["packs"] == rulepacks.packs_digest(rulepacks.available_packs())
    assert short != long


@pytest.mark.parametrize("comment,rules,reason", [
    ("# nosemgrep", (), ""),
    ("# nosemgrep: python-yaml-unsafe-load", ("python-yaml-unsafe-load",), ""),
    ("# nosemgrep: a-rule,b-rule reviewed by security", ("a-rule", "b-rule"),
     "reviewed by security"),
    ("# nosem", (), ""),
])
def test_nosemgrep_comments(comment: str, rules: tuple[str, ...], reason: str) -> None:
    assert SemgrepScanner().parse_suppressions(comment) == [
        InlineSuppression("nosemgrep", rules, reason)]


def test_nosemgrep_applies_to_semgrep_findings_by_id_or_its_tail() -> None:
    scanner = SemgrepScanner()
    finding = Finding("semgrep", "python-yaml-unsafe-load", "r", "m", Severity.HIGH,
                      Confidence.HIGH, Location("app.py", 1), "f")
    [bare] = scanner.parse_suppressions("# nosemgrep")
    [named] = scanner.parse_suppressions("# nosemgrep: python-yaml-unsafe-load")
    [other] = scanner.parse_suppressions("# nosemgrep: python-eval")
    assert scanner.suppression_applies(bare, finding)
    assert scanner.suppression_applies(named, finding)
    assert not scanner.suppression_applies(other, finding)
    assert not scanner.suppression_applies(bare, Finding(
        "bandit", "B602", "r", "m", Severity.HIGH, Confidence.HIGH, Location("app.py", 1), "f"))
    assert scanner.parse_suppressions("# nosec") == []
    assert scanner.describe_suppression(named) == "# nosemgrep: python-yaml-unsafe-load"
    assert scanner.describe_suppression(bare) == "# nosemgrep"


def _fake_semgrep(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, output: dict) -> None:
    command = fake_tool(tmp_path / "semgrep.py", f"print({json.dumps(output)!r})")
    monkeypatch.setenv("GATE_SEMGREP_COMMAND", command)


def test_a_file_semgrep_reports_an_error_for_is_skipped(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """semgrep's per-file timeouts cannot be produced on demand: a stand-in prints one."""
    files = write(tmp_path, {"app.py": APP})
    _fake_semgrep(tmp_path, monkeypatch, {"version": "1.185.0", "results": [], "errors": [
        {"type": ["Timeout", "x"], "path": "./app.py", "level": "warn"}, "not an object"]})
    result = scan(tmp_path, files)
    assert result.run.ok, result.run.error
    assert [(s.path, s.reason) for s in result.run.skipped] == [("app.py", "Timeout")]


def test_an_error_without_a_path_fails_the_run(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    files = write(tmp_path, {"app.py": APP})
    _fake_semgrep(tmp_path, monkeypatch, {"version": "1.185.0", "results": [], "errors": [
        {"type": "InvalidRuleSchemaError", "level": "error", "message": "bad rule"}]})
    result = scan(tmp_path, files)
    assert not result.run.ok
    assert result.run.error == "reported an error: InvalidRuleSchemaError"
    assert result.run.version == "1.185.0"


def test_severity_words_and_cwe_forms_from_metadata(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    files = write(tmp_path, {"app.py": APP})

    def item(line: int, meta: dict, native: str) -> dict:
        return {"check_id": "tmp.policies.rules.python-yaml-unsafe-load", "path": "app.py",
                "start": {"line": line, "col": 1}, "end": {"line": line, "col": 9},
                "extra": {"message": "m", "severity": native, "metadata": meta}}

    _fake_semgrep(tmp_path, monkeypatch, {"version": "1.185.0", "errors": [], "results": [
        item(6, {"severity": "critical", "cwe": ["CWE-78: OS Command Injection", "CWE-88"]},
             "ERROR"),
        item(7, {"cwe": "CWE-502: Deserialization", "confidence": "low"}, "WARNING"),
        item(8, {}, "INFO"),
        item(9, {}, "INVENTORY"),
        item(10, {"cwe": "none"}, "SOMETHING"),
    ]})
    found = {f.location.start_line: f for f in scan(tmp_path, files).findings}
    assert {n: f.rule_id for n, f in found.items()} == dict.fromkeys(
        (6, 7, 8, 9, 10), "python-yaml-unsafe-load")  # the config-path prefix is stripped
    assert [found[n].severity for n in (6, 7, 8, 9, 10)] == [
        Severity.CRITICAL, Severity.MEDIUM, Severity.LOW, Severity.INFO, Severity.MEDIUM]
    assert [found[n].cwe for n in (6, 7, 10)] == [(78, 88), (502,), ()]
    assert found[7].confidence is Confidence.LOW
    assert found[8].confidence is Confidence.MEDIUM


def test_each_pack_of_needs_reads_only_the_files_it_can_match(tmp_path: Path) -> None:
    """A request handler, a token from random and a plain module: the outside-data packs
    read the handler alone, the weak-random pack the token module alone, and the findings
    are the same as with every pack on every file."""
    files = write(tmp_path, {
        "views.py": "import subprocess\nfrom flask import request\n\n\n"
                    "def run():\n    return subprocess.call(request.args['c'], shell=True)\n",
        "tokens.py": "import random\n\n\ndef reset():\n"
                     "    reset_token = str(random.getrandbits(64))\n    return reset_token\n",
        "plain.py": "def add(a, b):\n    return a + b\n"})
    scanner = SemgrepScanner()
    runs = scanner.plans(files, tmp_path)
    by_pack = {pack: run.paths for run in runs for pack in run.packs}
    assert by_pack["web-command.yml"] == ("views.py",)
    assert by_pack["web-weak-random.yml"] == ("tokens.py",)
    assert "web-weak-hash.yml" not in by_pack and "python-sql-strings.yml" not in by_pack
    assert by_pack["python.yml"] == ("plain.py", "tokens.py", "views.py")
    found = scan(tmp_path, files)
    assert sorted((f.rule_id, f.location.path) for f in found.findings) == [
        ("python-insecure-random-for-secret", "tokens.py"),
        ("python-subprocess-shell-non-literal", "views.py"),
        ("web-command-injection", "views.py")]
    every = [run for run in scanner.plans(files, tmp_path, every_pack=True)]
    assert len(every) == 1 and set(every[0].packs) >= set(NEEDS)


@pytest.mark.parametrize(("cores", "each"), [(1, 1), (2, 1), (4, 2), (5, 2)])
def test_runs_at_once_share_the_scan_s_cores(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              cores: int, each: int) -> None:
    """Two runs at once split the cores (``--jobs 2`` twice on 2 cores burnt 2.6 x the CPU):
    semgrep cannot show the ``--jobs`` it was given, so a stand-in writes it down."""
    files = write(tmp_path, {"views.py": "from flask import request\n", "plain.py": "x = 1\n"})
    log = tmp_path / "jobs.txt"
    command = fake_tool(tmp_path / "semgrep.py", (
        f"open({str(log)!r}, 'a').write(' '.join(a for a in sys.argv if a.startswith('--jobs'))"
        " + '\\n')\n"
        f"print({json.dumps(json.dumps({'version': '1.185.0', 'results': [], 'errors': []}))})"))
    monkeypatch.setenv("GATE_SEMGREP_COMMAND", command)
    scanner = SemgrepScanner()
    result = scanner.scan(ScanContext(root=tmp_path, files=tuple(scanner.select(files, tmp_path)),
                                      timeout=60, jobs=cores))
    assert result.run.ok, result.run.error
    assert log.read_text().split("\n") == [f"--jobs={each}"] * 2 + [""]
