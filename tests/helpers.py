"""Shared test helpers: temporary git repositories, running the real ``gate`` command, and
the shared data beside the repository (SARIF validator, Action runner, advisory database)."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from gate.findings import Confidence, Finding, InlineSuppression, Location, Severity, fingerprint

FIXTURES = Path(__file__).parent / "fixtures"
REPO_ROOT = Path(__file__).parent.parent

# Shared data and tools live outside the repository: GATE_SHARED_DIR, else the folder
# ``shared`` beside the clone. Tests reach them only through require_shared().
SHARED = Path(os.environ.get("GATE_SHARED_DIR") or REPO_ROOT.parent / "shared").absolute()
VALIDATE_SARIF = SHARED / "tools" / "validate-sarif"
RUN_ACTION = SHARED / "tools" / "run-action"
ADVISORY_DB = SHARED / "advisory-database"
TODAY = dt.date(2026, 11, 27)  # the date the policy tests are judged on


def in_ci() -> bool:
    """True under CI=true (as GitHub Actions and most CI services set it)."""
    return os.environ.get("CI", "").strip().lower() in {"true", "1"}


def require_shared(path: Path, what: str) -> Path:
    """``path`` (under SHARED) when it exists; else fail the test under CI, skip it elsewhere.

    In CI a missing validator or advisory database means the checks did not run, which must
    not pass as green; on a developer's machine the shared folder may simply not be there.
    """
    if path.exists():
        return path
    message = (f"{what} not found at {path}: set GATE_SHARED_DIR to the shared folder "
               f"(default: {REPO_ROOT.parent / 'shared'})")
    if in_ci():
        pytest.fail(f"CI=true and {message}", pytrace=False)
    pytest.skip(message)


@dataclass
class GateRun:
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    out = subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True,
                         text=True)
    return out.stdout


def make_repo(path: Path, files: dict[str, str] | None = None, source: Path | None = None,
              commit: bool = True) -> Path:
    """A git repository at ``path`` holding ``files`` and/or a copy of fixture ``source``."""
    path.mkdir(parents=True, exist_ok=True)
    if source is not None:
        shutil.copytree(source, path, dirs_exist_ok=True)
    for name, content in (files or {}).items():
        target = path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")
    git(path, "init", "-q", "-b", "main")
    if commit:
        git(path, "add", "-A")
        git(path, "commit", "-q", "-m", "fixture", "--allow-empty")
    return path


def run_gate(*args: str, cwd: Path, env: dict[str, str] | None = None,
             timeout: float = 300) -> GateRun:
    """Run ``python -m gate`` as a user would, and capture everything."""
    full_env = {**os.environ, **(env or {})}
    full_env.pop("GITHUB_ACTIONS", None)
    proc = subprocess.run([sys.executable, "-P", "-m", "gate", *args], cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=timeout)
    return GateRun(proc.returncode, proc.stdout, proc.stderr)


def load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def sarif_results(sarif: dict[str, Any]) -> list[tuple[str, str, str, int]]:
    """(scanner, ruleId, uri, startLine) for every result, sorted."""
    out = []
    for run in sarif["runs"]:
        name = run["tool"]["driver"]["name"]
        for result in run["results"]:
            loc = result["locations"][0]["physicalLocation"]
            out.append((name, result["ruleId"], loc["artifactLocation"]["uri"],
                        loc["region"]["startLine"]))
    return sorted(out)


def sarif_twins(sarif: dict[str, Any]) -> list[tuple[str, str, str, int]]:
    """Findings folded into another scanner's result as one issue (``gate/also-found-by``)."""
    out = []
    for run in sarif["runs"]:
        for result in run["results"]:
            uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for twin in result.get("properties", {}).get("gate/also-found-by", []):
                out.append((twin["tool"], twin["ruleId"], uri, twin["startLine"]))
    return out


def validate_sarif(path: Path) -> tuple[int, str]:
    """Run the shared validator; (exit code, last line)."""
    require_shared(VALIDATE_SARIF, "the SARIF validator")
    proc = subprocess.run([sys.executable, str(VALIDATE_SARIF), str(path)], capture_output=True,
                          text=True, timeout=300)
    lines = (proc.stdout + proc.stderr).strip().splitlines()
    return proc.returncode, "\n".join(lines[-20:])


def fake_tool(path: Path, body: str) -> str:
    """A stand-in executable (a Python script) for GATE_<NAME>_COMMAND; returns the command."""
    path.write_text(f"import sys, time, os\n{body}\n", encoding="utf-8")
    return f"{sys.executable} {path}"


def finding(rule: str = "B602", path: str = "app.py", line: int = 10, scanner: str = "bandit",
            severity: Severity = Severity.HIGH, content: str = "call(x, shell=True)",
            cwe: tuple[int, ...] = (78,), suppression: InlineSuppression | None = None
            ) -> Finding:
    """A constructed Finding (bandit B602 at app.py:10 unless told), fingerprinted from
    ``content`` as an adapter would."""
    return Finding(scanner=scanner, rule_id=rule, rule_name=rule, message=f"{rule} here",
                   severity=severity, confidence=Confidence.HIGH,
                   location=Location(path, line, 1, line),
                   fingerprint=fingerprint(rule, path, content), cwe=cwe,
                   suppression=suppression)


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def offline_hook_repo(path: Path) -> Path:
    """A repository with ``requirements.txt`` staged and a policy whose package index is the
    ``file://`` fixture index (the advisory service is the test's to point elsewhere)."""
    index = (FIXTURES / "deps" / "index").resolve().as_uri() + "/"
    repo = make_repo(path, {
        "gate.toml": f'version = 1\n\n[scanners.pip-audit]\nindex_url = "{index}"\n'})
    (repo / "requirements.txt").write_text("requests==2.19.0\n", encoding="utf-8")
    git(repo, "add", "requirements.txt")
    return repo


def cache_packs(folder: Path, scanner: str = "*") -> list[Path]:
    """The result cache's pack files (per-file entries) under ``folder``, oldest first."""
    return sorted((p for p in folder.rglob("*.json") if p.parent.name == "packs"
                   and not p.name.startswith(".tmp-")
                   and (scanner == "*" or p.parent.parent.name == scanner)),
                  key=lambda p: p.name)


def cache_entries(folder: Path, scanner: str = "*") -> set[tuple[str, str]]:
    """Every per-file entry in the result cache under ``folder``: (scanner folder, key)."""
    return {(p.parent.parent.name, item["key"]) for p in cache_packs(folder, scanner)
            for item in json.loads(p.read_text(encoding="utf-8"))["entries"]}


def waive_blocks(output: str) -> list[str]:
    """Each ``to waive:`` block of a console report, as printed (indented TOML lines)."""
    lines = output.splitlines()
    blocks = []
    for at, line in enumerate(lines):
        if line.strip() != "to waive:":
            continue
        block = []
        for following in lines[at + 1:]:
            if following and not following.startswith("        "):
                break
            block.append(following)
        blocks.append("\n".join(block).rstrip("\n"))
    return blocks
