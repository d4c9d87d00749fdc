"""The taint packs for Python web code (policies/rules/web-*.yml), held to the detection corpus.

Each taint rule names outside data with the one shared definition (web_sources.yml), and
the real semgrep, run with every web pack over tests/fixtures/detection/, hits each true
case of its weakness and no decoy (a hit: a result in the case's file whose first CWE is of
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

from gate.process import tool_path
from gate.scanners.semgrep.rulepacks import rules_dir
from gate.scanners.semgrep.targets import PACKS_BY_KIND, WEB_PACKS
from gate.weakness import same_family
from tests.helpers import FIXTURES

CORPUS = FIXTURES / "detection"
SOURCES = Path(__file__).with_name("web_sources.yml")
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


@pytest.fixture(scope="module")
def verdicts() -> dict[str, tuple[bool, bool]]:
    """Each corpus case -> (labelled a flaw, hit by the web packs)."""
    files = sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.suffix != ".pyc")
    labels: dict[str, tuple[bool, int]] = {}
    for path in files:
        match = MARKER.search(path.read_text(encoding="utf-8", errors="replace"))
        if match:
            labels[path.relative_to(CORPUS).as_posix()] = (match[1] == "true", int(match[2]))
    argv = [tool_path("semgrep"), "scan", "--metrics=off", "--disable-version-check", "--json",
            "--quiet",
            *(f"--config={rules_dir() / pack}" for pack in (*WEB_PACKS, *TEMPLATE_PACKS)),
            "--",
            *(str(CORPUS / rel) for rel in sorted(labels))]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=600, check=False)
    data = json.loads(done.stdout)
    assert data["errors"] == []
    found: dict[str, list[int]] = {}
    for result in data["results"]:
        rel = Path(result["path"]).resolve().relative_to(CORPUS.resolve()).as_posix()
        cwe = result["extra"]["metadata"]["cwe"][0]
        found.setdefault(rel, []).append(int(re.search(r"\d+", cwe).group(0)))
    return {rel: (flaw, any(same_family(c, cwe) for c in found.get(rel, ())))
            for rel, (flaw, cwe) in labels.items()}


def test_the_web_packs_match_the_corpus_labels(verdicts: dict[str, tuple[bool, bool]]) -> None:
    wrong = sorted(rel for rel, (flaw, hit) in verdicts.items() if flaw != hit and rel not in KNOWN)
    assert wrong == []
    assert sorted(rel for rel in KNOWN if rel in verdicts and verdicts[rel][0] == verdicts[rel][1]
                  ) == [], "a known miss now matches its label: drop it from KNOWN"
