"""Decision -> one self-contained HTML report for the security engineer.

No network: inline CSS, charts as inline SVG, one inline script allowed by its hash in the
Content-Security-Policy that opens the file. The page is complete with JavaScript off; the
script only filters and sorts the findings table. Every string that may come from scanned
content is HTML-escaped, and the script's data is JSON with ``<``, ``>``, ``&``, U+2028 and
U+2029 escaped. The what-if table comes from the Decision (computed by the policy code).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from html import escape

from gate import __version__
from gate.findings import Severity
from gate.policy.decision import Decided, Decision, Disposition, Verdict, WaiverStatus, sort_key
from gate.policy.model import level_word
from gate.report import explain, svg, waiver_hint
from gate.report.escape import visible_escapes
from gate.report.groups import class_label
from gate.report.html_assets import CSP, SCRIPT, STYLE, script_json

MAX_ROWS = 2000
TOP_RULES = 20
SEVERITIES = tuple(sorted(Severity, reverse=True))
DISPOSITIONS = tuple(Disposition)
# user:password@ in a URL of the policy (an index or advisory service) is never shown.
_USERINFO = re.compile(r"(\b[a-z][a-z0-9+.-]*://)[^/@\s\"']+@", re.IGNORECASE)
_VERDICT = {Verdict.PASS: "PASSED", Verdict.FAIL: "FAILED",
            Verdict.ERROR: "ERROR: a scanner could not do its job"}


def e(value: object) -> str:
    """Escaped text for HTML content or a quoted attribute; bidi and control characters
    are shown as ``\\uXXXX``, never obeyed."""
    return escape(visible_escapes(str(value)), quote=True)


def _attrs(attrs: Mapping[str, object]) -> str:
    return "".join(f' {name}="{e(value)}"' for name, value in attrs.items())


def _table(head: Sequence[str], rows: Iterable[str], table_id: str = "",
           numeric: Sequence[int] = ()) -> str:
    """A table; each cell carries its column's name (``data-label``), which the narrow
    layout shows before the value when the rows become cards."""
    numeric_th = '<th class="n">'
    ths = "".join(f"{numeric_th if i in numeric else '<th>'}{e(h)}</th>"
                  for i, h in enumerate(head))
    ident = f' id="{e(table_id)}"' if table_id else ""
    labelled = (_labelled(row, head) for row in rows)
    return (f"<table{ident}><thead><tr>{ths}</tr></thead><tbody>{''.join(labelled)}"
            "</tbody></table>")


def _labelled(row: str, head: Sequence[str]) -> str:
    """``row`` with ``data-label`` on each cell (every ``<td`` in it is a cell: scanned text
    is escaped, so none can come from content)."""
    parts = row.split("<td")
    return parts[0] + "".join(
        f'<td data-label="{e(head[i]) if i < len(head) else ""}"{part}'
        for i, part in enumerate(parts[1:]))


def _row(cells: Sequence[str], **attrs: object) -> str:
    return f"<tr{_attrs({k.replace('_', '-'): v for k, v in attrs.items()})}>" + "".join(
        cells) + "</tr>"


def _td(text: object, *, n: bool = False, raw: bool = False, class_: str = "",
        **attrs: object) -> str:
    classes = " ".join(c for c in ("n" if n else "", class_) if c)
    cls = f' class="{e(classes)}"' if classes else ""
    extra = _attrs({k.replace("_", "-"): v for k, v in attrs.items()})
    return f"<td{cls}{extra}>{text if raw else e(text)}</td>"


def _issues(decision: Decision) -> list[Decided]:
    """Issues as the Decision counts them (a cross-tool duplicate once), most severe first."""
    return sorted((d for d in decision.items if d.duplicate_of is None), key=sort_key)


def render(decision: Decision, origins: Mapping[str, str] | None = None,
           source: str = "") -> str:
    """The whole HTML document. ``origins``: which file set each policy value (provenance);
    ``source``: what was evaluated (a file name), shown in the title."""
    issues = _issues(decision)
    sections = [
        _verdict(decision, source), _what_if(decision), _coverage(decision),
        _chart(decision, issues), _path_classes(decision), _top_rules(issues),
        _defaulted(issues),
        _findings(decision, issues), _waivers(decision), _baseline(decision, issues),
        _policy(decision, origins), _runs(decision),
    ]
    data = {"verdict": decision.verdict.value, "exit_code": decision.exit_code,
            "counts": decision.counts(),
            "dispositions": [d.value for d in DISPOSITIONS],
            "severities": [s.word for s in SEVERITIES],
            "scanners": sorted({s for d in issues for s in (d.finding.scanner,
                                                             *d.also_found_by)}),
            "path_classes": [k.name for k in decision.policy.paths] + ["none"],
            "baseline_states": [state for state in ("new", "unchanged")
                                if any(d.baseline_state == state for d in issues)]}
    nav = "".join(f'<a href="#{ident}">{label}</a>' for ident, label in (
        ("what-if", "what-if"), ("coverage", "coverage"), ("chart", "chart"),
        ("path-classes", "path classes"), ("top-rules", "top rules"), ("findings", "findings"),
        ("waivers", "waivers"),
        ("baseline", "baseline"), ("policy", "policy"), ("runs", "scanners")))
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>secops-gate: {e(_VERDICT[decision.verdict])}"
        f"{' - ' + e(source) if source else ''}</title>\n"
        f"<style>{STYLE}</style>\n</head>\n<body>\n<nav>{nav}</nav>\n"
        + "\n".join(sections)
        + f'\n<footer class="note">secops-gate {e(__version__)}</footer>\n'
        f'<script type="application/json" id="gate-data">{script_json(data)}</script>\n'
        f"<script>{SCRIPT}</script>\n</body>\n</html>\n")


def _verdict(decision: Decision, source: str) -> str:
    verdict = decision.verdict.value
    reasons = "".join(f'<li class="msg">{e(r)}</li>' for r in decision.reasons)
    warnings = "".join(f'<li class="msg">{e(w)}</li>' for w in decision.warnings)
    counts = decision.counts()
    cards = "".join(f'<li data-disposition="{d}" data-count="{n}"><b>{n}</b>{d}</li>'
                    for d, n in counts.items())
    scope = "partial scan" if decision.partial else "scan"
    evaluated = f" of {e(source)}" if source else ""
    on = f", policy applied on {decision.today.isoformat()}" if decision.today else ""
    return (f'<header><h1>secops-gate report{evaluated}</h1>'
            f'<p id="verdict" class="verdict v-{e(verdict)}" data-verdict="{e(verdict)}" '
            f'data-exit-code="{decision.exit_code}">{e(_VERDICT[decision.verdict])} '
            f"(exit {decision.exit_code})</p>"
            f'<p class="note">{scope}: {decision.files_scanned} file(s); policy '
            f"{e(decision.policy.source)}{on}</p>"
            + (f'<h2>Why</h2><ul id="reasons">{reasons}</ul>' if reasons else
               '<p id="reasons">Nothing the policy fails on.</p>')
            + (f'<h2>Warnings</h2><ul id="warnings">{warnings}</ul>' if warnings else "")
            + f'<h2>Totals</h2><ul class="cards" id="counts">{cards}</ul>'
            '<p class="note">Issues as the gate counts them: the same bug found by two '
            "scanners is one issue.</p></header>")


def _rules(rules: Sequence[tuple[str, str]]) -> str:
    if not rules:
        return "none"
    shown = ", ".join(f"<code>{e(s)}/{e(r)}</code>" for s, r in rules[:30])
    return shown + (f" and {len(rules) - 30} more" if len(rules) > 30 else "")


def _what_if(decision: Decision) -> str:
    head = '<section id="what-if"><h2>What if fail_on were…</h2>'
    if not decision.what_if:
        return head + '<p class="note">Not computed for this report.</p></section>'
    policy = decision.policy
    uniform = not any(s.fail_on_set for s in policy.scanners.values())
    rows = []
    for row in decision.what_if:
        current = uniform and policy.fail_on == row.level
        label = row.level.word + (" (current)" if current else "")
        count = f"≥ {row.failing}" if row.at_least else str(row.failing)
        per_class = ", ".join(f"{class_label(name)} {n}" for name, n in row.by_class)
        rows.append(_row([_td(label), _td(count, n=True), _td(per_class), _td(
            f"{row.verdict.value} (exit {row.exit_code})"), _td(_rules(row.joining), raw=True),
            _td(_rules(row.leaving), raw=True)],
            data_fail_on=row.level.word, data_failing=row.failing, data_exit_code=row.exit_code,
            **({"class": "current"} if current else {}),
            **({"data_at_least": "true"} if row.at_least else {})))
    lower = any(r.at_least for r in decision.what_if)
    note = ('<p class="note">≥: the input is SARIF, which leaves out findings hidden below '
            "the report level, so lower levels may fail more.</p>" if lower else "")
    return (head + '<p class="note">Each row is the same findings judged by the same policy '
            "code with every fail threshold set to that level: what <code>gate scan --fail-on "
            "LEVEL</code> would fail on.</p>"
            + _table(["fail_on", "failing issues", "failing per path class", "verdict",
                      "rules that would join", "rules that would no longer fail"], rows,
                     "what-if-table", (1,))
            + note + _class_effects(decision) + "</section>")


def _class_effects(decision: Decision) -> str:
    """The what-if per path class: what would fail if the class adjusted nothing."""
    if not decision.class_effects:
        return ""
    rows = [_row([_td(c.name), _td(c.adjustments), _td(c.issues, n=True),
                  _td(c.failing, n=True), _td(c.failing_without, n=True),
                  _td(_rules(c.kept_from_failing), raw=True)],
                 data_path_class=c.name, data_failing=c.failing,
                 data_failing_without=c.failing_without)
            for c in decision.class_effects]
    return ("<h3>What if a path class adjusted nothing</h3>"
            '<p class="note">The same findings at the current thresholds, with that one '
            "class's <code>fail_on</code>, <code>report</code> and <code>severity</code> "
            "removed (its files still belong to it).</p>"
            + _table(["path class", "adjustments", "issues", "failing",
                      "failing without its adjustments", "rules it keeps from failing"],
                     rows, "class-effects-table", (2, 3, 4)))


def _coverage(decision: Decision) -> str:
    rows = [_row([_td(r.scanner), _td(r.files, n=True), _td(len(r.skipped), n=True),
                  _td("ok" if r.ok else f"failed: {r.error}")], data_scanner=r.scanner)
            for r in decision.runs]
    missing = [("gate", s.path, s.reason) for s in decision.skipped]
    missing += [(r.scanner, s.path, s.reason) for r in decision.runs for s in r.skipped]
    missing += [("gate", link, "symlink not followed (target outside the repository, "
                 "missing or a loop)") for link in decision.links]
    not_analysed = _table(["by", "file", "why"], (
        _row([_td(by), _td(path, raw=False), _td(why)]) for by, path, why in missing[:MAX_ROWS]),
        "not-analysed") if missing else "<p>Every file handed to a scanner was analysed.</p>"
    partial = ""
    if decision.partial:
        listed = ", ".join(f"<code>{e(f)}</code>" for f in decision.scanned[:200])
        partial = f"<p>Partial scan of {len(decision.scanned)} file(s): {listed}</p>"
    return ('<section id="coverage"><h2>Coverage</h2>'
            f"<p>{decision.files_scanned} file(s) in scope.</p>{partial}"
            + _table(["scanner", "files scanned", "files skipped", "status"], rows,
                     "coverage-table", (1, 2))
            + f"<h3>Files not analysed ({len(missing)})</h3>{not_analysed}"
            '<p class="note">Files ignored by git, in skipped folders (.venv, node_modules, …) '
            "or excluded by the policy are not listed.</p></section>")


def _matrix(issues: Sequence[Decided]) -> Counter[tuple[str, Severity, Disposition]]:
    return Counter((d.finding.scanner, d.severity, d.disposition) for d in issues)


def _chart(decision: Decision, issues: Sequence[Decided]) -> str:
    matrix = _matrix(issues)
    scanners = list(dict.fromkeys([*(r.scanner for r in decision.runs),
                                   *(d.finding.scanner for d in issues)]))
    bars, rows = [], []
    for scanner in scanners:
        for severity in SEVERITIES:
            counts = [(d, matrix[(scanner, severity, d)]) for d in DISPOSITIONS]
            if not any(n for _, n in counts):
                continue
            bars.append(svg.Bar(f"{scanner} · {severity.word}", tuple(
                (f"d-{d.value}", n, f"{scanner} {severity.word} {d.value}: {n}")
                for d, n in counts)))
            rows.append(_row([_td(scanner), _td(severity.word)] + [
                _td(n, n=True, data_disposition=d.value, data_count=n) for d, n in counts],
                data_scanner=scanner, data_severity=severity.word))
    if not bars:
        return '<section id="chart"><h2>Findings by scanner</h2><p>No findings.</p></section>'
    legend = "".join(f'<span><i class="d-{d.value}"></i>{d.value}</span>' for d in DISPOSITIONS)
    return ('<section id="chart"><h2>Findings by scanner, severity and disposition</h2>'
            f'<p class="legend">{legend}</p>'
            + svg.stacked_bars(bars, "findings by scanner, severity and disposition")
            + "<details><summary>as a table</summary>"
            + _table(["scanner", "severity", *(d.value for d in DISPOSITIONS)], rows,
                     "chart-table", (2, 3, 4, 5, 6))
            + "</details></section>")


def _path_classes(decision: Decision) -> str:
    """Issues per path class and disposition, with each class's patterns and adjustments."""
    counts = decision.class_counts()
    patterns = {k.name: (", ".join(k.patterns) or "(none: off)", k.describe())
                for k in decision.policy.paths}
    rows = []
    for name, per in counts.items():
        listed, adjusts = patterns.get(name or "", ("files of no class", ""))
        rows.append(_row([_td(class_label(name)), _td(f'<span class="mono">{e(listed)}</span>',
                                                      raw=True), _td(adjusts)]
                         + [_td(per[d.value], n=True, data_disposition=d.value)
                            for d in DISPOSITIONS] + [_td(sum(per.values()), n=True)],
                         data_path_class=name or "none"))
    return ('<section id="path-classes"><h2>Findings by path class</h2>'
            '<p class="note">The policy\'s <code>[paths]</code> classes; credentials found by '
            "the secrets scanner are counted in their class but never relaxed by it.</p>"
            + _table(["path class", "patterns", "adjustments",
                      *(d.value for d in DISPOSITIONS), "total"], rows,
                     "path-classes-table", (3, 4, 5, 6, 7, 8))
            + "</section>")


def _top_rules(issues: Sequence[Decided]) -> str:
    by_rule: dict[tuple[str, str], list[Decided]] = {}
    for item in issues:
        by_rule.setdefault((item.finding.scanner, item.finding.rule_id), []).append(item)

    def rank(key: tuple[str, str]) -> tuple[int, int, int, str, str]:
        c = Counter(d.disposition for d in by_rule[key])
        return (-c[Disposition.FAIL], -c[Disposition.WARN], -len(by_rule[key]), *key)

    rows = []
    for key in sorted(by_rule, key=rank)[:TOP_RULES]:
        items = by_rule[key]
        c = Counter(d.disposition for d in items)
        worst = max(d.severity for d in items)
        rows.append(_row([_td(f"{key[0]}/{key[1]}"), _td(items[0].finding.rule_name),
                          _td(worst.word, data_v=int(worst)),
                          *(_td(c[d], n=True, data_disposition=d.value) for d in
                            (Disposition.FAIL, Disposition.WARN, Disposition.HIDDEN,
                             Disposition.WAIVED, Disposition.BASELINE)),
                          _td(len(items), n=True)], data_rule=f"{key[0]}/{key[1]}"))
    more = (f'<p class="note">{len(by_rule) - TOP_RULES} more rule(s) in the findings '
            "table.</p>" if len(by_rule) > TOP_RULES else "")
    return ('<section id="top-rules"><h2>Top rules</h2>'
            + (_table(["rule", "name", "worst severity", "fail", "warn", "hidden", "waived",
                       "baseline", "total"], rows, "top-rules-table", (3, 4, 5, 6, 7, 8))
               if rows else "<p>No findings.</p>") + more + "</section>")


def _defaulted(issues: Sequence[Decided]) -> str:
    items = [d for d in issues if d.finding.severity_defaulted]
    if not items:
        body = "<p>None: every finding's severity came from its tool or advisory.</p>"
    else:
        body = ("<p>No severity was known for these; the configured default "
                "(<code>default_severity</code>) was used.</p>"
                + _table(["severity", "rule", "location", "disposition"], (
                    _row([_td(d.severity.word), _td(f"{d.finding.scanner}/{d.finding.rule_id}"),
                          _td(f"{d.finding.location.path}:{d.finding.location.start_line}"),
                          _td(d.disposition.value)]) for d in items[:MAX_ROWS]),
                    "defaulted-table"))
    return (f'<section id="severity-defaulted" data-count="{len(items)}"><h2>Severity '
            f"defaulted ({len(items)})</h2>{body}</section>")


def _finding_row(item: Decided, hint: list[str] | None) -> str:
    f = item.finding
    loc = f.location
    scanners = (f.scanner, *item.also_found_by)
    detail = [f'<div class="msg">{e(f.message)}</div>']
    extra = dict(f.extra)
    if extra.get("reachability"):  # a vulnerable pin: does the code reach it
        detail.append(f'<div class="note">{e(extra.get("package", ""))} '
                      f'<b>{e(extra["reachability"])}</b></div>')
    if f.remediation:
        detail.append(f'<div class="note msg">fix: {e(f.remediation)}</div>')
    if f.help_uri and f.help_uri not in f.remediation:
        detail.append(f'<div class="note mono">{e(f.help_uri)}</div>')
    detail.append(f'<div class="note msg">{e(item.reason)}</div>')
    detail += [f'<div class="note">path class {e(item.path_class)}: {e(effect)}</div>'
               for effect in item.path_effects]
    if hint:
        detail.append("<details><summary>to waive</summary><pre>"
                      + e("\n".join(hint)) + "</pre></details>")
    return _row([
        _td(f'<span class="sev sev-{e(item.severity.word)}">{e(item.severity.word)}</span>',
            raw=True, data_v=int(item.severity)),
        _td(f'<span class="disp disp-{e(item.disposition.value)}">'
            f"{e(item.disposition.value)}</span>", raw=True),
        _td(" + ".join(scanners)),
        _td(f"<code>{e(f.rule_id)}</code><div class=\"note\">{e(f.rule_name)}</div>", raw=True),
        _td(f'<span class="mono">{e(loc.path)}:{loc.start_line}</span>', raw=True),
        _td(class_label(item.path_class)),
        _td("".join(detail), raw=True, class_="details")],
        data_disposition=item.disposition.value, data_severity=item.severity.word,
        data_path_class=item.path_class or "none",
        data_scanners=" ".join(scanners), data_baseline=item.baseline_state or "")


def _findings(decision: Decision, issues: Sequence[Decided]) -> str:
    rank = {d: i for i, d in enumerate(DISPOSITIONS)}
    ordered = sorted(issues, key=lambda d: (rank[d.disposition], sort_key(d)))
    hints = waiver_hint.hinted(decision)
    rows = [_finding_row(d, hints.get(id(d))) for d in ordered[:MAX_ROWS]]
    more = (f'<p class="note">{len(ordered) - MAX_ROWS} more issue(s) not shown: see the '
            "JSON report (--json).</p>" if len(ordered) > MAX_ROWS else "")
    return ('<section id="findings"><h2>Findings</h2><div id="filters"></div>'
            + _table(["severity", "disposition", "scanner", "rule", "location", "path class",
                      "details"], rows, "findings-table")
            + more + "</section>")


def _waivers(decision: Decision) -> str:
    head = '<section id="waivers"><h2>Waivers</h2>'
    if not decision.waivers:
        return head + "<p>The policy has no waivers.</p></section>"
    rows, marks = [], []
    for state in decision.waivers:
        w = state.waiver
        status = str(state.status)
        css = ("w-expired" if state.status is WaiverStatus.EXPIRED else
               "w-expiring" if state.expiring else f"w-{status.replace(' ', '-')}")
        days = (f"expired {-state.days_left} day(s) ago" if state.days_left < 0
                else f"{state.days_left}")
        rows.append(_row([
            _td(w.label), _td(", ".join(w.paths) or "any file"), _td(w.owner), _td(w.ticket),
            _td(w.reason), _td(w.expires.isoformat()), _td(days, n=True, data_v=state.days_left),
            _td(state.matched, n=True), _td(status + (", expiring" if state.expiring else ""))],
            data_status=status, data_days_left=state.days_left, data_matched=state.matched,
            data_expiring="true" if state.expiring else "false"))
        marks.append(svg.Mark(w.label, w.expires, css,
                              f"{w.label}: {status}, {state.matched} matched, expires "
                              f"{w.expires.isoformat()}"))
    chart = (svg.timeline(decision.today, marks[:60], decision.policy.warn_before_days,
                          "waiver expiry dates") if decision.today else "")
    expired = [s for s in decision.waivers if s.status is WaiverStatus.EXPIRED]
    unused = [s for s in decision.waivers if s.status is WaiverStatus.UNUSED]
    summary = (f"<p>{len(decision.waivers)} waiver(s): {len(expired)} expired, "
               f"{sum(1 for s in decision.waivers if s.expiring)} expiring within "
               f"{decision.policy.warn_before_days} day(s), {len(unused)} unused.</p>")
    return (head + summary + chart
            + _table(["waiver", "paths", "owner", "ticket", "reason", "expires", "days left",
                      "matched", "status"], rows, "waivers-table", (6, 7))
            + "</section>")


def _baseline(decision: Decision, issues: Sequence[Decided]) -> str:
    states = Counter(str(d.baseline_state) for d in issues if d.baseline_state)
    head = '<section id="baseline"><h2>Baseline</h2>'
    if not states and not decision.absent:
        return head + "<p>No baseline was given.</p></section>"
    absent = sum(int(str(a.get("count", 1))) for a in decision.absent)
    cards = "".join(f'<li data-baseline-state="{k}" data-count="{n}"><b>{n}</b>{k}</li>'
                    for k, n in (("new", states.get("new", 0)),
                                 ("unchanged", states.get("unchanged", 0)),
                                 ("absent", absent)))
    rows = (_row([_td(f"{a.get('scanner')}/{a.get('rule_id')}"),
                  _td(f"{a.get('path')}:{a.get('line')}"), _td(a.get("count"), n=True)])
            for a in decision.absent[:MAX_ROWS])
    listed = (_table(["rule", "recorded at", "count"], rows, "absent-table", (2,))
              if decision.absent else "")
    return (head + f'<ul class="cards">{cards}</ul>'
            '<p class="note">new: not in the baseline; unchanged: recorded there; absent: '
            "recorded, no longer found (fixed or removed).</p>" + listed + "</section>")


def _policy(decision: Decision, origins: Mapping[str, str] | None) -> str:
    policy = decision.policy
    chain = " ← ".join(policy.chain) if policy.chain else policy.source
    notes = []
    if decision.policy_ref:
        notes.append(f"<p>Read from git ref <code>{e(decision.policy_ref)}</code>.</p>")
    notes += [f"<p><strong>Override: {e(o)}</strong></p>" for o in decision.overrides]
    if decision.policy_changed:
        notes.append(f"<p><strong>{e(decision.policy_changed)}</strong></p>")
    scanners = list(dict.fromkeys(r.scanner for r in decision.runs))
    rows = [_row([_td(name), _td(level_word(policy.fail_level(name))),
                  _td(level_word(policy.report_level(name))),
                  _td(policy.scanner(name).confidence.word)]) for name in scanners]
    effective = ""
    if origins is not None and decision.today is not None:
        text = _USERINFO.sub(r"\1[REDACTED]@", explain.render_policy(policy, origins,
                                                                    decision.today))
        effective = ("<h3>Effective policy and where each value came from</h3><pre>"
                     + e(text) + "</pre>")
    return ('<section id="policy"><h2>Policy</h2>'
            f"<p>{e(chain)}: fail_on = {e(level_word(policy.fail_on))}, report = "
            f"{e(level_word(policy.report))}, {len(policy.rules)} rule override(s), "
            f"{len(policy.waivers)} waiver(s).</p>" + "".join(notes)
            + _table(["scanner", "fail_on", "report", "confidence"], rows, "thresholds")
            + effective + "</section>")


def _runs(decision: Decision) -> str:
    rows = [_row([_td(r.scanner), _td(r.tool), _td(r.version),
                  _td("" if r.exit_code is None else r.exit_code, n=True),
                  _td("ok" if r.ok else f"failed: {r.error}"), _td(r.files, n=True),
                  _td(f"{r.duration:.2f}", n=True),
                  _td(f'<code>{e(" ".join(r.arguments))}</code>', raw=True)],
                 data_scanner=r.scanner) for r in decision.runs]
    return ('<section id="runs"><h2>Scanners: versions and timings</h2>'
            + _table(["scanner", "tool", "version", "exit code", "status", "files",
                      "seconds", "arguments"], rows, "runs-table", (3, 5, 6))
            + "</section>")
