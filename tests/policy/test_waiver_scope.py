"""When a waiver that matched nothing may be called unused: only over what really ran."""

from __future__ import annotations

import datetime as dt

import pytest

from gate.policy.model import Waiver
from gate.policy.waiver_scope import candidate_scanners, judged

EXPIRES = dt.date(2030, 1, 1)
SCOPE = {"bandit": frozenset({"src/app.py"}), "semgrep": frozenset({"src/app.py"}),
         "secrets": frozenset({"src/app.py", ".env"})}


def waiver(rule: str | None = "B602", paths: tuple[str, ...] = (),
           fingerprint: str | None = None) -> Waiver:
    return Waiver(reason="r", expires=EXPIRES, rule=rule, paths=paths, fingerprint=fingerprint)


@pytest.mark.parametrize("rule,scanners", [
    ("B602", {"bandit"}),
    ("B6*", {"bandit"}),
    ("python-subprocess-shell-non-literal", {"semgrep"}),
    ("python-*", {"semgrep"}),
    ("PYSEC-2018-28", {"pip-audit"}),
    ("GHSA-aaaa-bbbb-cccc", {"pip-audit"}),
    ("gate/unaudited-dependency", {"pip-audit"}),
    ("template-injection", {"zizmor"}),
    ("kingfisher.github.1", {"secrets"}),
])
def test_candidate_scanners(rule: str, scanners: set[str]) -> None:
    assert candidate_scanners(rule) == scanners


def test_unattributable_rules_name_no_scanner() -> None:
    assert candidate_scanners("*") is None
    assert candidate_scanners("no-such-rule-anywhere") is None
    assert candidate_scanners(None) is None


def test_kingfishers_betterleaks_rules_belong_to_the_secrets_scanner() -> None:
    assert candidate_scanners("betterleaks.github-pat") == {"secrets"}


def test_a_secrets_waiver_is_not_judged_when_secrets_did_not_run() -> None:
    assert not judged(waiver("betterleaks.github-pat"), {"bandit"}, {"bandit"}, SCOPE)


def test_judged_only_when_every_candidate_ran_and_succeeded() -> None:
    assert judged(waiver(), {"bandit", "semgrep"}, {"bandit", "semgrep"}, SCOPE)
    assert not judged(waiver(), {"bandit"}, set(), SCOPE)             # bandit failed
    assert not judged(waiver(), {"semgrep"}, {"semgrep"}, SCOPE)      # bandit did not run
    # an unattributable waiver needs every scanner that ran
    fp = waiver(rule=None, fingerprint="f" * 32)
    assert judged(fp, {"bandit", "semgrep"}, {"bandit", "semgrep"}, SCOPE)
    assert not judged(fp, {"bandit", "semgrep"}, {"bandit"}, SCOPE)


def test_paths_must_meet_a_scanned_file() -> None:
    assert judged(waiver(paths=("src/**",)), {"bandit"}, {"bandit"}, SCOPE)
    assert not judged(waiver(paths=("tests/**",)), {"bandit"}, {"bandit"}, SCOPE)
    assert not judged(waiver(), {"bandit"}, {"bandit"}, {"bandit": frozenset()})


def test_partial_scans_judge_only_waivers_with_paths() -> None:
    assert not judged(waiver(), {"bandit"}, {"bandit"}, SCOPE, partial=True)
    assert judged(waiver(paths=("src/**",)), {"bandit"}, {"bandit"}, SCOPE, partial=True)
    assert not judged(waiver(), {"bandit"}, {"bandit"}, None, partial=True)
    assert judged(waiver(), {"bandit"}, {"bandit"}, None)
