"""Least privilege: each scanner subprocess sees only DESIGN's allow-listed environment."""

from __future__ import annotations

import json
from pathlib import Path

from gate.process import ALLOWED_ENV
from tests.faults.conftest import AllScanners
from tests.helpers import fake_tool, run_gate

SCANNERS = ("bandit", "semgrep", "pip-audit", "zizmor", "secrets")
FAKE_GITHUB = "ghs_" + "FAKEgithubTOKENvalue0123456789"
FAKE_AWS = "FAKEawsSECRETvalue" + "0123456789abcdefghij"
FAKE_GATE = "gho_" + "FAKEgateGITHUBtoken0123456789"
PASSING = {
    "HTTPS_PROXY": "http://proxy.invalid:3128", "NO_PROXY": "localhost,127.0.0.1",
    "SSL_CERT_FILE": "/etc/ssl/certs/ca-certificates.crt",
    "REQUESTS_CA_BUNDLE": "/etc/ssl/certs/ca-certificates.crt",
    "PIP_INDEX_URL": "https://pypi.internal.invalid/simple/",
}


def dumper(folder: Path, scanner: str) -> str:
    """A stand-in that records its environment, then fails (its output is not needed)."""
    out = folder / f"env-{scanner}.json"
    body = (f"path = {str(out)!r} if '--version' not in sys.argv else {str(out)!r} + '.version'\n"
            "import json\nopen(path, 'w').write(json.dumps(dict(os.environ)))\nsys.exit(99)")
    return fake_tool(folder / f"fake-{scanner}.py", body)


def test_no_scanner_sees_credentials(all_scanners: AllScanners, tmp_path: Path) -> None:
    env = {"GITHUB_TOKEN": FAKE_GITHUB, "AWS_SECRET_ACCESS_KEY": FAKE_AWS,
           "AWS_ACCESS_KEY_ID": "AKIA" + "FAKEFAKEFAKEFAKE", "GATE_GITHUB_TOKEN": FAKE_GATE,
           "ACTIONS_RUNTIME_TOKEN": "fake-runtime", **PASSING}
    for scanner in SCANNERS:
        env["GATE_" + scanner.upper().replace("-", "_") + "_COMMAND"] = dumper(tmp_path, scanner)
    result = run_gate("scan", ".", "--policy", str(all_scanners.policy), cwd=all_scanners.repo,
                      env=env)
    assert result.code == 3
    for scanner in SCANNERS:
        seen = json.loads((tmp_path / f"env-{scanner}.json").read_text())
        values = "\n".join(seen.values())
        assert FAKE_GITHUB not in values and FAKE_AWS not in values, scanner
        assert "GITHUB_TOKEN" not in seen and not [k for k in seen if k.startswith("AWS_")]
        assert "ACTIONS_RUNTIME_TOKEN" not in seen
        for key, value in PASSING.items():
            assert seen.get(key) == value, (scanner, key)
        set_by_gate = {"GH_TOKEN", "PIP_ONLY_BINARY", "PIP_NO_INPUT", "GIT_CONFIG_PARAMETERS",
                       "GIT_TERMINAL_PROMPT", "KF_RULE_CACHE_DIR"}
        extra = set(seen) - ALLOWED_ENV - set_by_gate
        assert not extra, (scanner, extra)
        assert "'core.fsmonitor'='false'" in seen["GIT_CONFIG_PARAMETERS"]
        if scanner == "zizmor":
            assert seen["GH_TOKEN"] == FAKE_GATE
        else:
            assert FAKE_GATE not in values, scanner
    version_env = json.loads((tmp_path / "env-zizmor.json.version").read_text())
    assert FAKE_GATE not in "\n".join(version_env.values())
    assert FAKE_GITHUB not in result.output and FAKE_GATE not in result.output
