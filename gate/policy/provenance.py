"""Where each effective policy value came from: the file in the ``extends`` chain that set it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from gate.guards.bounded import loads_toml
from gate.policy.load import preset_text, read_file

BUILT_IN = "built-in default"


def _raw(origin: str, reader: Callable[[Path], str]) -> dict[str, Any]:
    try:
        if origin.startswith("preset:"):
            text = preset_text(origin.removeprefix("preset:"))
        else:
            text = reader(Path(origin))
        data: dict[str, Any] = loads_toml(text)
    except (OSError, UnicodeDecodeError, KeyError, ValueError):
        return {}
    if origin.endswith("pyproject.toml"):
        inner = data.get("tool", {}).get("gate", {})
        return inner if isinstance(inner, dict) else {}
    return data


def origins(chain: tuple[str, ...], reader: Callable[[Path], str] = read_file
            ) -> dict[str, str]:
    """``{"fail_on": "gate.toml", "scanners.bandit.timeout": "preset:strict",
    "waivers[0]": ..., "rules[1]": ...}`` for every key a file in ``chain`` sets.

    ``chain`` is child first (as ``Policy.chain``); the child wins, and ``[[rules]]`` and
    ``[[waivers]]`` are numbered base first, as ``extends`` concatenates them.
    """
    found: dict[str, str] = {}
    counters = {"rules": 0, "waivers": 0}
    for origin in reversed(chain):
        data = _raw(origin, reader)
        for key, value in data.items():
            if key in counters and isinstance(value, list):
                for _ in value:
                    found[f"{key}[{counters[key]}]"] = origin
                    counters[key] += 1
            elif isinstance(value, Mapping):
                for name, inner in value.items():
                    if isinstance(inner, Mapping):
                        for sub in inner:
                            found[f"{key}.{name}.{sub}"] = origin
                    else:
                        found[f"{key}.{name}"] = origin
            elif key != "extends":
                found[key] = origin
    return found
