"""Decision → an OpenVEX 0.2.0 document (``--vex FILE``): what the team's decisions say about
each advisory of a vulnerable pin.

- ``not_affected`` only for an advisory waived by an active waiver that says
  ``vex = "not_affected"`` (its ``justification``; its reason as ``impact_statement``), or for a
  pin whose reachability is ``not-imported`` (``vulnerable_code_not_in_execute_path``);
- ``affected`` for every other advisory the report shows (failing, warning, waived, in the
  baseline), with an ``action_statement``: the waiver's reason, date and ticket when waived,
  then the version that fixes it (or that none is known).

Hidden findings get no statement. The product of a statement is the pinned release as a purl
(``pkg:pypi/name@version``); one statement per advisory and release, ``affected`` when any of
its manifest lines is. The output is deterministic: the timestamp is the date the policy was
applied on (midnight UTC) and the ``@id`` a UUID derived from the statements.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

from gate import __version__
from gate.deps.findings import fixing_version, is_advisory, purl
from gate.deps.reachability import NOT_IMPORTED
from gate.policy.decision import Decided, Decision, Disposition, sort_key

CONTEXT = "https://openvex.dev/ns/v0.2.0"
AUTHOR = "secops-gate"
NOT_IN_PATH = "vulnerable_code_not_in_execute_path"


def _vulnerability(item: Decided) -> dict[str, Any]:
    f = item.finding
    out: dict[str, Any] = {"name": f.rule_id}
    if f.help_uri.startswith("https://"):
        out["@id"] = f.help_uri
    if f.rule_name and f.rule_name != f.rule_id:
        out["description"] = f.rule_name
    aliases = sorted({a for a in f.aliases if a != f.rule_id})
    if aliases:
        out["aliases"] = aliases
    return out


def _fix_text(item: Decided) -> str:
    package = dict(item.finding.extra)["package"]
    fix = fixing_version(item.finding)
    if fix is not None:
        return f"Upgrade {package} to {fix} or later."
    return f"No fixed version of {package} is known: remove or replace it."


def _verdict(item: Decided) -> dict[str, str]:
    """The status and its words for one advisory finding."""
    extra = dict(item.finding.extra)
    waiver = item.waiver if item.disposition is Disposition.WAIVED else None
    if waiver is not None and waiver.vex == "not_affected":
        return {"status": "not_affected", "justification": waiver.justification,
                "impact_statement": waiver.reason}
    if extra.get("reachability") == NOT_IMPORTED:
        return {"status": "not_affected", "justification": NOT_IN_PATH,
                "impact_statement": f"No first-party code imports {extra['package']} or runs "
                "its commands, and no imported distribution depends on it in the lock "
                "file's dependency graph."}
    action = _fix_text(item)
    if waiver is not None:
        ticket = f" (ticket {waiver.ticket})" if waiver.ticket else ""
        action = (f"Accepted until {waiver.expires.isoformat()}{ticket}: {waiver.reason}. "
                  + action)
    elif item.disposition is Disposition.WAIVED:  # an inline suppression
        action = f"Accepted: {item.reason}. " + action
    return {"status": "affected", "action_statement": action}


def statements(decision: Decision) -> list[dict[str, Any]]:
    """One statement per advisory and pinned release, ``affected`` when any of its lines is,
    sorted by advisory and product."""
    chosen: dict[tuple[str, str], tuple[Decided, dict[str, str]]] = {}
    for item in sorted(decision.items, key=sort_key):
        f = item.finding
        if item.duplicate_of is not None or item.disposition is Disposition.HIDDEN or \
                not is_advisory(f):
            continue
        extra = dict(f.extra)
        key = (f.rule_id, purl(extra["package"], extra.get("version", "")))
        verdict = _verdict(item)
        held = chosen.get(key)
        if held is None or (held[1]["status"] != "affected" and verdict["status"] == "affected"):
            chosen[key] = (item, verdict)
    out = []
    for (_, product), (item, verdict) in sorted(chosen.items()):
        statement: dict[str, Any] = {
            "vulnerability": _vulnerability(item),
            "products": [{"@id": product, "identifiers": {"purl": product}}],
            **verdict}
        reach = dict(item.finding.extra).get("reachability")
        if reach:
            where = dict(item.finding.extra).get("reachable_at", "")
            statement["status_notes"] = f"reachability: {reach}" + (f" ({where})" if where
                                                                     else "")
        out.append(statement)
    return out


def to_dict(decision: Decision) -> dict[str, Any] | None:
    """The OpenVEX document as JSON data; None when there is no advisory to state (OpenVEX
    asks for at least one statement)."""
    found = statements(decision)
    if not found:
        return None
    day = decision.today or dt.datetime.now(dt.UTC).date()
    canonical = json.dumps(found, sort_keys=True, ensure_ascii=True)
    return {
        "@context": CONTEXT,
        "@id": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, CONTEXT + '#' + canonical)}",
        "author": AUTHOR,
        "timestamp": f"{day.isoformat()}T00:00:00Z",
        "version": 1,
        "tooling": f"secops-gate {__version__}",
        "statements": found,
    }


def render(decision: Decision) -> str:
    """The OpenVEX JSON text; empty when there is no advisory to state."""
    data = to_dict(decision)
    if data is None:
        return ""
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
