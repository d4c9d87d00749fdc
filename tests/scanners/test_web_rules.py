"""The taint packs for Python web code (policies/rules/web-*.yml), held to the detection corpus.

Each taint rule names outside data with the one shared definition (web_sources.yml), and
the real semgrep, run with every web pack over tests/fixtures/detection/ and the cases
written at run time (bench/detection_generated.py: credentials in real formats), hits each
true case of its weakness and no decoy (a hit: a result in the case's file whose first CWE is of
the case's family). The corpus's full scoring, with bandit and the policy, is
bench/detection.py; this test keeps the rules from drifting below what was measured.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from bench.detection_generated import cases as generated_cases
from gate.process import tool_path
from gate.scanners.semgrep.rulepacks import rules_dir
from gate.scanners.semgrep.targets import OUTSIDE_DATA_PACKS, PACKS_BY_KIND, WEB_PACKS
from gate.weakness import same_family
from tests.helpers import FIXTURES

CORPUS = FIXTURES / "detection"
SOURCES = Path(__file__).with_name("web_sources.yml")
SANITISERS = Path(__file__).with_name("web_sanitisers.yml")
MARKER = re.compile(r"detection: (true|decoy) CWE-(\d+)")
# Template files of the corpus (XSS in Django and Jinja templates) are read by the template
# pack, in the same run.
TEMPLATE_PACKS = PACKS_BY_KIND["template"]

# Cases the web packs are known to miss or to hit wrongly, each with the reason; everything
# else must match its label.
KNOWN: dict[str, str] = {
    "cookies/django_settings_session_not_secure.py":
        "Django's SESSION_COOKIE_SECURE = False is settings.yml's django-session-cookie-not-secure"
        " (medium: Django's own global_settings.py holds the default), not a web pack's",
    "path/django_tar_upload_unfiltered.py": "an archive extracted without filter= is "
    "python.yml's python-tarfile-extract-without-filter (CWE-22, high) whatever its source; "
    "no web pack repeats it",
    "hardcoded-credentials/django_settings_secret_key.py":
        "settings.yml's django-hardcoded-secret-key finds it; the web pack leaves SECRET_KEY to it",
    "hardcoded-credentials/flask_app_secret_key.py":
        "settings.yml's flask-hardcoded-secret-key finds it; the web pack leaves secret_key to it",
}


def taint_rules() -> list[tuple[str, dict[str, Any]]]:
    rules = []
    for pack in WEB_PACKS:
        for rule in yaml.safe_load((rules_dir() / pack).read_text(encoding="utf-8"))["rules"]:
            if rule.get("mode") == "taint":
                rules.append((pack, rule))
    return rules


def test_every_web_taint_rule_uses_the_shared_definition_of_outside_data() -> None:
    shared = yaml.safe_load(SOURCES.read_text(encoding="utf-8"))
    assert taint_rules()
    for pack, rule in taint_rules():
        sources = [{k: v for k, v in s.items() if k not in ("label", "requires")}
                   for s in rule["pattern-sources"]]
        assert shared in sources, f"{pack}: {rule['id']}"


def test_every_outside_data_rule_lists_the_shared_sanitisers_first_word_for_word() -> None:
    # Semgrep matches a sanitiser entry once per file for every rule that lists the same text,
    # so the shared entries cost one rule's matching; an edited copy costs one per rule again.
    shared = yaml.safe_load(SANITISERS.read_text(encoding="utf-8"))
    outside = [(pack, rule) for pack, rule in taint_rules() if pack in OUTSIDE_DATA_PACKS]
    assert len(outside) >= len(OUTSIDE_DATA_PACKS)
    for pack, rule in outside:
        assert rule["pattern-sanitizers"][:len(shared)] == shared, f"{pack}: {rule['id']}"


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[bool, bool]]:
    """Each corpus case (committed or generated) -> (labelled a flaw, hit by the web packs)."""
    generated = tmp_path_factory.mktemp("generated")
    for rel, text in generated_cases().items():
        (generated / rel).parent.mkdir(parents=True, exist_ok=True)
        (generated / rel).write_text(text, encoding="utf-8")
    files = {p.relative_to(root).as_posix(): p
             for root in (CORPUS, generated)
             for p in sorted(root.rglob("*")) if p.is_file() and p.suffix != ".pyc"}
    labels: dict[str, tuple[bool, int]] = {}
    for rel, path in files.items():
        match = MARKER.search(path.read_text(encoding="utf-8", errors="replace"))
        if match:
            labels[rel] = (match[1] == "true", int(match[2]))
    by_path = {str(files[rel].resolve()): rel for rel in labels}
    argv = [tool_path("semgrep"), "scan", "--metrics=off", "--disable-version-check", "--json",
            "--quiet",
            *(f"--config={rules_dir() / pack}" for pack in (*WEB_PACKS, *TEMPLATE_PACKS)),
            "--",
            *(str(files[rel]) for rel in sorted(labels))]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=600, check=False)
    data = json.loads(done.stdout)
    assert data["errors"] == []
    found: dict[str, list[int]] = {}
    for result in data["results"]:
        rel = by_path[str(Path(result["path"]).resolve())]
        cwe = result["extra"]["metadata"]["cwe"][0]
        found.setdefault(rel, []).append(int(re.search(r"\d+", cwe).group(0)))
    return {rel: (flaw, any(same_family(c, cwe) for c in found.get(rel, ())))
            for rel, (flaw, cwe) in labels.items()}


@pytest.mark.slow  # semgrep over the whole detection corpus (~25 s); each web rule's annotated
# fixtures in test_rule_packs.py run in the fast tier
def test_the_web_packs_match_the_corpus_labels(verdicts: dict[str, tuple[bool, bool]]) -> None:
    wrong = sorted(rel for rel, (flaw, hit) in verdicts.items() if flaw != hit and rel not in KNOWN)
    assert wrong == []
    assert sorted(rel for rel in KNOWN if rel in verdicts and verdicts[rel][0] == verdicts[rel][1]
                  ) == [], "a known miss now matches its label: drop it from KNOWN"
