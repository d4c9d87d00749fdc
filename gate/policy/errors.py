"""Policy errors that carry the file, line and key path."""

from __future__ import annotations

from dataclasses import dataclass

from gate.errors import GateError


@dataclass(frozen=True)
class PolicyIssue:
    """One problem in a policy file."""

    file: str
    line: int | None
    key: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        key = f" [{_one_line(self.key)}]" if self.key else ""
        return f"{_one_line(where)}:{key} {_one_line(self.message)}"


def _one_line(text: str) -> str:
    """Text from a policy file (keys, values) as one inert line: control characters shown
    as escapes, so a key cannot start a new line of output."""
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)


class PolicyError(GateError):
    """The policy cannot be used (exit 2); ``issues`` says every reason found."""

    def __init__(self, issues: list[PolicyIssue]) -> None:
        super().__init__("\n".join(str(i) for i in issues),
                         hint="'gate policy check FILE' validates a policy without scanning; "
                         "docs/policy.md lists every key")
        self.issues = issues
