"""The CWE table (MITRE's names and Research-view parents) and every CWE the gate puts on a
finding: the shipped rule packs' metadata, the bandit mapping, zizmor's audits and the
gate's own checks are all in it, under MITRE's names, and each rule's first CWE is the
weakness its id names (a rule about eval must not say CWE-78)."""

from __future__ import annotations

import inspect
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from gate import weakness
from gate.process import run, tool_path
from gate.scanners.bandit.cwe import BANDIT_CWE
from gate.scanners.zizmor import CWES as ZIZMOR_CWES
from gate.weakness.catalog import CATALOG

REPO = Path(__file__).resolve().parents[2]
PACK_FILES = sorted((REPO / "policies" / "rules").glob("*.yml"))
PACK_CWE = re.compile(r"^CWE-(\d+): (.+)$")

# The detection corpus's categories (issue 23): the benchmark scores a hit by family.
DETECTION = {78, 94, 95, 89, 22, 79, 1336, 918, 601, 611, 643, 90, 502, 501, 614, 1004, 328,
             330, 338, 113, 117, 352, 798}
OWN_CHECKS = {798, 451}  # the secrets scanner (kingfisher) and the bidi check

# What a rule or test id (or bandit test name) says it is about -> the first CWE it may
# carry. The first pattern that matches decides, so the specific ones come first.
STATED: list[tuple[str, set[int]]] = [
    (r"partial_path", {426}),
    (r"curl-pipe|remote-url|huggingface", {494}),
    (r"\beval|exec", {95}),
    (r"sql", {89}),
    (r"xpath", {643}),
    (r"ldap", {90}),
    (r"log-injection", {117}),
    (r"header-injection", {113}),
    (r"wildcard_injection", {155}),
    (r"paramiko|shell|subprocess|os-command|command-injection|start_process", {78}),
    (r"template-injection", {1336}),
    (r"xxe", {611}),
    (r"xml", {611, 776}),
    (r"yaml|pickle|marshal|deserial|pytorch_load", {502}),
    (r"hash-for-password", {916}),
    (r"hash|md5", {328}),
    (r"random", {338}),
    (r"debug", {489}),
    (r"bind_all_interfaces", {1327}),
    (r"hardcoded_password", {259}),
    (r"secret-key|secret-in-env", {798}),
    (r"mark_safe|mark-safe|markup|autoescape|mako|xss|safe-filter", {79}),
    (r"session-stores", {501}),
    (r"tarfile", {22}),
    (r"ssl-redirect", {319}),
    (r"redirect", {601}),
    (r"urlopen", {918}),
    (r"jwt", {347}),
    (r"mktemp|tmp", {377}),
    (r"timeout", {400}),
    (r"cert_validation|verif", {295}),
    (r"ssl_with|cipher", {327}),
    (r"cookie-not-secure|cookie-without-secure", {614}),
    (r"cookie-without-httponly", {1004}),
    (r"csrf", {352}),
    (r"allowed-hosts", {20}),
    (r"chmod|permissions", {732}),
    (r"privilege-escalation", {269}),
    (r"privileged|run-as-root|user-root|missing-user|capability|socket-mount|sudo", {250}),
    (r"unpinned", {1357}),
    (r"trojansource", {451}),
    (r"telnet|ftplib|snmp", {319}),
]


def pack_rules() -> list[tuple[str, dict[str, Any]]]:
    return [(path.name, rule) for path in PACK_FILES
            for rule in yaml.safe_load(path.read_text(encoding="utf-8"))["rules"]]


def pack_cwes(rule: dict[str, Any]) -> list[tuple[int, str]]:
    out = []
    for text in rule["metadata"]["cwe"]:
        match = PACK_CWE.match(text)
        assert match, f"{rule['id']}: {text!r} is not 'CWE-N: Name'"
        out.append((int(match[1]), match[2]))
    return out


def stated(name: str) -> set[int] | None:
    for pattern, allowed in STATED:
        if re.search(pattern, name):
            return allowed
    return None


# --- the table ---------------------------------------------------------------------------

def test_the_table_is_well_formed() -> None:
    assert len(CATALOG) > 60
    for cwe, (name, parents) in CATALOG.items():
        assert cwe > 0 and name == name.strip() and "  " not in name and name, cwe
        assert len(set(parents)) == len(parents) and cwe not in parents, cwe


def test_names_parents_and_families() -> None:
    assert weakness.name(328) == "Use of Weak Hash"
    assert weakness.tag(95) == ("CWE-95: Improper Neutralization of Directives in Dynamically "
                                "Evaluated Code ('Eval Injection')")
    assert (weakness.parent(95), weakness.parent(78), weakness.parent(89)) == (94, 77, 943)
    assert weakness.parents(328) == (327, 326)  # primary first
    assert weakness.parent(284) is None and weakness.parent(99999) is None
    assert weakness.parents(99999) == () and not weakness.known(99999)
    with pytest.raises(KeyError):
        weakness.name(99999)
    assert weakness.same_family(95, 94) and weakness.same_family(94, 95)
    assert weakness.same_family(916, 328) and weakness.same_family(328, 326)
    assert weakness.same_family(1004, 732) and weakness.same_family(259, 798)
    assert weakness.same_family(99999, 99999)
    assert not weakness.same_family(95, 78)
    assert not weakness.same_family(95, 74)  # a grandparent is not the family
    assert not weakness.same_family(611, 776)
    assert not weakness.same_family(99999, 94)


def used_cwes() -> dict[int, str]:
    """Every CWE the gate can put first or later on a finding, and who puts it there."""
    used: dict[int, str] = {}
    for pack, rule in pack_rules():
        used.update({cwe: f"{pack} {rule['id']}" for cwe, _ in pack_cwes(rule)})
    for test_id, entry in BANDIT_CWE.items():
        used.update({cwe: f"bandit {test_id}" for cwe in entry.cwe})
    used.update({611: "bandit SAX tests with external entities"})
    for audit, cwes in ZIZMOR_CWES.items():
        used.update({cwe: f"zizmor {audit}" for cwe in cwes})
    used.update({cwe: "the gate's own checks" for cwe in OWN_CHECKS})
    used.update({cwe: "the detection corpus" for cwe in DETECTION})
    return used


def test_every_cwe_the_gate_names_is_in_the_table_with_its_parents() -> None:
    used = used_cwes()
    assert {cwe: who for cwe, who in used.items() if not weakness.known(cwe)} == {}
    missing = {(cwe, p) for cwe in used for p in weakness.parents(cwe) if not weakness.known(p)}
    assert missing == set()


# --- the rule packs ---------------------------------------------------------------------

@pytest.mark.parametrize(("pack", "rule"), pack_rules(), ids=lambda v: v if isinstance(v, str)
                         else v["id"])
def test_pack_cwes_are_mitre_s_and_name_the_rule_s_weakness(pack: str,
                                                             rule: dict[str, Any]) -> None:
    cwes = pack_cwes(rule)
    for cwe, name in cwes:
        assert name == weakness.name(cwe), f"{rule['id']}: CWE-{cwe} is {weakness.name(cwe)!r}"
    first = cwes[0][0]
    assert all(weakness.same_family(first, cwe) for cwe, _ in cwes[1:]), rule["id"]
    allowed = stated(rule["id"])
    assert allowed is None or first in allowed, f"{rule['id']} says CWE-{first}"


def test_the_stated_weakness_check_covers_most_rules() -> None:
    ids = [rule["id"] for _, rule in pack_rules()]
    unmatched = [i for i in ids if stated(i) is None]
    assert len(unmatched) <= len(ids) // 5, unmatched


def test_the_eval_rule_says_eval_injection_and_its_parent() -> None:
    (rule,) = [r for _, r in pack_rules() if r["id"] == "python-eval-request-data"]
    assert [cwe for cwe, _ in pack_cwes(rule)] == [95, 94]


# --- the bandit mapping -----------------------------------------------------------------

def bandit_tests() -> dict[str, str]:
    """Test id -> name, as the installed bandit lists them in --help."""
    result = run([tool_path("bandit"), "--help"], cwd=REPO, timeout=120)
    assert result.returncode == 0, result.stderr
    section = result.stdout.decode().split("The following tests were discovered and loaded:")[1]
    return dict(re.findall(r"^\s+(B\d{3})\s+(\w+)\s*$", section, re.MULTILINE))


def test_the_mapping_reviews_every_test_bandit_ships() -> None:
    shipped = bandit_tests()
    assert len(shipped) > 70
    assert {k: v.name for k, v in BANDIT_CWE.items()} == shipped


def bandit_own_cwe() -> dict[str, set[int]]:
    """Test id -> the CWEs bandit's own source gives it (blacklists and plugins)."""
    from bandit.blacklists import calls, imports
    from bandit.core import extension_loader, issue

    out: dict[str, set[int]] = {}
    for module in (calls, imports):
        for entries in module.gen_blacklist().values():
            for entry in entries:
                out[entry["id"]] = {int(entry["cwe"])}
    names = {v: k for k, v in vars(issue.Cwe).items() if k.isupper() and isinstance(v, int)}
    by_name = {n: i for i, n in names.items()}
    for plugin in extension_loader.MANAGER.plugins:
        source = inspect.getsource(inspect.getmodule(plugin.plugin))
        out[plugin.plugin._test_id] = {by_name[n] for n in
                                       re.findall(r"cwe=issue\.Cwe\.([A-Z_]+)", source)}
    return out


@pytest.mark.filterwarnings("ignore:The verify_requirements argument")  # stevedore, in bandit
def test_bandit_s_own_cwe_is_recorded_as_its_source_says() -> None:
    own = bandit_own_cwe()
    assert {k: {v.bandit} for k, v in BANDIT_CWE.items()} == own


@pytest.mark.parametrize("test_id", sorted(BANDIT_CWE))
def test_each_mapping_names_its_weakness_and_says_why_it_differs(test_id: str) -> None:
    entry = BANDIT_CWE[test_id]
    if entry.name.startswith("import_"):
        assert entry.cwe == (), "an import is no weakness"
        return
    assert entry.cwe, test_id
    first = entry.cwe[0]
    assert all(weakness.parent(first) == c for c in entry.cwe[1:]), test_id
    remapped = entry.cwe != (entry.bandit,)
    assert bool(entry.reason) == remapped, test_id
    assert entry.reason == "" or "\n" not in entry.reason
    allowed = stated(entry.name)
    assert allowed is None or first in allowed, f"{test_id} {entry.name} says CWE-{first}"


def test_the_issue_s_remaps() -> None:
    cwe = {k: v.cwe for k, v in BANDIT_CWE.items()}
    assert (cwe["B324"], cwe["B307"], cwe["B102"], cwe["B506"], cwe["B201"], cwe["B104"]) == (
        (328,), (95, 94), (95, 94), (502,), (489,), (1327,))
    assert {cwe[f"B{n}"] for n in range(313, 320)} == {(776,)}
    assert {cwe[k] for k in cwe if k.startswith("B4")} == {()}
