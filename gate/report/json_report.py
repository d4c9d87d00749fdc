"""The JSON report: every finding with its disposition, every run with its timing."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from gate import __version__
from gate.decision import Decided, Decision
from gate.policy.model import level_word


def render(decision: Decision, extra: dict[str, Any] | None = None) -> str:
    """The full JSON report text; ``extra`` adds top-level keys (a shard's ``shard``)."""
    return json.dumps({**to_dict(decision), **(extra or {})}, indent=2,
                      ensure_ascii=False) + "\n"


def to_dict(decision: Decision) -> dict[str, Any]:
    """The JSON report as data."""
    policy = decision.policy
    return {
        "gate_version": __version__,
        "verdict": decision.verdict.value,
        "exit_code": decision.exit_code,
        "reasons": list(decision.reasons),
        "warnings": list(decision.warnings),
        "category": decision.category,
        "partial": decision.partial,
        "files_scanned": decision.files_scanned,
        "scanned": list(decision.scanned),
        "policy_ref": decision.policy_ref or None,
        "policy_changed": decision.policy_changed or None,
        "policy": {"source": policy.source, "chain": list(policy.chain),
                   "fail_on": level_word(policy.fail_on), "report": level_word(policy.report)},
        "counts": decision.counts(),
        "runs": [
            {"scanner": r.scanner, "tool": r.tool, "version": r.version,
             "arguments": list(r.arguments), "exit_code": r.exit_code, "ok": r.ok,
             "error": r.error, "files": r.files, "duration_seconds": round(r.duration, 3),
             "skipped": [asdict(s) for s in r.skipped], "notes": list(r.notes),
             "reused": r.reused}
            for r in decision.runs
        ],
        "findings": [_item(d) for d in decision.items],
        "absent": list(decision.absent),
        "waivers": [
            {"label": s.waiver.label, "rule": s.waiver.rule, "fingerprint": s.waiver.fingerprint,
             "paths": list(s.waiver.paths), "reason": s.waiver.reason,
             "expires": s.waiver.expires.isoformat(), "owner": s.waiver.owner,
             "ticket": s.waiver.ticket, "status": s.status, "days_left": s.days_left,
             "expiring": s.expiring, "matched": s.matched}
            for s in decision.waivers
        ],
        "skipped_by_gate": [asdict(s) for s in decision.skipped],
    }


def _item(item: Decided) -> dict[str, Any]:
    f = item.finding
    loc = f.location
    return {
        "scanner": f.scanner, "rule_id": f.rule_id, "rule_name": f.rule_name,
        "aliases": list(f.aliases), "message": f.message,
        "severity": item.severity.word, "tool_severity": f.severity.word,
        "confidence": f.confidence.word, "disposition": item.disposition.value,
        "reason": item.reason,
        "waiver": item.waiver.label if item.waiver else None,
        "baseline_state": item.baseline_state,
        "also_found_by": list(item.also_found_by), "duplicate_of": item.duplicate_of,
        "path": loc.path, "start_line": loc.start_line, "start_column": loc.start_column,
        "end_line": loc.end_line, "end_column": loc.end_column,
        "cwe": list(f.cwe), "help_uri": f.help_uri, "remediation": f.remediation,
        "tags": list(f.tags), "fingerprint": f.fingerprint, "secret": f.secret,
    }
