"""End-to-end: the real bandit and semgrep on small fixture repositories."""

from __future__ import annotations

from pathlib import Path

import pytest

from gate.scanners.semgrep import rulepacks
from tests.helpers import FIXTURES, load_json, make_repo, run_gate, sarif_results, validate_sarif


@pytest.fixture(scope="module")
def vulnerable(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_repo(tmp_path_factory.mktemp("vuln") / "repo", source=FIXTURES / "core/vulnerable")


@pytest.fixture(scope="module")
def vulnerable_scan(vulnerable: Path, tmp_path_factory: pytest.TempPathFactory
                    ) -> tuple[int, dict, dict, str]:
    out = tmp_path_factory.mktemp("out")
    result = run_gate("scan", ".", "--sarif", str(out / "a.sarif"), "--json",
                      str(out / "a.json"), cwd=vulnerable)
    return result.code, load_json(out / "a.sarif"), load_json(out / "a.json"), result.output


def test_vulnerable_repo_fails_with_expected_rules_at_lines(vulnerable_scan) -> None:
    code, sarif, report, output = vulnerable_scan
    assert code == 1, output
    results = sarif_results(sarif)
    # '# nosec B602' on line 10 is applied by the gate (inline_suppressions = "allow"):
    # the finding is waived, so left out of the SARIF and listed in the JSON.
    assert ("bandit", "B602", "app.py", 10) not in results
    assert any(f["rule_id"] == "B602" and f["disposition"] == "waived"
               for f in report["findings"])
    assert ("bandit", "B301", "app.py", 14) in results
    assert ("bandit", "B324", "app.py", 18) in results
    # B506 and semgrep's yaml rule are one issue: one SARIF result, in the lead's run (the
    # semgrep rule, at the higher severity), naming bandit's B506 at the same line.
    assert ("semgrep", "python-yaml-unsafe-load", "app.py", 22) in results
    b506 = [f for f in report["findings"] if (f["scanner"], f["rule_id"], f["path"],
                                               f["start_line"]) == ("bandit", "B506", "app.py", 22)]
    assert len(b506) == 1 and b506[0]["duplicate_of"] is not None
    twin = next(r for run in sarif["runs"] for r in run["results"]
                if r["ruleId"] == "python-yaml-unsafe-load")["properties"]["gate/also-found-by"]
    assert [(t["tool"], t["ruleId"], t["startLine"]) for t in twin] == [("bandit", "B506", 22)]
    # B602 is waived by its '# nosec B602'; semgrep's shell rule on the same line still fails,
    # and the one issue names both tools.
    assert "semgrep/python-subprocess-shell-non-literal" in output and "[also bandit]" in output


def test_repository_tool_config_and_nosec_cannot_switch_scanners_off(vulnerable_scan) -> None:
    """.bandit skips B602 and the line carries '# nosec B602'; .semgrepignore ignores *.py."""
    _, sarif, report, _ = vulnerable_scan
    rules = {(r[0], r[1]) for r in sarif_results(sarif)}
    assert ("bandit", "B602") in {(f["scanner"], f["rule_id"]) for f in report["findings"]}
    semgrep_rules = {r for s, r in rules if s == "semgrep"}
    assert semgrep_rules, "semgrep must scan files a .semgrepignore lists"
    runs = {r["scanner"]: r for r in report["runs"]}
    assert "--ignore-nosec" in runs["bandit"]["arguments"]
    assert "--disable-nosem" in runs["semgrep"]["arguments"]


def test_semgrep_rule_ids_are_exactly_the_yaml_ids(vulnerable_scan) -> None:
    _, sarif, _, _ = vulnerable_scan
    known = frozenset().union(*(rulepacks.rule_ids(p) for p in rulepacks.available_packs()))
    semgrep_run = next(r for r in sarif["runs"] if r["tool"]["driver"]["name"] == "semgrep")
    ids = {res["ruleId"] for res in semgrep_run["results"]}
    assert ids and ids <= known
    assert all("." not in i for i in ids)
    assert {rule["id"] for rule in semgrep_run["tool"]["driver"]["rules"]} == ids


def test_sarif_contract(vulnerable_scan) -> None:
    _, sarif, _, _ = vulnerable_scan
    names = [r["tool"]["driver"]["name"] for r in sarif["runs"]]
    assert sorted(names) == ["bandit", "bidi", "secrets", "semgrep"]
    assert {r["automationDetails"]["id"] for r in sarif["runs"]} == {f"gate/{n}/" for n in names}
    for run in sarif["runs"]:
        inv = run["invocations"][0]
        assert inv["executionSuccessful"] is True
        assert not any("/tmp" in a for a in inv["arguments"])
        for rule in run["tool"]["driver"]["rules"]:
            assert rule["shortDescription"]["text"]
            assert rule["fullDescription"]["text"]
            assert rule["help"]["text"]
            assert 0 < float(rule["properties"]["security-severity"]) <= 10
        for result in run["results"]:
            assert result["partialFingerprints"]["primaryLocationLineHash"]
            uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            assert not uri.startswith("/") and ".." not in uri


@pytest.mark.slow  # two scans with every scanner and the validator (~4 s); SARIF stays
# byte-identical from a cold to a warm run in tests/cache/test_store.py
def test_sarif_is_deterministic_and_valid(vulnerable: Path, tmp_path: Path,
                                          sarif_validator: None) -> None:
    run_gate("scan", ".", "--sarif", str(tmp_path / "1.sarif"), cwd=vulnerable)
    run_gate("scan", ".", "--sarif", str(tmp_path / "2.sarif"), cwd=vulnerable)
    assert (tmp_path / "1.sarif").read_bytes() == (tmp_path / "2.sarif").read_bytes()
    code, tail = validate_sarif(tmp_path / "1.sarif")
    assert code == 0, tail


@pytest.mark.slow  # two scans with every scanner (~4 s); each scanner's fingerprint is tested
# to survive moved lines in tests/scanners/test_bandit.py and test_zizmor.py, the baseline's
# match in tests/core/test_baseline.py
def test_fingerprints_survive_lines_inserted_above(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", source=FIXTURES / "core/vulnerable")
    run_gate("scan", ".", "--sarif", str(tmp_path / "before.sarif"), cwd=repo)
    app = repo / "app.py"
    app.write_text("# one\n# two\n# three\n" + app.read_text())
    run_gate("scan", ".", "--sarif", str(tmp_path / "after.sarif"), cwd=repo)

    def prints(p: Path) -> dict[str, tuple[str, int]]:
        out = {}
        for run in load_json(p)["runs"]:
            for r in run["results"]:
                line = r["locations"][0]["physicalLocation"]["region"]["startLine"]
                out[r["partialFingerprints"]["primaryLocationLineHash"]] = (r["ruleId"], line)
        return out

    before, after = prints(tmp_path / "before.sarif"), prints(tmp_path / "after.sarif")
    assert before.keys() == after.keys()
    assert all(after[k][1] == before[k][1] + 3 for k in before)


def test_fixed_twin_passes(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", source=FIXTURES / "core/fixed")
    result = run_gate("scan", ".", cwd=repo)
    assert result.code == 0, result.output
    assert "PASSED" in result.stdout
    assert "preset:default" in result.stdout


def test_fail_on_override_and_scanner_subset(vulnerable: Path, tmp_path: Path) -> None:
    result = run_gate("scan", ".", "--scanners", "bandit", "--fail-on", "none",
                      "--json", str(tmp_path / "r.json"), cwd=vulnerable)
    assert result.code == 0, result.output
    report = load_json(tmp_path / "r.json")
    assert [r["scanner"] for r in report["runs"]] == ["bandit"]
    assert report["counts"]["fail"] == 0


def test_unknown_scanner_flag_is_usage_error(vulnerable: Path) -> None:
    result = run_gate("scan", ".", "--scanners", "bandit,nope", cwd=vulnerable)
    assert result.code == 2
    assert "nope" in result.stderr and "bandit" in result.stderr


def test_policy_exclude_and_version_flag(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", source=FIXTURES / "core/vulnerable",
                     files={"gate.toml": 'version = 1\nexclude = ["app.py"]\n'})
    result = run_gate("scan", ".", cwd=repo)
    assert result.code == 0, result.output
    assert "gate.toml" in result.stdout
    version = run_gate("--version", cwd=repo)
    assert version.code == 0 and "secops-gate" in version.stdout


def test_unparsable_python_file_is_reported(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", files={"broken.py": "def (:\n", "ok.py": "x = 1\n"})
    result = run_gate("scan", ".", "--json", str(tmp_path / "r.json"), cwd=repo)
    report = load_json(tmp_path / "r.json")
    bandit = next(r for r in report["runs"] if r["scanner"] == "bandit")
    assert [s["path"] for s in bandit["skipped"]] == ["broken.py"]
    assert "broken.py" in result.stdout


def test_binary_files_go_to_the_secrets_scanner_alone(tmp_path: Path) -> None:
    """The commit hook passes every staged file (``types: [file]``): binaries too."""
    from gate.policy.load import load
    from gate.scan.run import plan
    from gate.tree.discovery import discover

    root = make_repo(tmp_path / "repo", {"app.py": "x = 1\n"})
    binary = bytes(range(256)) * 4
    for name in ("logo.png", "keys.bin", "deploy/values.yml", "Dockerfile.bin"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(binary)
    policy = load(root, None)
    work = plan(policy, discover(root, [root], policy.exclude), None)
    binaries = {"logo.png", "keys.bin", "deploy/values.yml", "Dockerfile.bin"}
    assert binaries <= set(work["secrets"])
    for name, files in work.items():
        if name != "secrets":
            assert not binaries & set(files), (name, files)


def test_the_sarif_invocation_and_the_json_run_name_the_semgrep_engine(vulnerable_scan) -> None:
    """Its arguments are the command line, ``scan --experimental`` for the OCaml CLI: on every
    run record, from the cache or not."""
    _, sarif, report, _ = vulnerable_scan
    run = next(r for r in sarif["runs"] if r["tool"]["driver"]["name"] == "semgrep")
    assert run["invocations"][0]["arguments"][:2] == ["scan", "--experimental"]
    semgrep = next(r for r in report["runs"] if r["scanner"] == "semgrep")
    assert semgrep["arguments"][:2] == ["scan", "--experimental"]


def test_scanners_running_at_once_share_the_cores() -> None:
    from gate.scan.run import core_shares

    assert core_shares(["bandit", "semgrep", "secrets"], 2, 2) == {
        "bandit": 1, "semgrep": 1, "secrets": 1}
    assert core_shares(["bandit", "semgrep", "secrets"], 4, 3) == {
        "bandit": 2, "semgrep": 1, "secrets": 1}
    assert core_shares(["semgrep"], 8, 1) == {"semgrep": 8}


def test_the_coverage_line_names_who_read_the_files_no_content_scanner_analysed(
        tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"a.py": "x = 1\n", "notes.txt": "hello\n"})
    result = run_gate("scan", ".", "--no-cache", "--json", str(tmp_path / "r.json"), cwd=repo)
    assert ("2 file(s); 1 analysed by a content scanner; 1 only by the bidi and secrets "
            "scanners; 0 not analysed") in result.output, result.output
    coverage = load_json(tmp_path / "r.json")["coverage"]
    assert (coverage["secrets_only"], coverage["secrets_only_read_by"]) == (1, ["bidi", "secrets"])
    only = run_gate("scan", ".", "--no-cache", "--scanners", "bandit,secrets", cwd=repo)
    assert "1 only by the secrets scanner;" in only.output, only.output


def test_templates_count_as_analysed_by_a_content_scanner(tmp_path: Path) -> None:
    """A Django or Jinja template is semgrep's (the template rules); a plain HTML page is
    read only for credentials and hidden characters."""
    repo = make_repo(tmp_path / "repo", {
        "app.py": "x = 1\n",
        "shop/templates/shop/cart.html": "<p>{{ cart.note|safe }}</p>\n",
        "static/about.html": "<p>About us</p>\n",
    })
    result = run_gate("scan", ".", "--no-cache", "--scanners", "semgrep,secrets", "--json",
                      str(tmp_path / "r.json"), cwd=repo)
    assert ("3 file(s); 2 analysed by a content scanner; 1 only by the secrets scanner; "
            "0 not analysed") in result.output, result.output
    report = load_json(tmp_path / "r.json")
    assert [(f["rule_id"], f["path"], f["start_line"], f["disposition"]) for f in report["findings"]
            ] == [("template-safe-filter", "shop/templates/shop/cart.html", 1, "warn")]
    assert result.code == 0
