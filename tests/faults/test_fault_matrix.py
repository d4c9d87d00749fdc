"""Every scanner x every way a tool can misbehave: exit 3, the scanner named, the rest kept.

Each scanner is replaced through ``GATE_<NAME>_COMMAND`` by a stand-in that is missing,
crashes, hangs, prints garbage, nothing or truncated JSON, or is killed by a signal. Most
cases run the faulted scanner with one witness scanner (fast); a crash of semgrep or secrets
runs all five scanners and checks the four others' findings.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.faults.conftest import EXPECTED, AllScanners
from tests.helpers import GateRun, fake_tool, run_gate, sarif_results, sarif_twins

SCANNERS = ("bandit", "semgrep", "pip-audit", "zizmor", "secrets")
RAW = "RAW-TOOL-OUTPUT-MARKER"
RAW_STDERR = "RAW-STDERR-EARLIER-LINE"

# fault -> stand-in body (None: a command that does not exist)
FAULTS: dict[str, str | None] = {
    "missing": None,
    "crash": (f"print({RAW!r} * 20)\n"
              f"sys.stderr.write({RAW_STDERR!r} + '\\nTraceback: internal error\\n'"
              " + 'fatal: credential ' + 'Zq' + '9xT4mW2pL8vR3nK6jH1bY5cQ rejected\\n')\n"
              "sys.exit(70)"),
    "hang": "time.sleep(120)",
    "garbage": f"print('<html>' + {RAW!r} + ' not json')\nsys.exit(0)",
    "empty": "sys.exit(0)",
    "truncated": ("sys.stdout.write('{\"results\": [{\"filename\": \"app.py\", \"test_id\": ' "
                  f"+ '\"' + {RAW!r})\nsys.exit(0)"),
    "signal": "import signal\nos.kill(os.getpid(), signal.SIGSEGV)",
}

# What the JSON's run error and the console say, per fault: the same words for every tool
# (the run skeleton in gate/scanners/common.py); pip-audit adds where to look.
_BAD_OUTPUT = {name: {"garbage": "not JSON", "empty": "no output", "truncated": "not JSON"}
               for name in SCANNERS}


def expected_reason(scanner: str, fault: str) -> str:
    common = {"missing": "executable not found", "crash": "exited with code 70",
              "hang": "timed out after", "signal": "killed by signal SIGSEGV"}
    return common.get(fault) or _BAD_OUTPUT[scanner][fault]


def witness(scanner: str) -> str:
    return "secrets" if scanner == "bandit" else "bandit"


def scan(case: AllScanners, tmp: Path, scanner: str, fault: str, only: list[str] | None
         ) -> tuple[GateRun, dict, dict]:
    body = FAULTS[fault]
    command = "/nonexistent/gate-fault-tool" if body is None else \
        fake_tool(tmp / f"fake-{scanner}.py", body)
    policy = case.policy
    if fault == "hang":  # the base policy ends inside [scanners.pip-audit]
        table = "" if scanner == "pip-audit" else f"[scanners.{scanner}]\n"
        policy = case.policy_with(f"{table}timeout = 1\n")
    sarif, report = tmp / "out.sarif", tmp / "out.json"
    args = ["scan", ".", "--policy", str(policy), "--sarif", str(sarif), "--json", str(report)]
    if only:
        args += ["--scanners", ",".join(only)]
    variable = "GATE_" + scanner.upper().replace("-", "_") + "_COMMAND"
    result = run_gate(*args, cwd=case.repo, env={variable: command}, timeout=120)
    return result, json.loads(sarif.read_text()), json.loads(report.read_text())


def check(case: AllScanners, tmp: Path, result: GateRun, sarif: dict, report: dict,
          scanner: str, fault: str, others: list[str]) -> None:
    reason = expected_reason(scanner, fault)
    assert result.code == 3, result.output
    head = "\n".join(result.stdout.splitlines()[:3])
    assert f"scanner {scanner} failed" in head and reason in head, head
    runs = [r["tool"]["driver"]["name"] for r in sarif["runs"]]
    assert runs == sorted(others), runs
    found = sarif_results(sarif) + sarif_twins(sarif)
    for other in others:
        assert EXPECTED[other] in found, (other, found)
    assert not [f for f in found if f[0] == scanner]
    record = next(r for r in report["runs"] if r["scanner"] == scanner)
    assert record["ok"] is False and reason in record["error"], record
    assert report["verdict"] == "error" and report["exit_code"] == 3
    everything = result.output + json.dumps(sarif) + json.dumps(report)
    for raw in (RAW, RAW_STDERR, "Zq9xT4mW2pL8vR3nK6jH1bY5cQ", case.token):
        assert raw not in everything


FULL_SET = ("semgrep", "secrets")  # crash cases that run all five scanners


# The fast tier runs the "missing" and "crash" columns for every scanner; the rest of the
# grid (about 25 full gate runs, the hangs each waiting out a timeout) is the slow tier.
# Every adapter's own handling of a bad exit code and of garbage stays fast in
# test_adapter_faults.py, and test_fail_closed.py keeps a hang and a timeout.
FAST_FAULTS = ("missing", "crash")


def _witness_cases() -> list[object]:
    return [pytest.param(s, f, marks=[] if f in FAST_FAULTS else [pytest.mark.slow])
            for s in SCANNERS for f in FAULTS if not (f == "crash" and s in FULL_SET)]


@pytest.mark.parametrize("scanner,fault", _witness_cases())
def test_fault_with_a_witness(all_scanners: AllScanners, tmp_path: Path, scanner: str,
                              fault: str) -> None:
    only = [scanner, witness(scanner)]
    result, sarif, report = scan(all_scanners, tmp_path, scanner, fault, only)
    check(all_scanners, tmp_path, result, sarif, report, scanner, fault, [witness(scanner)])


@pytest.mark.parametrize("scanner", FULL_SET)
def test_crash_keeps_every_other_scanner(all_scanners: AllScanners, tmp_path: Path,
                                         scanner: str) -> None:
    result, sarif, report = scan(all_scanners, tmp_path, scanner, "crash", None)
    others = [s for s in EXPECTED if s != scanner]  # the in-process bidi check too
    check(all_scanners, tmp_path, result, sarif, report, scanner, "crash", others)
    lines = result.stdout.splitlines()
    variable = "GATE_" + scanner.upper().replace("-", "_") + "_COMMAND"
    assert lines[1].startswith(f"  OVERRIDE: {variable}")  # the stand-in is named first
    head = lines[2]
    assert "Traceback: internal error" not in head  # only the last stderr line, redacted
    assert "fatal: credential [REDACTED] rejected" in head


def test_every_fault_is_exit_3_even_when_the_witness_fails_the_gate(
        all_scanners: AllScanners, tmp_path: Path) -> None:
    """Exit 3 outranks exit 1: findings elsewhere do not hide a broken scanner."""
    result, _, report = scan(all_scanners, tmp_path, "zizmor", "empty", ["zizmor", "bandit"])
    assert result.code == 3
    assert any("finding(s) at or above the fail level" in r for r in report["reasons"])
