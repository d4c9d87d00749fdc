"""Property tests: any policy text gives a Policy or a PolicyError (exit 2 with a message),
and any SARIF text given to ``gate evaluate`` gives findings or a clear error; never a crash."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gate.policy.errors import PolicyError
from gate.policy.load import load_text
from gate.policy.model import Policy
from gate.policy.schema import KNOWN_SCANNERS, SCANNER_COMMON, SCANNER_SPECIFIC, TOP, WAIVER_KEYS
from tests.helpers import run_gate

KEYS = sorted({*TOP, *SCANNER_COMMON, *WAIVER_KEYS, "id", "ignore", "severity", "scanner",
               "paths", "bogus", "", "a.b", *[k for v in SCANNER_SPECIFIC.values() for k in v]})
SCALARS = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30), st.floats(allow_nan=True),
    st.booleans(), st.text(max_size=12),
    st.sampled_from(["high", "critical", "none", "fail", "warn", "allow", "default", "strict",
                     "../x.toml", "/etc/passwd", "preset:default"]),
    st.dates(min_value=dt.date(1, 1, 1)), st.datetimes(), st.times(),
)


def toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "nan" if value != value else ("inf" if value == float("inf") else
                                              "-inf" if value == float("-inf") else repr(value))
    if isinstance(value, (int, dt.date, dt.datetime, dt.time)):
        return value.isoformat() if hasattr(value, "isoformat") else str(value)
    text = str(value)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") \
        .encode("ascii", "backslashreplace").decode().replace("\\x", "\\u00") + '"'


VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3), max_leaves=6)


def render(value: object) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(render(v) for v in value) + "]"
    return toml_value(value)


@st.composite
def policy_texts(draw: st.DrawFn) -> str:
    lines = []
    if draw(st.booleans()):
        lines.append("version = " + draw(st.sampled_from(["1", "2", '"1"', "true", "1.0"])))
    for _ in range(draw(st.integers(0, 4))):
        lines.append(f'"{draw(st.sampled_from(KEYS))}" = {render(draw(VALUES))}')
    for _ in range(draw(st.integers(0, 2))):
        name = draw(st.sampled_from([*KNOWN_SCANNERS, "nope", "scanners"]))
        lines.append(f'[scanners."{name}"]')
        for _ in range(draw(st.integers(0, 3))):
            lines.append(f'"{draw(st.sampled_from(KEYS))}" = {render(draw(VALUES))}')
    for _ in range(draw(st.integers(0, 2))):
        lines.append(f"[[{draw(st.sampled_from(['rules', 'waivers', 'scanners', 'extra']))}]]")
        for _ in range(draw(st.integers(0, 4))):
            lines.append(f'"{draw(st.sampled_from(KEYS))}" = {render(draw(VALUES))}')
    if draw(st.booleans()):  # damage: cut, or splice random characters in
        text = "\n".join(lines)
        at = draw(st.integers(0, len(text)))
        return text[:at] + draw(st.text(max_size=8)) + text[at + draw(st.integers(0, 5)):]
    return "\n".join(lines) + "\n"


def check(text: str) -> None:
    try:
        policy = load_text(text, "fuzz.toml")
    except PolicyError as exc:
        assert str(exc).strip()
        return
    assert isinstance(policy, Policy)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(policy_texts())
def test_structured_policy_text_never_crashes(text: str) -> None:
    check(text)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_text_never_crashes(text: str) -> None:
    check(text)


@settings(max_examples=6, deadline=None)
@given(policy_texts())
def test_policy_check_exits_0_or_2_with_a_message(tmp_path_factory: pytest.TempPathFactory,
                                                  text: str) -> None:
    folder = tmp_path_factory.mktemp("policy")
    (folder / "p.toml").write_text(text, encoding="utf-8", errors="surrogatepass")
    result = run_gate("policy", "check", "p.toml", cwd=folder)
    assert "Traceback" not in result.output
    assert (result.code == 0 and "policy OK" in result.stdout) or \
        (result.code == 2 and result.stderr.startswith("gate: error: ")), result.output


def test_policy_check_on_unreadable_and_binary_files(tmp_path: Path) -> None:
    (tmp_path / "bin.toml").write_bytes(b"\xff\xfe\x00version = 1\n")
    for name in ("bin.toml", "missing.toml", "."):
        result = run_gate("policy", "check", name, cwd=tmp_path)
        assert result.code == 2 and "Traceback" not in result.output, result.output


SARIF_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=10),
              st.sampled_from(["../../etc/passwd", "/abs/path.py", "file:///x.py", "%2e%2e/x",
                               "error", "warning", "note", "none"])),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.sampled_from(
                                ["runs", "results", "tool", "driver", "name", "ruleId",
                                 "locations", "physicalLocation", "artifactLocation", "uri",
                                 "region", "startLine", "message", "text", "level", "version",
                                 "partialFingerprints", "properties", "rules", "id"]),
                                inner, max_size=4)),
    max_leaves=25)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=200), SARIF_VALUES.map(lambda v: __import__("json").dumps(v))))
def test_sarif_import_never_crashes(text: str) -> None:
    """Any text gives findings with safe paths, or SarifImportError with a message."""
    from gate.ingest import sarif_import

    root = Path("/nonexistent/repo")
    try:
        imported = sarif_import.parse_many([("fuzz.sarif", text)], root)
    except sarif_import.SarifImportError as exc:  # input that is not usable SARIF: exit 2
        assert str(exc).strip()
        return
    for finding in imported.findings:
        path = finding.location.path
        assert path and not path.startswith("/") and ".." not in path.split("/")
