"""GitHub's SARIF limits: 25,000 results a run, 20 runs, 10 MB gzipped; keep the most severe."""

from __future__ import annotations

import gzip
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from gate.findings import Confidence, Finding, Location, Severity, fingerprint
from gate.policy.decision import Decided, Decision, Disposition, Verdict
from gate.policy.load import load_preset
from gate.report import json_report, sarif, text
from gate.runs import ScannerRun
from tests.helpers import VALIDATE_SARIF, validate_sarif

MIX = ((Severity.CRITICAL, 1_000), (Severity.HIGH, 4_000), (Severity.MEDIUM, 10_000),
       (Severity.LOW, 15_000))  # 30,000 findings


def finding(scanner: str, number: int, severity: Severity, message: str = "") -> Finding:
    path = f"src/module_{number % 400}.py"
    return Finding(
        scanner=scanner, rule_id=f"R{number % 37}", rule_name=f"rule {number % 37}",
        message=message or f"issue number {number}", severity=severity,
        confidence=Confidence.HIGH,
        location=Location(path, number // 400 + 1, 1, number // 400 + 1),
        fingerprint=fingerprint(f"R{number % 37}", path, str(number)),
    )


def decided(f: Finding) -> Decided:
    disposition = Disposition.FAIL if f.severity >= Severity.HIGH else Disposition.WARN
    return Decided(f, disposition, f.severity, "test")


def decision(items: list[Decided], scanners: list[str]) -> Decision:
    runs = tuple(ScannerRun(s, s, "1.0", (), 0, None, 1) for s in scanners)
    return Decision(policy=load_preset("default"), verdict=Verdict.FAIL, exit_code=1,
                    items=tuple(items), runs=runs, reasons=("test",))


def synthetic(count_mix: tuple[tuple[Severity, int], ...] = MIX, scanner: str = "bandit",
              message_len: int = 0) -> list[Decided]:
    rnd = random.Random(1)
    out, number = [], 0
    for severity, count in count_mix:
        for _ in range(count):
            message = "".join(rnd.choice("abcdefghijklmnopqrstuvwxyz0123456789 ")
                              for _ in range(message_len))
            out.append(decided(finding(scanner, number, severity, message)))
            number += 1
    rnd.shuffle(out)
    return out


def severities(run: dict) -> list[str]:
    return [r["properties"]["gate/severity"] for r in run["results"]]


@pytest.mark.slow  # 30,000 results rendered and validated (~10 s)
def test_30000_results_keep_the_25000_most_severe(tmp_path: Path, sarif_validator: None
                                                  ) -> None:
    d = decision(synthetic(), ["bandit"])
    data = sarif.to_dict(d)
    run = data["runs"][0]
    kept = severities(run)
    assert len(kept) == 25_000
    assert kept.count("critical") == 1_000 and kept.count("high") == 4_000
    assert kept.count("medium") == 10_000 and kept.count("low") == 10_000
    assert run["properties"]["gate-results-left-out"] == 5_000
    assert "5000 less severe results left out" in run["properties"]["gate-truncated"]
    noted = sarif.with_limit_notes(d, data)
    assert any("bandit" in w and "5000 less severe" in w for w in noted.warnings)
    assert "5000 less severe results left out" in text.render(noted)
    assert any("5000 less severe" in w for w in json.loads(json_report.render(noted))["warnings"])
    out = tmp_path / "big.sarif"
    out.write_text(sarif.dumps(data), encoding="utf-8")
    # The schema and GitHub-limit checks; the multitool takes ~2 minutes on 25,000 results,
    # so it validates the smaller trimmed files of the other tests instead.
    proc = subprocess.run([sys.executable, str(VALIDATE_SARIF), str(out)], capture_output=True,
                          text=True, timeout=300, env={**os.environ, "SARIF_SKIP_MULTITOOL": "1"})
    assert proc.returncode == 0, proc.stdout[-2000:]
    assert "1 files, 0 problems" in proc.stdout


@pytest.mark.slow  # 4,000 long results gzipped again and again until they fit (~4 s)
def test_gzipped_size_limit_keeps_the_most_severe(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                  sarif_validator: None) -> None:
    monkeypatch.setattr(sarif, "MAX_GZIPPED_BYTES", 250_000)
    mix = ((Severity.CRITICAL, 200), (Severity.HIGH, 800), (Severity.MEDIUM, 1_500),
           (Severity.LOW, 1_500))
    d = decision(synthetic(mix, "semgrep", message_len=300), ["semgrep"])
    data = sarif.to_dict(d)
    size = len(gzip.compress(sarif.dumps(data).encode("utf-8"), mtime=0))
    assert size <= 250_000
    run = data["runs"][0]
    kept = severities(run)
    assert 0 < len(kept) < 4_000
    order = ["critical", "high", "medium", "low"]
    least_kept = max(order.index(s) for s in kept)
    assert kept.count("critical") == 200  # nothing more severe than what was dropped is lost
    assert all(kept.count(s) == n for s, n in zip(order[:least_kept],
                                                 (200, 800, 1_500), strict=False))
    assert run["properties"]["gate-results-left-out"] == 4_000 - len(kept)
    locations = [(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
                  r["locations"][0]["physicalLocation"]["region"]["startLine"])
                 for r in run["results"]]
    assert locations == sorted(locations)  # kept results stay in their deterministic order
    assert sarif.limit_notes(data)
    out = tmp_path / "trimmed.sarif"
    out.write_text(sarif.dumps(data), encoding="utf-8")
    code, tail = validate_sarif(out)
    assert code == 0, tail


def test_more_than_20_runs_keeps_the_most_severe_runs(tmp_path: Path, sarif_validator: None
                                                      ) -> None:
    scanners = [f"tool{n:02d}" for n in range(25)]
    items = []
    for n, name in enumerate(scanners):  # tool00..tool04 only have low findings
        severity = Severity.LOW if n < 5 else Severity.HIGH
        items.append(decided(finding(name, n, severity)))
    d = decision(items, scanners)
    data = sarif.to_dict(d)
    names = [r["tool"]["driver"]["name"] for r in data["runs"]]
    assert names == scanners[5:]
    assert "tool00, tool01, tool02, tool03, tool04" in data["properties"]["gate-runs-left-out"]
    assert any("5 run(s)" in w for w in sarif.with_limit_notes(d, data).warnings)
    out = tmp_path / "runs.sarif"
    out.write_text(sarif.dumps(data), encoding="utf-8")
    code, tail = validate_sarif(out)
    assert code == 0, tail
