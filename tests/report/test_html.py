"""The HTML report: rendered in headless Chromium from a real scan, its numbers checked
against the JSON report and against ``gate scan --fail-on LEVEL``; and its safety rules
(Content-Security-Policy, escaping, no network) checked on the file itself."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import re
import shutil
import struct
import zlib
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from gate.findings import Confidence, Finding, Location, Severity
from gate.policy import evaluate as policy_eval
from gate.policy.load import load_text
from gate.policy.model import Policy
from gate.policy.what_if import what_if
from gate.report import html
from gate.report.html_assets import script_json
from gate.runs import ScannerRun
from tests.helpers import load_json
from tests.report.browser import FRAME_FLAGS, Dom, dump_dom, framed, measure, screenshot
from tests.report.conftest import HOSTILE, LEVELS, Scanned

CSP = re.compile(r"default-src 'none'; style-src 'unsafe-inline'; "
                 r"script-src 'sha256-([A-Za-z0-9+/=]+)'; img-src data:")


@pytest.fixture(scope="module")
def dom(scanned: Scanned, tmp_path_factory: pytest.TempPathFactory) -> Dom:
    assert scanned.run.code == 1, scanned.run.output
    profile = tmp_path_factory.mktemp("chromium")
    return Dom(dump_dom((scanned.out / "report.html").as_uri(), profile))


def _issues(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in report["findings"] if f["duplicate_of"] is None]


def test_the_report_renders_and_its_numbers_equal_the_json_report(
        scanned: Scanned, dom: Dom) -> None:
    report = scanned.report
    assert dom.find("html", data_script="ran"), "the script did not run under the CSP"
    verdict = dom.find("p", id="verdict")[0]
    assert (verdict["data-verdict"], int(verdict["data-exit-code"])) == ("fail", 1)
    assert report["verdict"] == "fail" and report["exit_code"] == 1
    cards = {a["data-disposition"]: int(a["data-count"]) for a in dom.having("li",
                                                                            "data-disposition")}
    assert cards == report["counts"] == {"fail": 1, "warn": 1, "waived": 2, "baseline": 6,
                                         "hidden": 1}
    chart: Counter[str] = Counter()
    for cell in dom.having("td", "data-count"):
        chart[cell["data-disposition"]] += int(cell["data-count"])
    assert dict(chart) == report["counts"]
    rows = dom.having("tr", "data-disposition")
    assert Counter(r["data-disposition"] for r in rows) == Counter(report["counts"])
    assert sorted(r["data-severity"] for r in rows) == sorted(
        f["severity"] for f in _issues(report))


def test_waivers_baseline_and_defaulted_severities_match_the_json_report(
        scanned: Scanned, dom: Dom) -> None:
    report = scanned.report
    waivers = [(w["data-status"], int(w["data-days-left"]), int(w["data-matched"]),
                w["data-expiring"] == "true") for w in dom.having("tr", "data-status")]
    assert waivers == [(w["status"], w["days_left"], w["matched"], w["expiring"])
                       for w in report["waivers"]]
    assert [w[0] for w in waivers] == ["used", "used", "expired", "unused"]
    assert waivers[1][3] and waivers[1][1] == 5  # expiring within warn_before_days
    states = Counter(f["baseline_state"] for f in _issues(report))
    cards = {a["data-baseline-state"]: int(a["data-count"])
             for a in dom.having("li", "data-baseline-state")}
    assert cards == {"new": states["new"], "unchanged": states["unchanged"],
                     "absent": sum(a["count"] for a in report["absent"])}
    assert cards["absent"] == 3 and cards["new"] == 3
    defaulted = [f for f in _issues(report) if ["severity_source", "default"] in f["extra"]]
    assert [f["rule_id"] for f in defaulted] == ["PYSEC-9999-4"]
    assert dom.find("section", id="severity-defaulted")[0]["data-count"] == "1"


@pytest.mark.slow  # eight more gate runs (~8 s); the what-if counts are tested without them
# in test_what_if_from_sarif_marks_lower_bounds and tests/policy/test_path_classes.py
def test_what_if_rows_equal_gate_scan_and_gate_evaluate_with_each_fail_on(
        scanned: Scanned, dom: Dom) -> None:
    rows = {r["data-fail-on"]: (int(r["data-failing"]), int(r["data-exit-code"]))
            for r in dom.having("tr", "data-fail-on")}
    assert list(rows) == list(LEVELS)
    for level in LEVELS:
        out = scanned.out / f"fail-on-{level}.json"
        run = scanned.gate(*scanned.args("--fail-on", level, "--json", str(out)))
        evaluated = scanned.out / f"evaluate-{level}.json"
        again = scanned.gate("evaluate", str(scanned.out / "report.json"), "--policy",
                             str(scanned.policy), "--fail-on", level, "--json", str(evaluated))
        expected = (load_json(out)["counts"]["fail"], run.code)
        assert rows[level] == expected, (level, run.output)
        assert (load_json(evaluated)["counts"]["fail"], again.code) == expected, again.output
    assert rows == {"critical": (0, 0), "high": (1, 1), "medium": (2, 1), "low": (3, 1)}


def test_a_hostile_file_name_shows_as_text(scanned: Scanned, dom: Dom) -> None:
    assert HOSTILE in dom.text
    assert not [t for t, _ in dom.elements if t == "img"]
    raw = (scanned.out / "report.html").read_text(encoding="utf-8")
    assert HOSTILE not in raw
    assert raw.count("<script") == 2 and raw.count("</script>") == 2


def test_the_report_is_complete_when_its_script_does_not_run(
        scanned: Scanned, tmp_path: Path) -> None:
    """A copy whose CSP allows no script: Chromium's --dump-dom and --screenshot need
    JavaScript on, so the page's own script is what is switched off."""
    page = (scanned.out / "report.html").read_text(encoding="utf-8")
    blocked = tmp_path / "blocked.html"
    blocked.write_text(re.sub(r"script-src 'sha256-[^']+'", "script-src 'none'", page),
                       encoding="utf-8")
    off = Dom(dump_dom(blocked.as_uri(), tmp_path / "profile"))
    assert not off.find("html", data_script="ran")
    assert not [t for t, _ in off.elements if t == "select"]
    rows = off.having("tr", "data-disposition")
    assert len(rows) == sum(scanned.report["counts"].values())
    assert all("hidden" not in r for r in rows)
    assert len(off.having("tr", "data-fail-on")) == 4
    shot = screenshot(blocked.as_uri(), tmp_path / "no-script.png", tmp_path / "profile")
    assert _png_size_and_colours(shot)[2] > 50


@pytest.mark.parametrize(("fragment", "disposition"), [("#disposition=warn", "warn"),
                                                       ("#disposition=baseline", "baseline")])
def test_the_script_filters_the_findings_from_the_url_fragment(
        scanned: Scanned, tmp_path: Path, fragment: str, disposition: str) -> None:
    filtered = Dom(dump_dom((scanned.out / "report.html").as_uri() + fragment, tmp_path))
    rows = filtered.having("tr", "data-disposition")
    shown = [r for r in rows if "hidden" not in r]
    assert {r["data-disposition"] for r in shown} == {disposition}
    assert len(shown) == scanned.report["counts"][disposition]
    assert filtered.find("span", id="shown-count")[0]["data-shown"] == str(len(shown))


def test_the_script_filters_new_and_unchanged_findings_of_the_baseline(
        scanned: Scanned, tmp_path: Path) -> None:
    issues = _issues(scanned.report)
    for state in ("new", "unchanged"):
        page = (scanned.out / "report.html").as_uri() + f"#baseline={state}"
        filtered = Dom(dump_dom(page, tmp_path))
        assert filtered.find("select", name="baseline"), "no baseline filter"
        shown = [r for r in filtered.having("tr", "data-disposition") if "hidden" not in r]
        assert {r["data-baseline"] for r in shown} == {state}
        assert len(shown) == sum(1 for f in issues if f["baseline_state"] == state) > 0
    # a report without a baseline offers no such filter
    page = html.render(_decision([_finding("B602", "app.py", Severity.HIGH)]))
    assert '"baseline_states": []' in page


@pytest.mark.parametrize(("width", "cards"), [(360, True), (390, True), (1400, False)])
def test_no_element_is_wider_than_the_screen_and_no_word_is_broken(
        scanned: Scanned, tmp_path: Path, width: int, cards: bool) -> None:
    """Measured by the page itself in headless Chromium, at a viewport of exactly ``width``
    CSS pixels (an iframe that wide: Chromium makes no window narrower than 500 px)."""
    seen = measure(scanned.out / "report.html", width, tmp_path, tmp_path / "profile")
    assert (seen["innerWidth"], seen["clientWidth"]) == (width, width)  # the viewport asked
    assert seen["scriptRan"]
    assert seen["scrollWidth"] <= width, seen  # no horizontal scrolling of the page
    assert seen["wide"] == [], seen["wide"][:10]
    assert seen["words"] > 100 and seen["broken"] == [], seen["broken"]
    assert bool(seen["cards"]) is cards  # findings as cards below the breakpoint
    if not cards:  # on a desktop the details column gets the room it needs
        assert seen["detailsWidth"] >= 0.4 * width, seen


def test_the_width_checks_catch_overflow_and_broken_words(scanned: Scanned, tmp_path: Path
                                                          ) -> None:
    """The same checks on a copy styled the way the report used to break: they see it."""
    page = (scanned.out / "report.html").read_text(encoding="utf-8")
    broken = tmp_path / "broken.html"
    broken.write_text(page.replace("</head>", "<style>.msg { word-break: break-all; }"
                                   " #findings-table { min-width: 900px; }</style></head>"),
                      encoding="utf-8")
    seen = measure(broken, 390, tmp_path, tmp_path / "profile")
    assert seen["broken"] and seen["wide"] and seen["scrollWidth"] > 390


def test_screenshots_at_a_phones_and_a_desktops_width(scanned: Scanned, tmp_path: Path) -> None:
    page = scanned.out / "report.html"
    phone = screenshot(framed(page, 390, tmp_path, height=2400).as_uri(),
                       tmp_path / "report-390.png", tmp_path / "profile", "500,2400",
                       *FRAME_FLAGS)
    desktop = screenshot(page.as_uri(), tmp_path / "report-1400.png", tmp_path / "profile",
                         "1400,2400")
    for shot, width in ((phone, 500), (desktop, 1400)):
        size = _png_size_and_colours(shot)
        assert size[:2] == (width, 2400) and size[2] > 50, shot
    keep = os.environ.get("GATE_TEST_ARTIFACTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        for shot in (phone, desktop):
            shutil.copy(shot, Path(keep) / shot.name)


def _png_size_and_colours(path: Path) -> tuple[int, int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    chunks, at = b"", 8
    while at < len(data):
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        if kind == b"IDAT":
            chunks += data[at + 8:at + 8 + length]
        at += 12 + length
    return width, height, len(set(zlib.decompress(chunks)))


@pytest.mark.slow  # a third Chromium screenshot (~2 s); the phone and desktop screenshots above
# make the same checks in the fast tier
def test_a_screenshot_of_the_report(scanned: Scanned, tmp_path: Path) -> None:
    shot = screenshot((scanned.out / "report.html").as_uri(), tmp_path / "report.png",
                      tmp_path / "profile")
    width, height, distinct = _png_size_and_colours(shot)
    assert (width, height) == (1280, 2400)
    assert distinct > 50, "the screenshot is blank"
    keep = os.environ.get("GATE_TEST_ARTIFACTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(keep) / "report.png")
    print(f"screenshot: {shot}")


def test_gate_report_renders_the_same_numbers_from_the_json_report(
        scanned: Scanned, tmp_path: Path) -> None:
    target = tmp_path / "again.html"
    run = scanned.gate("report", str(scanned.out / "report.json"), "-o", str(target),
                       "--policy", str(scanned.policy))
    assert run.code == 0, run.output
    assert "HTML report written" in run.stderr
    first = Dom((scanned.out / "report.html").read_text(encoding="utf-8"))
    again = Dom(target.read_text(encoding="utf-8"))
    for tag, attribute in (("tr", "data-fail-on"), ("li", "data-disposition"),
                           ("tr", "data-status"), ("li", "data-baseline-state"),
                           ("tr", "data-disposition")):
        assert again.having(tag, attribute) == first.having(tag, attribute), attribute
    assert again.find("p", id="verdict") == first.find("p", id="verdict")


# The file itself, rendered from Decisions built here.

def _finding(rule: str, path: str, severity: Severity, scanner: str = "bandit",
             text: str = "") -> Finding:
    return Finding(scanner, rule, f"name {text}", f"message {text}", severity,
                   Confidence.HIGH, Location(path, 3), fingerprint=f"{rule}{path}",
                   remediation=f"fix {text}", help_uri=f"https://example.invalid/{text}")


def _decision(findings: list[Finding], policy: Policy | None = None) -> Any:
    policy = policy or Policy(source="gate.toml")
    runs = [ScannerRun(s, s, "1.0", ("-q",), 0, None, 1) for s in
            dict.fromkeys(f.scanner for f in findings)]
    ctx = policy_eval.Context(today=dt.date(2026, 6, 1), files_scanned=len(findings))
    decision = policy_eval.evaluate(policy, findings, runs, ctx)
    rows = what_if(policy, findings, runs, ctx, decision)
    from dataclasses import replace
    return replace(decision, what_if=rows)


HOSTILE_TEXT = "</script><script>alert(1)</script><img src=x onerror=alert(2)>&amp;\u2028'\""


def test_the_csp_comes_first_and_allows_exactly_the_inline_script() -> None:
    page = html.render(_decision([_finding("B602", "app.py", Severity.HIGH)]))
    head = page[page.index("<head>") + len("<head>"):].lstrip()
    assert head.startswith('<meta http-equiv="Content-Security-Policy" content="')
    match = CSP.search(page)
    assert match is not None
    scripts = re.findall(r"<script>(.*?)</script>", page, re.S)
    assert len(scripts) == 1
    digest = base64.b64encode(hashlib.sha256(scripts[0].encode()).digest()).decode()
    assert match.group(1) == digest
    for forbidden in ("<link", "<img", "<iframe", "url(", "@import", " src="):
        assert forbidden not in page
    assert set(re.findall(r'href="([^"]*)"', page)) <= {
        f"#{s}" for s in ("what-if", "coverage", "chart", "path-classes", "top-rules",
                          "findings", "waivers", "baseline", "policy", "runs")}


def test_scanned_text_is_escaped_in_markup_and_in_script_data() -> None:
    findings = [_finding("R<1>", f"dir/{HOSTILE}", Severity.HIGH, text=HOSTILE_TEXT),
                _finding("R2", "b.py", Severity.MEDIUM, scanner=f"x{HOSTILE_TEXT}")]
    quoted = json.dumps(HOSTILE_TEXT)
    policy = load_text(f"version = 1\n[[waivers]]\nrule = \"R2\"\nreason = {quoted}\n"
                       f"owner = {quoted}\npaths = [{quoted}]\nexpires = 2026-06-03\n",
                       f"gate{HOSTILE_TEXT}.toml")
    page = html.render(_decision(findings, policy), {"fail_on": HOSTILE_TEXT}, HOSTILE_TEXT)
    parsed = Dom(page)
    assert [t for t, _ in parsed.elements if t in ("img", "script")] == ["script", "script"]
    assert HOSTILE_TEXT.replace("&amp;", "&") not in parsed.text  # entities stay text
    assert HOSTILE_TEXT in parsed.text
    assert f"dir/{HOSTILE}" in parsed.text
    block = page.split('<script type="application/json" id="gate-data">')[1].split(
        "</script>")[0]
    assert not set(block) & {"<", ">", "&", "\u2028", "\u2029"}
    assert f"x{HOSTILE_TEXT}" in json.loads(block)["scanners"]


def test_script_json_escapes_what_could_end_a_script() -> None:
    value = {"k": "</script><!-- & \u2028 \u2029 >"}
    text = script_json(value)
    assert not set(text) & {"<", ">", "&", "\u2028", "\u2029"}
    assert "\\u003c/script\\u003e" in text
    assert json.loads(text) == value


def test_what_if_from_sarif_marks_lower_bounds() -> None:
    findings = [_finding("B602", "app.py", Severity.HIGH)]
    policy = Policy(source="gate.toml")
    runs = [ScannerRun("bandit", "bandit", "1", (), 0, None, 1)]
    ctx = policy_eval.Context(today=dt.date(2026, 6, 1))
    decision = policy_eval.evaluate(policy, findings, runs, ctx)
    rows = what_if(policy, findings, runs, ctx, decision, shown_only=True)
    assert [(r.level.word, r.at_least) for r in rows] == [
        ("critical", False), ("high", False), ("medium", False), ("low", True)]
    from dataclasses import replace
    page = html.render(replace(decision, what_if=rows))
    assert 'data-fail-on="low" data-failing="1" data-exit-code="1" data-at-least="true"' in page


def test_credentials_in_policy_urls_are_not_shown() -> None:
    policy = load_text('version = 1\n[scanners.pip-audit]\n'
                       'index_url = "https://build:s3cretT0ken@pypi.example.invalid/simple/"\n',
                       "gate.toml")
    page = html.render(_decision([_finding("B1", "a.py", Severity.LOW)], policy),
                       {"scanners.pip-audit.index_url": "gate.toml"})
    assert "s3cretT0ken" not in page and "build:" not in page
    assert "https://[REDACTED]@pypi.example.invalid/simple/" in page
