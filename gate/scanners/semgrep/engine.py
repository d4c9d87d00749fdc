"""Which semgrep command line runs the packs, and how its JSON is made the same.

Semgrep's wheel ships two command lines: the Python one (``semgrep scan``) and an OCaml one
(``semgrep scan --experimental``) that starts about three times faster. The gate uses the
OCaml one only for the semgrep versions in ``EQUIVALENT_VERSIONS``: versions for which
``tests/scanners/test_semgrep_engine.py`` ran both on every rule fixture and on a targeting
fixture (a file over semgrep's size limit, a timeout, a file that does not parse,
``# nosemgrep`` lines, an in-tree ``.semgrepignore``) and found the same results, errors
and scanned/skipped paths once normalised here. Any other version, or a replaced command
(``GATE_SEMGREP_COMMAND``: its version is unknown), runs the Python command line. The
choice is made before the run, never by retrying a failed one.

Differences of the OCaml command line that :func:`normalise` removes:

- rule ids: the Python CLI prefixes them with the rules file's folder (dotted), the OCaml
  one does not (the adapter strips any prefix: :func:`gate.scanners.semgrep.rulepacks.
  strip_rule_prefix`);
- a file over ``--max-target-bytes`` is skipped as ``too_big`` where the Python CLI says
  ``exceeded_size_limit`` (the gate passes ``--max-target-bytes=0``: the Python CLI ignores
  the limit for files named on its command line, the OCaml one does not, so only the
  gate's own discovery limit applies to both);
- skipped entries carry ``details`` and ``rule_id`` (dropped);
- ``-o FILE`` is ignored (the JSON is on stdout): the adapter always reads stdout.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Any, Final


class Engine(StrEnum):
    """A semgrep command line. The run record's arguments name it: they begin ``scan
    --experimental`` for the OCaml CLI (SARIF ``invocations``, JSON ``runs``)."""

    PYTHON = "semgrep scan (Python CLI)"
    OCAML = "semgrep scan --experimental (OCaml CLI)"


EQUIVALENT_VERSIONS: Final = frozenset({"1.185.0"})
"""Semgrep versions for which the equivalence tests passed: these run the OCaml CLI."""

ENGINE_ARGS: Final[Mapping[Engine, tuple[str, ...]]] = {
    Engine.PYTHON: (),
    Engine.OCAML: ("--experimental",),
}
"""What each engine adds after ``scan`` on the command line."""

_SKIP_REASONS: Final = {"too_big": "exceeded_size_limit"}


def engine_for(version: str) -> Engine:
    """The engine for a pinned semgrep ``version`` (``unknown``: the Python CLI)."""
    return Engine.OCAML if version in EQUIVALENT_VERSIONS else Engine.PYTHON


def normalise(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` (semgrep's JSON) with skipped paths as the Python CLI words them."""
    paths = data.get("paths")
    skipped = paths.get("skipped") if isinstance(paths, dict) else None
    if not isinstance(paths, dict) or not isinstance(skipped, list):
        return data
    same = [_skip(item) if isinstance(item, dict) else item for item in skipped]
    return {**data, "paths": {**paths, "skipped": same}}


def _skip(item: dict[str, Any]) -> dict[str, Any]:
    reason = str(item.get("reason", ""))
    out = {k: v for k, v in item.items() if k not in ("details", "rule_id")}
    out["reason"] = _SKIP_REASONS.get(reason, reason)
    return out


def comparable(data: dict[str, Any], rule_id: Callable[[str], str]) -> dict[str, list[str]]:
    """Semgrep's JSON as two engines' runs are compared (equivalence tests, benchmarks):
    normalised (:func:`normalise`), rule ids through ``rule_id`` (in errors' messages too),
    each list of results, errors, scanned and skipped paths sorted, entries as JSON text."""
    data = normalise(data)
    results = [{**r, "check_id": rule_id(str(r["check_id"]))} for r in data["results"]]
    errors = []
    for error in data["errors"]:
        shown = dict(error)
        if "rule_id" in shown:
            long_id, shown["rule_id"] = str(shown["rule_id"]), rule_id(str(shown["rule_id"]))
            shown["message"] = str(shown.get("message", "")).replace(long_id, shown["rule_id"])
        errors.append(shown)
    paths = data["paths"]
    return {"results": _canonical(results), "errors": _canonical(errors),
            "scanned": sorted(str(p) for p in paths["scanned"]),
            "skipped": _canonical(paths["skipped"])}


def _canonical(items: list[Any]) -> list[str]:
    return sorted(json.dumps(item, sort_keys=True) for item in items)
