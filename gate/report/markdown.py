"""The Markdown summary (GitHub step summary, ``--format markdown``, the pull-request
comment): verdict and why, counts, failing findings grouped per rule (each group folded in
``<details>``, each row linked to the file at the head commit and line, with its fix, and
the rule's ``[[waivers]]`` entry), expiring waivers, scanner errors, a changed policy.

Everything that comes from scanned content is neutralised: it can never become active
Markdown or HTML, and the whole summary stays under GitHub's 1 MiB step-summary limit.
Where the files can be read (``SourceLinks``: server, repository, commit) is data the CLI
passes in; without it no row is linked.
"""

from __future__ import annotations

import re
import urllib.parse
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from gate.findings import Location
from gate.policy.decision import Decided, Decision, Disposition, Verdict, WaiverState, WaiverStatus
from gate.policy.model import level_word
from gate.report import waiver_hint
from gate.report.groups import PackageGroup, by_class, count, defaulted, entries

MAX_BYTES = 1024 * 1024
BUDGET_BYTES = 900 * 1024  # leave room for other steps' summaries in the same job
MAX_FINDINGS = 200
MAX_FILES_LISTED = 100
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;", ":": "&#58;",
         "@": "&#64;"}
# Markdown punctuation that can start or end a construct; ':' and '@' defuse autolinks
# and mentions.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~=^$])")


def md(text: str, limit: int = 300) -> str:
    """Untrusted text as inert inline Markdown: one line, HTML entities, punctuation escaped."""
    flat = "".join(ch if ch.isprintable() else " " for ch in " ".join(str(text).splitlines()))
    if len(flat) > limit:
        flat = flat[: limit - 1] + "…"
    flat = _MD_SPECIAL.sub(r"\\\1", flat)
    return "".join(_HTML.get(ch, ch) for ch in flat)


def html_text(text: str, limit: int = 300) -> str:
    """Untrusted text as inert text inside an HTML block (``<summary>``): one line, every
    character that HTML, autolinks or mentions read written as an entity."""
    flat = "".join(ch if ch.isprintable() else " " for ch in " ".join(str(text).splitlines()))
    if len(flat) > limit:
        flat = flat[: limit - 1] + "…"
    return "".join(_HTML.get(ch, ch) for ch in flat)


_REPOSITORY = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_SHA = re.compile(r"^[0-9a-f]{7,64}$")
_HOST = re.compile(r"^[A-Za-z0-9.-]+(?::[0-9]{1,5})?$")


@dataclass(frozen=True)
class SourceLinks:
    """Where the scanned files can be read: ``{server}/{repository}/blob/{sha}/{path}``."""

    server: str
    repository: str
    sha: str

    def url(self, location: Location) -> str:
        """The file at the commit and line, the path percent-encoded."""
        path = location.uri or urllib.parse.quote(location.path, safe="/")
        return (f"{self.server}/{self.repository}/blob/{self.sha}/{path}"
                f"#L{max(1, location.start_line)}")


def source_links(server: str, repository: str, sha: str) -> SourceLinks | None:
    """``SourceLinks`` when all three values are there and well formed (an http(s) server
    without credentials, ``owner/name``, a hexadecimal commit id), else None: no links."""
    parts = urllib.parse.urlsplit(server.strip())
    if (parts.scheme not in ("https", "http") or not _HOST.match(parts.netloc)
            or parts.query or parts.fragment or not _REPOSITORY.match(repository)
            or not _SHA.match(sha.lower())):
        return None
    base = f"{parts.scheme}://{parts.netloc}{urllib.parse.quote(parts.path.rstrip('/'))}"
    return SourceLinks(base, repository, sha.lower())


_VERDICT = {Verdict.PASS: "✅ PASSED", Verdict.FAIL: "❌ FAILED",
            Verdict.ERROR: "⚠️ ERROR: a scanner could not do its job"}


def render(decision: Decision, *, max_bytes: int = BUDGET_BYTES,
           links: SourceLinks | None = None) -> str:
    """The summary Markdown, at most ``max_bytes`` bytes of UTF-8; ``links``: where each
    finding's file can be read (None: no links)."""
    head = _head(decision)
    tail = _tail(decision)
    failing = [d for d in decision.with_disposition(Disposition.FAIL) if d.duplicate_of is None]
    hints = waiver_hint.hinted(decision)
    shown = min(len(failing), MAX_FINDINGS)
    while True:
        body = _findings(failing, shown, links, hints)
        text = "\n".join([*head, *body, *tail]) + "\n"
        if len(text.encode("utf-8")) <= max_bytes or shown == 0:
            break
        shown //= 2
    data = text.encode("utf-8")
    if len(data) > max_bytes:  # only the fixed parts are left: cut them at a line boundary
        cut = data[: max_bytes - 64].decode("utf-8", "ignore")
        text = cut[: cut.rfind("\n") + 1] + "\n_(summary cut to stay under 1 MiB)_\n"
    return text


def _head(decision: Decision) -> list[str]:
    policy = decision.policy
    lines = [f"## secops-gate: {_VERDICT[decision.verdict]} (exit {decision.exit_code})", ""]
    for override in decision.overrides:
        lines += [f"> [!CAUTION]\n> **Override:** {md(override, 300)}", ""]
    if decision.policy_changed:
        lines += [f"> [!WARNING]\n> **{md(decision.policy_changed, 600)}**", ""]
    if decision.reasons:
        lines.append("**Why:**")
        lines += [f"- {md(r, 600)}" for r in decision.reasons]
        lines.append("")
    chain = " ← ".join(md(c, 200) for c in policy.chain) if policy.chain else md(policy.source)
    at = f" at git ref {md(decision.policy_ref, 80)}" if decision.policy_ref else ""
    lines.append(f"Policy: {chain}{at} (fail\\_on = {level_word(policy.fail_on)}, "
                 f"report = {level_word(policy.report)})")
    if decision.partial:
        lines.append(f"Partial scan of {len(decision.scanned)} file(s){_cache(decision)}; "
                     f"SARIF category "
                     f"{md(decision.category, 80)}: {_files(decision.scanned)}")
    else:
        lines.append(f"Scanned {decision.files_scanned} file(s){_cache(decision)}.")
        if decision.coverage is not None:
            lines.append(f"Coverage: {md(decision.coverage.line(), 600)}.")
    lines += [f"{md(r.scanner, 40)}: {md(r.data, 300)}." for r in decision.runs if r.data]
    lines.append("")
    lines += _counts(decision)
    classes = by_class(decision)
    if classes:
        lines += ["", "By path class: " + "; ".join(md(c, 200) for c in classes) + "."]
    unscored = defaulted(decision.items)
    if unscored:
        lines += ["", f"_{md(unscored, 300)}_"]
    errors = decision.failed_runs
    if errors:
        lines += ["", "### Scanner errors", ""]
        lines += [f"- **{md(r.scanner, 40)}**: {md(r.error or '', 300)}" for r in errors]
    return lines


def _cache(decision: Decision) -> str:
    """``; cache: N of M file(s) reused`` (scanner-file pairs) when the cache was on."""
    if not decision.cache_used:
        return ""
    reused = sum(r.reused for r in decision.runs)
    return f"; cache: {reused} of {sum(r.files for r in decision.runs)} file(s) reused"


def _files(files: tuple[str, ...]) -> str:
    if not files:
        return "none"
    listed = ", ".join(md(f, 200) for f in files[:MAX_FILES_LISTED])
    more = f" and {len(files) - MAX_FILES_LISTED} more" if len(files) > MAX_FILES_LISTED else ""
    return listed + more


def _counts(decision: Decision) -> list[str]:
    dispositions = [d.value for d in Disposition]
    per: dict[str, Counter[str]] = {r.scanner: Counter() for r in decision.runs}
    for item in decision.items:
        if item.duplicate_of is None:
            per.setdefault(item.finding.scanner, Counter())[item.disposition.value] += 1
    lines = ["| scanner | status | " + " | ".join(dispositions) + " |",
             "|---|---|" + "---:|" * len(dispositions)]
    status = {r.scanner: ("ok" if r.ok else "**error**") for r in decision.runs}
    for name in sorted(per):
        counts = per[name]
        lines.append(f"| {md(name, 40)} | {status.get(name, 'ok')} | "
                     + " | ".join(str(counts[d]) for d in dispositions) + " |")
    total = decision.counts()
    lines.append("| **total** | | " + " | ".join(f"**{total[d]}**" for d in dispositions)
                 + " |")
    return lines


def _rule(entry: Decided | PackageGroup) -> str:
    """The group an entry is listed under: its scanner and rule (a vulnerable pin's advisories
    together, as one kind)."""
    if isinstance(entry, PackageGroup):
        return f"{entry.first.finding.scanner}/vulnerable dependencies"
    return f"{entry.finding.scanner}/{entry.finding.rule_id}"


def _findings(failing: list[Decided], shown: int, links: SourceLinks | None,
              hints: Mapping[int, list[str]]) -> list[str]:
    if not failing:
        return []
    listed = entries(failing)
    groups: dict[str, list[Decided | PackageGroup]] = {}
    for entry in listed[:shown]:
        groups.setdefault(_rule(entry), []).append(entry)
    lines = ["", f"### Failing findings ({len(failing)})", ""]
    for rule, members in groups.items():
        lines += _group(rule, members, links, hints)
    rest = listed[shown:]
    if rest:
        per = Counter[str]()
        for entry in rest:
            per[_rule(entry)] += count([entry])
        named = ", ".join(f"{md(rule, 120)} ({n})" for rule, n in per.most_common(20))
        more = f" and {len(per) - 20} more rule(s)" if len(per) > 20 else ""
        lines.append(f"… and {count(rest)} more failing finding(s) ({named}{more}): see the "
                     "SARIF upload or `gate scan --json`.")
    return lines


def _group(rule: str, members: Sequence[Decided | PackageGroup], links: SourceLinks | None,
           hints: Mapping[int, list[str]]) -> list[str]:
    """One rule's findings, folded: a summary line, a table (location linked, message,
    fix) and the ``[[waivers]]`` entry of its first hinted finding."""
    worst = max(e.severity for e in members)
    first = members[0]
    name = "" if isinstance(first, PackageGroup) else first.finding.rule_name
    summary = (f"{worst.word.upper()} {html_text(rule, 160)}"
               + (f": {html_text(name, 160)}" if name and name != rule.split("/", 1)[1] else "")
               + f" ({count(members)} finding(s))")
    lines = [f"<details><summary>{summary}</summary>", "",
             "| severity | location | message | fix |", "|---|---|---|---|"]
    toml: list[str] = []
    for entry in members:
        lines.append(_row(entry, links))
        if not toml:
            toml = waiver_hint.for_entry(entry, hints)
    if toml:
        lines += ["", "to waive:", "", "```toml", *(_inert_toml(t) for t in toml), "```"]
    return [*lines, "", "</details>", ""]


_TOML_INERT = {ord(ch): f"\\u{ord(ch):04X}" for ch in "<>&@`:"}


def _inert_toml(line: str) -> str:
    """A hint line with no character Markdown, HTML or a workflow command could act on,
    still the same TOML: outside a comment such characters only occur inside strings,
    written as ``\\uXXXX`` escapes; in a comment they become ``?``."""
    if line.startswith("#"):
        return "".join("?" if ch in "<>&@`" else ch for ch in line).replace("::", "?")
    return line.translate(_TOML_INERT)


def _row(entry: Decided | PackageGroup, links: SourceLinks | None) -> str:
    item = entry.first if isinstance(entry, PackageGroup) else entry
    f = item.finding
    where = f"{md(f.location.path, 200)}&#58;{f.location.start_line}"
    if links is not None:
        where = f"[{where}]({links.url(f.location)})"
    if isinstance(entry, PackageGroup):
        message = f"{md(entry.headline(), 300)} ({md(entry.ids(), 200)})"
    else:
        also = f" (also {md(', '.join(item.also_found_by), 80)})" if item.also_found_by else ""
        also += f" (path class {md(item.path_class, 40)})" if item.path_class else ""
        message = f"{md(f.message, 240)}{also}"
    fix = waiver_hint.fix(entry)
    return (f"| {entry.severity.word} | {where} | {message} | "
            f"{md(fix, 300) if fix else ''} |")


def _tail(decision: Decision) -> list[str]:
    lines: list[str] = []
    expiring = [s for s in decision.waivers
                if s.expiring or s.status is WaiverStatus.EXPIRED]
    if expiring:
        lines += ["", "### Waivers expiring soon", ""]
        lines += [f"- {_waiver_line(s)}" for s in expiring[:50]]
    other = [w for w in decision.warnings
             if w not in decision.waiver_warnings and w != decision.policy_changed]
    other += [f"{s.waiver.label} matched no finding" for s in decision.waivers
              if s.status is WaiverStatus.UNUSED and s.waiver_warned]
    if other:
        lines += ["", "### Warnings", ""]
        lines += [f"- {md(w, 400)}" for w in other[:50]]
        if len(other) > 50:
            lines.append(f"- … and {len(other) - 50} more")
    return lines


def _waiver_line(state: WaiverState) -> str:
    waiver = state.waiver
    when = waiver.expires.isoformat()
    if state.status is WaiverStatus.EXPIRED:
        head = f"{waiver.label} expired on {when}"
    else:
        days = "today" if state.days_left == 0 else f"in {state.days_left} day(s)"
        head = f"{waiver.label} expires {days}, on {when}"
    return f"{md(head, 200)} ({state.matched} finding(s)): {md(waiver.reason, 300)}"

