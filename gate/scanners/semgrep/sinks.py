"""Taint rules run only on the files where one of their sinks matches.

Semgrep's taint engine is intraprocedural and runs a rule's data-flow pass over every
function of a file its prefilter admits, sink or no sink: on Django's ``django/`` 85 % of the
outside-data packs' match time went to rule and file pairs where the rule's sinks match
nothing. A rule can only report at a sink, so a first run of every rule's sinks as a search
rule (the same formulas; a sink's ``requires`` dropped, which can only match more) tells which
files each rule can report in. The taint run then gets only those files, each rule limited by
its ``paths.include`` to their names (a basename pattern: other files of that name in the run
only cost time). A file the first run did not read cleanly goes to the taint run with every
rule, which reads and reports it as it always did.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any, Final

from gate.scanners.semgrep import rulepacks

MIN_FILES: Final = 8
"""Files below which the first run costs more than it saves (its start and parse)."""
MIN_RULES: Final = 3
"""Taint rules below which the first run costs more than it saves."""
_SEARCH_ONLY: Final = frozenset({"requires"})
"""Sink keys that only a taint rule reads (dropped in the search: a superset of matches)."""
_PLAIN_NAME: Final = re.compile(r"[A-Za-z0-9_.-]+")
"""A basename that is its own glob pattern (no glob, negation or comment character)."""
_RULE_START: Final = re.compile(r"^(?P<indent> *)- id: (?P<id>[A-Za-z0-9_.-]+)[ \t]*$", re.M)


def taint_rules(pack: str) -> list[dict[str, Any]]:
    """The taint rules of pack file ``pack`` (``web-command.yml``)."""
    return [rule for rule in rulepacks.rules(pack.removesuffix(".yml"))
            if rule.get("mode") == "taint"]


def worth_it(packs: Sequence[str], paths: Sequence[str]) -> bool:
    """Whether a run of ``packs`` on ``paths`` should first find its rules' sinks: enough
    files and rules, and taint rules only (a search rule must see every file)."""
    if len(paths) < MIN_FILES:
        return False
    rules = [rule for pack in packs for rule in rulepacks.rules(pack.removesuffix(".yml"))]
    return len(rules) >= MIN_RULES and all(rule.get("mode") == "taint" for rule in rules)


def search_rules(packs: Sequence[str]) -> str:
    """Every taint rule of ``packs`` as a search rule of its sinks, under its own id (JSON,
    which semgrep reads as YAML)."""
    rules = [{"id": rule["id"], "languages": rule["languages"], "severity": "INFO",
              "message": "sink", "options": rule.get("options") or {},
              "pattern-either": [{k: v for k, v in sink.items() if k not in _SEARCH_ONLY}
                                 for sink in rule["pattern-sinks"]]}
             for pack in packs for rule in taint_rules(pack)]
    return json.dumps({"rules": rules}, indent=1)


def restrict(pack_text: str, include: Mapping[str, Sequence[str]]) -> str | None:
    """``pack_text`` with each rule named in ``include`` limited to those file names (its
    ``paths.include``), or dropped when it has none; rules not named are left as they are.
    None when no rule is left. The rest of the text is unchanged, byte for byte (semgrep
    shares the matches of identical sanitiser and source entries across rules)."""
    starts = list(_RULE_START.finditer(pack_text))
    if not starts:
        return pack_text
    out = [pack_text[:starts[0].start()]]
    kept = 0
    for index, match in enumerate(starts):
        end = starts[index + 1].start() if index + 1 < len(starts) else len(pack_text)
        block = pack_text[match.start():end]
        names = include.get(match["id"])
        if names is None:
            out.append(block)
        elif names:
            head = pack_text[match.start():match.end()]
            body = " " * (len(match["indent"]) + 2)
            paths = "".join(f"\n{body}    - {json.dumps(n)}" for n in names)
            out.append(f"{head}\n{body}paths:\n{body}  include:{paths}{block[len(head):]}")
        else:
            continue
        kept += 1
    return "".join(out) if kept else None


def includes(found: Mapping[str, set[str]], every: set[str], rules: frozenset[str]
             ) -> dict[str, list[str] | None]:
    """Each rule's file names: those of the files where its sinks matched and of ``every``
    (files to give every rule); None (no limit) when one of them is no plain name."""
    out: dict[str, list[str] | None] = {}
    for rule_id in sorted(rules):
        names = sorted({path.rsplit("/", 1)[-1] for path in found.get(rule_id, set()) | every})
        out[rule_id] = names if all(_PLAIN_NAME.fullmatch(n) for n in names) else None
    return out
