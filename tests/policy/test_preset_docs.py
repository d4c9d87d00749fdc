"""docs/policy.md states every value each shipped preset sets, and every value of
``on_skipped_files``: the preset table is read back and compared with ``policies/*.toml``."""

from __future__ import annotations

import re
import tomllib
from typing import Any

from gate.policy.load import preset_text
from gate.policy.model import OnSkipped
from tests.helpers import REPO_ROOT

DOC = (REPO_ROOT / "docs" / "policy.md").read_text(encoding="utf-8")
PRESETS = ("default", "strict", "monitor")


def _table() -> dict[str, dict[str, str]]:
    """The preset table: key -> preset -> cell."""
    section = DOC[DOC.index("## Presets"):]
    section = section[: section.index("\n## ", 3)]
    rows = [line for line in section.splitlines() if line.startswith("| ")]
    header = [c.strip().strip("`") for c in rows[0].strip("|").split("|")]
    assert header == ["key", *PRESETS]
    out: dict[str, dict[str, str]] = {}
    for row in rows[1:]:
        cells = [c.strip() for c in row.strip("|").split("|")]
        out[cells[0].strip("`")] = dict(zip(PRESETS, cells[1:], strict=True))
    return out


def _settings(raw: dict[str, Any]) -> dict[str, Any]:
    """A preset's values keyed as the table's rows name them."""
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if isinstance(value, dict):
            for name, table in value.items():
                for sub, inner in table.items():
                    out[f"[{key}.{name}] {sub}"] = inner
        elif key != "rules":
            out[key] = value
    return out


def test_every_value_of_every_preset_is_in_the_table() -> None:
    table = _table()
    for preset in PRESETS:
        raw = tomllib.loads(preset_text(preset))
        settings = _settings(raw)
        for key, value in settings.items():
            assert key in table, f"{preset}: {key} has no row"
            word = str(value).lower()
            assert table[key][preset].startswith(f"`{word}`"), (preset, key, value)
        for key, cells in table.items():  # a row's cell for a preset that does not set it
            if key not in settings and key != "[[rules]]":
                assert cells[preset] == "—", (preset, key)
        rules = table["[[rules]]"][preset]
        if not raw.get("rules"):
            assert rules == "—"
        for rule in raw.get("rules", []):
            part = re.search(rf"{rule['scanner']} [^;]*`{rule['id']}`[^;]*→ `(\w+)`", rules)
            assert part is not None and part.group(1) == rule["severity"], rule


def test_on_skipped_files_and_its_values_are_documented() -> None:
    choices = {member.value for member in OnSkipped}
    assert choices == {"fail", "warn", "changed"}
    row = next(line for line in DOC.splitlines() if line.startswith("| `on_skipped_files` |"))
    assert all(f"`{c}`" in row for c in choices)
    assert '`on_skipped_files = "changed"`' in DOC and "merge-base(REF, HEAD)" in DOC
