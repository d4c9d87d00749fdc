"""The JSON report: every finding with its disposition, every run with its timing."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from gate import __version__, finding_codec
from gate.findings import Finding
from gate.policy.decision import Decided, Decision
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
        "overrides": list(decision.overrides),
        "policy": {"source": policy.source, "chain": list(policy.chain),
                   "fail_on": level_word(policy.fail_on), "report": level_word(policy.report)},
        "counts": decision.counts(),
        "path_classes": [
            {"name": k.name, "patterns": list(k.patterns), "adjustments": k.describe(),
             "counts": decision.class_counts()[k.name]} for k in policy.paths],
        "no_path_class": decision.class_counts()[None],
        "class_effects": [asdict(e) for e in decision.class_effects],
        "runs": [
            {"scanner": r.scanner, "tool": r.tool, "version": r.version,
             "arguments": list(r.arguments), "exit_code": r.exit_code, "ok": r.ok,
             "error": r.error, "files": r.files, "duration_seconds": round(r.duration, 3),
             "skipped": [asdict(s) for s in r.skipped], "notes": list(r.notes),
             "reused": r.reused, "data": r.data, "warnings": list(r.warnings)}
            for r in decision.runs
        ],
        "findings": [_item(d) for d in decision.items],
        "absent": list(decision.absent),
        "waivers": [
            {"label": s.waiver.label, "rule": s.waiver.rule, "fingerprint": s.waiver.fingerprint,
             "paths": list(s.waiver.paths), "reason": s.waiver.reason,
             "expires": s.waiver.expires.isoformat(), "owner": s.waiver.owner,
             "ticket": s.waiver.ticket, "status": s.status, "days_left": s.days_left,
             "expiring": s.expiring, "matched": s.matched,
             **({"until_fixed": True, "fixed_by": s.fixed_by} if s.waiver.until_fixed else {})}
            for s in decision.waivers
        ],
        "skipped_by_gate": [asdict(s) for s in decision.skipped],
        "coverage": None if decision.coverage is None else {
            "files": decision.coverage.total, "content_scanners": decision.coverage.content,
            "secrets_only": decision.coverage.secrets_only,
            "secrets_only_read_by": list(decision.coverage.readers),
            "not_analysed": [asdict(s) for s in decision.coverage.not_analysed]},
        "links_not_followed": list(decision.links),
    }


def _dependency(extra: dict[str, str]) -> dict[str, Any]:
    """A vulnerable pin's package, version, fixed versions and what scored it."""
    if "package" not in extra:
        return {}
    fixed = extra.get("fixed_versions", "")
    return {"package": extra["package"], "version": extra.get("version"),
            "fixed_versions": [v for v in fixed.split(",") if v],
            "fixes_all": extra.get("fixes_all") or None,
            "severity_source": extra.get("severity_source"),
            **({"reachability": extra["reachability"],
                "reachable_at": extra.get("reachable_at") or None}
               if "reachability" in extra else {})}


def _twin(f: Finding) -> dict[str, Any]:
    """Another scanner's finding of the same issue (it is listed in full on its own too, with
    ``duplicate_of`` naming this one)."""
    loc = f.location
    return {"scanner": f.scanner, "rule_id": f.rule_id, "path": loc.path,
            "start_line": loc.start_line, "end_line": loc.end_line, "cwe": list(f.cwe),
            "severity": f.severity.word, "fingerprint": f.fingerprint}


def _item(item: Decided) -> dict[str, Any]:
    """The finding as ``finding_codec`` writes it (so ``gate evaluate`` and ``gate report``
    read it back), with the severity the policy gave it and what the policy decided."""
    f = item.finding
    return {
        **finding_codec.to_dict(f),
        "severity": item.severity.word, "tool_severity": f.severity.word,
        "disposition": item.disposition.value, "reason": item.reason,
        "waiver": item.waiver.label if item.waiver else None,
        "baseline_state": item.baseline_state,
        "also_found_by": list(item.also_found_by), "duplicate_of": item.duplicate_of,
        "twins": [_twin(t) for t in item.twins],
        "path_class": item.path_class, "path_effects": list(item.path_effects),
        **_dependency(dict(f.extra)),
        **{key: value for key, value in f.extra if key in ("member", "manifest_class")},
    }
