"""The policy as committed at a git ref (the base of a pull request), and what the working
tree changed in it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from gate.guards.bounded import loads_toml
from gate.policy.load import discover as discover_policy
from gate.policy.load import load, read_file
from gate.policy.model import Policy
from gate.tree.git import RefSource


@dataclass(frozen=True)
class RefPolicy:
    """The policy read from a ref, and what (if anything) the working tree changed in it."""

    policy: Policy
    ref: str
    changed: str = ""


def policy_from_ref(root: Path, explicit: Path | None, ref: str) -> RefPolicy:
    """Load the policy (``extends`` chain, waivers) as committed at ``ref``.

    ``changed`` says loudly when the working tree's policy differs from the ref's.
    Raises GitError for an unknown ref, PolicyError for a bad policy at the ref.
    """
    source = RefSource.open(root, ref)
    if explicit is not None and not explicit.is_absolute():
        explicit = (Path.cwd() / explicit).resolve()
    policy = load(root, explicit, reader=source.reader(), exists=source.exists())
    return RefPolicy(policy, ref, _policy_change(root, explicit, source, policy))


def _policy_change(root: Path, explicit: Path | None, source: RefSource, policy: Policy
                   ) -> str:
    at_ref = discover_policy(root, explicit, source.exists())
    here = discover_policy(root, explicit)
    if str(at_ref) != str(here):
        return (f"POLICY CHANGED: this change moves the policy from {_name(root, at_ref)} "
                f"(at {source.ref}) to {_name(root, here)}; the policy at {source.ref} "
                "applies")
    changed = []
    if not isinstance(here, str) and str(here) not in policy.chain:
        policy_file = Path(here)  # e.g. a pyproject.toml that gains a [tool.gate] table
        if _differs(policy_file, source):
            changed.append(_name(root, policy_file))
    for entry in policy.chain:
        if entry.startswith("preset:"):
            continue
        if _differs(Path(entry), source):
            changed.append(_name(root, Path(entry)))
    if changed:
        return (f"POLICY CHANGED: this change modifies {', '.join(changed)}; the policy at "
                f"{source.ref} applies, not the modified one")
    return ""


def _differs(path: Path, source: RefSource) -> bool:
    """Whether the policy in ``path`` differs between the working tree and the ref."""
    try:
        return _policy_text(path, read_file(path)) != _policy_text(path, source.reader()(path))
    except (OSError, UnicodeDecodeError, KeyError, ValueError):
        return True


def _policy_text(path: Path, text: str) -> object:
    """What counts as the policy in a file: all of it, or ``[tool.gate]`` of a pyproject."""
    if path.name == "pyproject.toml":
        return loads_toml(text).get("tool", {}).get("gate")
    return text


def _name(root: Path, where: Path | str) -> str:
    if isinstance(where, str):
        return f"preset:{where}"
    try:
        return where.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(where)
