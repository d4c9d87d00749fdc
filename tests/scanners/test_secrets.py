"""Secrets adapter with the real kingfisher on a repository assembled at test time."""

from __future__ import annotations

import json
import random
import string
from pathlib import Path

import pytest

from gate.findings import Confidence, Severity
from gate.runs import ScanResult
from gate.scanners import is_secret_finding
from gate.scanners.interface import ScanContext
from gate.scanners.secrets import CRITICAL_KINDS, SecretsScanner, kept_suffix, neutral_name
from tests.scanners.conftest import all_files, fake_command
from tests.scanners.secret_fixture import Planted, build_secret_repo

# A stand-in's helper: the path, as kingfisher prints it, of the mirrored file holding TEXT.
MIRRORED_PATH = (
    "def mirrored(text):\n"
    "    for folder, _, names in sorted(os.walk('.')):\n"
    "        for name in sorted(names):\n"
    "            path = os.path.join(folder, name)\n"
    "            if text in open(path, errors='replace').read():\n"
    "                return path\n"
)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GATE_SECRETS_COMMAND", raising=False)


def scan(root: Path, cache_dir: Path | None = None) -> ScanResult:
    scanner = SecretsScanner()
    files = scanner.select(all_files(root), root)
    return scanner.scan(
        ScanContext(root=root, files=tuple(files), timeout=120, cache_dir=cache_dir)
    )


def located(result: ScanResult) -> set[tuple[str, int, str]]:
    return {(f.location.path, f.location.start_line, f.rule_id) for f in result.findings}


def expected(planted: list[Planted]) -> set[tuple[str, int, str]]:
    return {(p.path, p.line, p.rule_id) for p in planted if p.rule_id}


@pytest.fixture
def secret_repo(tmp_path: Path) -> tuple[Path, list[Planted]]:
    root = tmp_path / "repo"
    return root, build_secret_repo(root)


def test_finds_every_planted_secret_at_its_line(secret_repo: tuple[Path, list[Planted]]) -> None:
    root, planted = secret_repo
    result = scan(root)
    assert result.run.ok, result.run.error
    assert result.run.exit_code == 200
    assert result.run.version == "2.14.0"
    assert result.run.files == 6
    assert located(result) == expected(planted)
    for finding in result.findings:
        assert finding.secret and is_secret_finding(finding)
        assert finding.scanner == "secrets"
        critical = finding.rule_id in ("betterleaks.aws-access-token", "betterleaks.github-pat",
                                       "betterleaks.private-key")
        assert finding.severity is (Severity.CRITICAL if critical else Severity.HIGH)
        assert finding.cwe == (798,)
    aws = next(f for f in result.findings if f.rule_id == "betterleaks.aws-access-token")
    assert aws.message == "aws-access-token found (preview: AKIA…)"
    assert aws.confidence is Confidence.HIGH
    assert aws.location.start_column == len('AWS_ACCESS_KEY_ID = "') + 1


def test_tokens_that_grant_write_or_cloud_access_are_critical(tmp_path: Path) -> None:
    """PyPI upload tokens, fine-grained GitHub tokens and Azure Storage keys (generated here,
    in their real formats) are critical; a Slack or Stripe token stays high."""
    rnd = random.Random(25)

    def pick(n: int, alphabet: str = string.ascii_letters + string.digits) -> str:
        return "".join(rnd.choice(alphabet) for _ in range(n))

    pypi = "pypi-" + "AgEIcHlwaS5vcmc" + pick(70, string.ascii_letters + string.digits + "_-")
    fine = "github" + "_pat_" + pick(82, string.ascii_letters + string.digits + "_")
    azure = pick(86, string.ascii_letters + string.digits + "+/") + "=="
    stripe = "sk" + "_li" + "ve_" + pick(24)
    root = tmp_path / "repo"
    root.mkdir()
    (root / "release.env").write_text(
        f"TWINE_PASSWORD={pypi}\nGH_TOKEN={fine}\nSTRIPE_KEY={stripe}\n", encoding="utf-8")
    (root / "storage.ini").write_text(
        f"[storage]\nAccountName=orders\nAccountKey={azure}\n", encoding="utf-8")
    result = scan(root)
    assert result.run.ok, result.run.error
    found = {(f.location.path, f.location.start_line, f.rule_id): f.severity
             for f in result.findings}
    assert found[("release.env", 1, "betterleaks.pypi-upload-token")] is Severity.CRITICAL
    assert found[("release.env", 2, "betterleaks.github-fine-grained-pat")] is Severity.CRITICAL
    assert found[("storage.ini", 3, "betterleaks.azure-storage-account-key")] is (
        Severity.CRITICAL)
    assert found[("release.env", 3, "betterleaks.stripe-access-token")] is Severity.HIGH
    assert {rule for _, _, rule in found} <= {
        *CRITICAL_KINDS, "betterleaks.stripe-access-token", "betterleaks.generic-api-key"}, found
    for value in (pypi, fine, azure, stripe):
        assert value not in repr(result)


def test_the_critical_kinds_are_kingfisher_rules_and_documented() -> None:
    """Each id of the table is one of kingfisher's rules (its ``rules list``), and the
    documentation names every kind."""
    import subprocess

    listed = subprocess.run([*SecretsScanner().command(), "rules", "list", "--format", "json"],
                            capture_output=True, text=True, timeout=60, check=True).stdout
    ids = {rule["id"] for rule in json.loads(listed)}
    assert set(CRITICAL_KINDS) <= ids, set(CRITICAL_KINDS) - ids
    docs = (Path(__file__).parents[2] / "docs" / "scanners-config.md").read_text(encoding="utf-8")
    assert [rule for rule in CRITICAL_KINDS if f"`{rule}`" not in docs] == []


def test_no_raw_value_leaves_the_adapter(secret_repo: tuple[Path, list[Planted]]) -> None:
    root, planted = secret_repo
    result = scan(root)
    text = repr(result.findings) + repr(result.run)
    assert len(result.findings) == 7
    for item in planted:
        assert item.value not in text
        assert item.value[4:20] not in text  # nothing beyond a 4-character preview
    messages = [f.message for f in result.findings if "preview" in f.message]
    previews = [m.split("preview: ")[-1].rstrip(")") for m in messages]
    assert previews and all(len(p) == 5 and p.endswith("…") for p in previews)


def test_repository_ignore_files_and_config_do_not_hide_secrets(
    secret_repo: tuple[Path, list[Planted]],
) -> None:
    root, planted = secret_repo
    every = "\n".join(["*", ".env", "Dockerfile", "config/", "deploy/", "keys/"]) + "\n"
    for name in (".gitignore", ".ignore", ".kingfisherignore", ".secretsignore"):
        (root / name).write_text(every)
    (root / "kingfisher.yaml").write_text("scan:\n  exclude:\n    - '*'\n  confidence: high\n")
    (root / ".kingfisher.yml").write_text("exclude:\n  - '*'\n")
    (root / "baseline.yaml").write_text("ExactFindings:\n  matches: []\n")
    result = scan(root)
    assert located(result) == expected(planted)


def test_inline_ignore_comment_is_left_to_the_gate(
    secret_repo: tuple[Path, list[Planted]],
) -> None:
    root, _ = secret_repo
    docker = root / "Dockerfile"
    lines = docker.read_text().splitlines()
    lines[1] += "  # kingfisher:ignore test key only"
    docker.write_text("\n".join(lines) + "\n")
    result = scan(root)
    [stripe] = [f for f in result.findings if f.location.path == "Dockerfile"]
    assert stripe.suppression is not None
    assert stripe.suppression.kind == "kingfisher"
    assert stripe.suppression.reason == "test key only"
    assert all(f.suppression is None for f in result.findings if f is not stripe)


@pytest.mark.slow  # a second kingfisher run, which builds its rule cache (~4 s)
def test_fingerprints_are_stable_and_per_path(
    secret_repo: tuple[Path, list[Planted]], tmp_path: Path
) -> None:
    root, _ = secret_repo
    first = {(f.location.path, f.rule_id): f.fingerprint for f in scan(root).findings}
    second = {
        (f.location.path, f.rule_id): f.fingerprint
        for f in scan(root, cache_dir=tmp_path / "cache").findings
    }
    assert first == second
    slack = [fp for (path, rule), fp in first.items() if rule.endswith("slack-bot-token")]
    assert len(set(slack)) == 2  # the same token in two files: two fingerprints
    assert not any(p.name.startswith("gate-secrets-") for p in (tmp_path / "cache").iterdir())


def test_select_takes_binary_files_and_scan_reports_large_files(tmp_path: Path) -> None:
    (tmp_path / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR")
    (tmp_path / "notes.txt").write_text("hello\n")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "config").write_text("[core]\n")
    (tmp_path / "dump.sql").write_bytes(b"x" * (10 * 1024 * 1024 + 1))
    scanner = SecretsScanner()
    files = scanner.select(all_files(tmp_path), tmp_path)
    assert files == ["dump.sql", "logo.png", "notes.txt"]
    result = scanner.scan(ScanContext(root=tmp_path, files=tuple(files), timeout=60))
    assert result.run.ok, result.run.error
    assert [(s.path, s.reason) for s in result.run.skipped] == [("dump.sql", "larger than 10 MB")]
    assert result.run.files == 2
    assert result.run.exit_code == 0


def test_no_files_starts_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = SecretsScanner().scan(ScanContext(root=tmp_path, files=(), timeout=10))
    assert result.run.ok and result.findings == () and result.run.files == 0


def test_garbage_output_is_a_failed_run_without_echoing_it(
    secret_repo: tuple[Path, list[Planted]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, planted = secret_repo
    value = planted[2].value
    body = f'print("GARBAGE {value[:2]}" + "{value[2:]} <not json>")\nsys.exit(200)\n'
    monkeypatch.setenv("GATE_SECRETS_COMMAND", fake_command(tmp_path, body))
    result = scan(root)
    assert not result.run.ok
    assert result.run.error == "printed output that is not JSON (Expecting value at char 0)"
    assert "GARBAGE" not in repr(result) and value not in repr(result)


def test_raw_value_fields_in_kingfishers_json_are_dropped(
    secret_repo: tuple[Path, list[Planted]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Even an unredacted report (snippet, validate and blast-radius commands) leaks nothing."""
    root, planted = secret_repo
    github = next(p for p in planted if p.rule_id.endswith("github-pat"))
    report = {
        "findings": [
            {
                "rule": {"id": "kingfisher.github.1", "name": "github-pat", "description": "x"},
                "finding": {
                    "snippet": github.value,
                    "validate_command": "curl -H 'Authorization: token " + github.value + "'",
                    "blast_radius_command": "kingfisher blast-radius " + github.value,
                    "validation": {"response": github.value},
                    "fingerprint": "1234",
                    "confidence": "medium",
                    "line": 2,
                    "column_start": 13,
                    "column_end": 13 + len(github.value) - 1,
                    "path": "MIRRORED",
                },
            }
        ]
    }
    (tmp_path / "report.json").write_text(json.dumps(report))
    body = MIRRORED_PATH + (
        f'print(open({str(tmp_path / "report.json")!r}).read()'
        '.replace("MIRRORED", mirrored("GITHUB_TOKEN")))\n'
        'print(json.dumps({"findings": 1, "blobs_scanned": 6}))\nsys.exit(200)\n')
    monkeypatch.setenv("GATE_SECRETS_COMMAND", fake_command(tmp_path, body))
    result = scan(root)
    assert result.run.ok, result.run.error
    [finding] = result.findings
    assert (finding.location.path, finding.location.start_line) == (".env", 2)
    assert finding.message == "github-pat found (preview: ghp_…)"
    # a rule id outside CRITICAL_KINDS: the severity follows the confidence
    assert (finding.severity, finding.confidence) == (Severity.HIGH, Confidence.MEDIUM)
    assert github.value not in repr(result)


def _report(path_expr: str, fingerprint: str = "1") -> str:
    """Stand-in code printing one kingfisher report with a finding at ``path_expr``."""
    return ("print(json.dumps({'findings': [{'rule': {'id': 'betterleaks.github-pat', "
            "'name': 'github-pat'}, 'finding': {'fingerprint': '" + fingerprint + "', "
            "'confidence': 'high', 'line': 2, 'column_start': 13, 'column_end': 52, "
            f"'path': {path_expr}}}}}]}}))\n")


SUMMARY = "print(json.dumps({{'findings': {n}, 'blobs_scanned': 6}}))\n"


def _stand_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str) -> None:
    # Asked for its version (a replaced command is), it answers at once: the body would
    # search the folder it runs in, which is then the test process's.
    version = "if '--version' in sys.argv:\n    print('kingfisher 2.14.0')\n    sys.exit(0)\n"
    monkeypatch.setenv("GATE_SECRETS_COMMAND",
                       fake_command(tmp_path, version + MIRRORED_PATH + body + "sys.exit(200)\n"))


def test_every_report_kingfisher_prints_is_read(
    secret_repo: tuple[Path, list[Planted]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One report per repository it finds, then a summary: the findings of all count."""
    root, _ = secret_repo
    empty = "print(json.dumps({'findings': [], 'audit': {}, 'metadata': {}}))\n"
    _stand_in(tmp_path, monkeypatch, empty * 11 + _report("mirrored('GITHUB_TOKEN')")
              + _report("mirrored('STRIPE_API_KEY')", "2") + SUMMARY.format(n=2))
    result = scan(root)
    assert result.run.ok, result.run.error
    assert sorted(f.location.path for f in result.findings) == [".env", "Dockerfile"]


@pytest.mark.parametrize(("body", "reason"), [
    (_report("mirrored('GITHUB_TOKEN')") + "print(json.dumps([1, 2]))\n" + SUMMARY.format(n=1),
     "printed a JSON document that is neither a report nor its summary"),
    (_report("mirrored('GITHUB_TOKEN')"),
     "printed 0 summaries (expected one): its findings cannot be counted"),
    (_report("mirrored('GITHUB_TOKEN')") + SUMMARY.format(n=3),
     "counted 3 finding(s) in its summary but reported 1"),
    (_report("'./config/aws_settings.py'") + SUMMARY.format(n=1),
     "reported a finding in a file the gate did not give it"),
    (_report("'/etc/passwd'") + SUMMARY.format(n=1),
     "reported a finding in a file the gate did not give it"),
])
def test_output_the_gate_cannot_account_for_is_a_failed_run(
    secret_repo: tuple[Path, list[Planted]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    body: str, reason: str,
) -> None:
    root, _ = secret_repo
    _stand_in(tmp_path, monkeypatch, body)
    result = scan(root)
    assert result.run.error == reason
    assert result.findings == ()


@pytest.mark.parametrize(("name", "suffix"), [
    ("key.pem", ".pem"), ("backup.tar.gz", ".tar.gz"), ("BUNDLE.ZIP", ".zip"),
    ("brand.woff2", ""), ("logo.SVG", ""), ("ruby.gem", ".tar"), ("package-lock.json", ".json"),
    ("gradlew", ""), (".env", ""), ("odd.na me", ""), ("jquery.min.js", ".js"),
])
def test_the_mirror_keeps_only_a_plain_extension(name: str, suffix: str) -> None:
    assert kept_suffix(name) == suffix
    assert neutral_name(1234, name) == f"1/1234{suffix}"
