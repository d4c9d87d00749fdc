"""Bad input never crashes the gate: odd files, odd names, links, empty trees, skipped files."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tests.helpers import fake_tool, git, make_repo, run_gate, sarif_results, validate_sarif
from tests.scanners.secret_fixture import build_secret_repo

# A finding that fails the default preset on bandit's word alone (TLS verification off).
BANDIT_HIT = "import requests\nrequests.get('https://example.org', verify=False, timeout=5)\n"


def scan(repo: Path, tmp: Path, *extra: str, policy: str | None = None,
         env: dict[str, str] | None = None, scanners: str = "bandit,secrets"):
    args = ["scan", ".", "--sarif", str(tmp / "o.sarif"), "--json", str(tmp / "o.json")]
    if scanners:
        args += ["--scanners", scanners]
    if policy is not None:
        (tmp / "p.toml").write_text("version = 1\n" + policy, encoding="utf-8")
        args += ["--policy", str(tmp / "p.toml")]
    result = run_gate(*args, *extra, cwd=repo, env=env)
    assert "Traceback" not in result.output, result.output
    return result, json.loads((tmp / "o.sarif").read_text()), json.loads(
        (tmp / "o.json").read_text())


def test_non_utf8_and_binary_files(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", files={"app.py": BANDIT_HIT}, commit=False)
    (repo / "latin.py").write_bytes("# caf\xe9\nimport pickle\npickle.loads(b'')\n"
                                    .encode("latin-1"))
    (repo / "declared.py").write_bytes("# -*- coding: latin-1 -*-\n# caf\xe9\nimport pickle\n"
                                       "pickle.loads(b'')\n".encode("latin-1"))
    (repo / "blob.bin").write_bytes(bytes(range(256)) * 64)
    (repo / "nul.py").write_bytes(b"x = 1\x00\x00\xff\xfe\n")
    result, sarif, report = scan(repo, tmp_path)
    assert result.code == 1, result.output
    found = sarif_results(sarif)
    assert ("bandit", "B501", "app.py", 2) in found
    assert ("bandit", "B301", "declared.py", 4) in found
    skipped = {s["path"]: s["reason"] for r in report["runs"] for s in r["skipped"]}
    # bandit cannot parse these: reported, not silently dropped
    assert skipped["latin.py"] == skipped["nul.py"] == "syntax error while parsing AST from file"
    assert "2 file(s) skipped by a scanner" in result.stdout


def test_a_50_mb_file_is_skipped_and_reported(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", files={"app.py": "x = 1\n"}, commit=False)
    with (repo / "huge.py").open("w") as handle:  # a bad line padded past the 10 MB limit
        handle.write(BANDIT_HIT)
        handle.write(("#" * 99 + "\n") * 500_000)
    result, _, report = scan(repo, tmp_path)
    assert result.code == 0
    assert "huge.py (gate: larger than the gate's 10 MB file limit)" in result.stdout
    assert report["skipped_by_gate"] == [
        {"path": "huge.py", "reason": "larger than the gate's 10 MB file limit"}]
    failing, _, _ = scan(repo, tmp_path, policy='on_skipped_files = "fail"\n')
    assert failing.code == 1
    assert "1 file(s) skipped by a scanner: huge.py" in failing.stdout.splitlines()[1]


def test_a_lone_oversized_file_is_still_reported(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", commit=False)
    with (repo / "only.py").open("w") as handle:
        handle.write(BANDIT_HIT + " " * (11 * 1024 * 1024))
    result, _, report = scan(repo, tmp_path, policy='on_skipped_files = "fail"\n')
    assert result.code == 1, result.output
    assert report["skipped_by_gate"][0]["path"] == "only.py"


def test_semgrep_skipped_file_fails_with_on_skipped_files_fail(tmp_path: Path) -> None:
    """semgrep's per-file timeout, reported in its JSON errors (a stand-in: on demand)."""
    repo = make_repo(tmp_path / "r", files={"slow.py": "x = 1\n"}, commit=False)
    output = json.dumps({"version": "1.185.0", "results": [], "errors": [
        {"code": 2, "level": "warn", "type": "Timeout", "path": "slow.py",
         "message": "Timeout when running a rule on slow.py"}]})
    command = fake_tool(tmp_path / "semgrep.py", f"print({output!r})")
    env = {"GATE_SEMGREP_COMMAND": command}
    warned, _, _ = scan(repo, tmp_path, env=env, scanners="semgrep")
    assert warned.code == 0
    assert "slow.py (semgrep: Timeout)" in warned.stdout
    failed, _, _ = scan(repo, tmp_path, env=env, scanners="semgrep",
                        policy='on_skipped_files = "fail"\n')
    assert failed.code == 1
    lines = failed.stdout.splitlines()
    assert lines[1].startswith("  OVERRIDE: GATE_SEMGREP_COMMAND")  # the stand-in is named
    assert "slow.py (semgrep: Timeout)" in lines[2]


def test_symlinks_outside_and_loops_are_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "evil.py").write_text(BANDIT_HIT, encoding="utf-8")
    repo = make_repo(tmp_path / "r", files={"ok.py": "x = 1\n"}, commit=False)
    (repo / "link.py").symlink_to(outside / "evil.py")
    (repo / "linkdir").symlink_to(outside, target_is_directory=True)
    (repo / "loop_a").symlink_to(repo / "loop_b")
    (repo / "loop_b").symlink_to(repo / "loop_a")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "links")
    result, sarif, _ = scan(repo, tmp_path)
    assert result.code == 0, result.output
    assert sarif_results(sarif) == []
    assert "symlink(s) not followed" in result.stdout
    for name in ("link.py", "linkdir", "loop_a", "loop_b"):
        assert name in result.stdout


def test_odd_path_names(tmp_path: Path, sarif_validator: None) -> None:
    names = ["dir with space/a file.py", "ünïcødé/ça.py", "new\nline.py", "-rf.py",
             "100%.py", "q'uote\".py"]
    repo = make_repo(tmp_path / "r", files=dict.fromkeys(names, BANDIT_HIT), commit=False)
    (repo / os.fsdecode(b"bad\xffname.py")).write_text(BANDIT_HIT, encoding="utf-8")
    result, sarif, report = scan(repo, tmp_path)
    assert result.code == 1, result.output
    uris = sorted(u for _, _, u, _ in sarif_results(sarif))
    assert uris == sorted(["-rf.py", "100%25.py", "dir%20with%20space/a%20file.py",
                           "new%0Aline.py", "q'uote%22.py", "%C3%BCn%C3%AFc%C3%B8d%C3%A9/"
                           "%C3%A7a.py"])
    assert "\nline.py" not in result.stdout  # a newline in a name never splits a report line
    assert report["skipped_by_gate"] == [
        {"path": "bad\\xffname.py",
         "reason": "file name is not UTF-8; only the secrets scanner reads it"}]
    code, tail = validate_sarif(tmp_path / "o.sarif")
    assert code == 0, tail


def test_a_name_that_is_not_utf8_still_goes_to_the_secrets_scanner(
        tmp_path: Path, sarif_validator: None) -> None:
    repo = make_repo(tmp_path / "r", files={"app.py": "x = 1\n"}, commit=False)
    build_secret_repo(tmp_path / "planted")
    github = (tmp_path / "planted" / ".env").read_text(encoding="utf-8").splitlines()[1]
    (repo / os.fsdecode(b"conf")).mkdir()
    (repo / os.fsdecode(b"conf/caf\xe9 prod.env")).write_text(
        f"# settings\n{github}\n", encoding="utf-8")
    result, sarif, report = scan(repo, tmp_path)
    assert result.code == 1, result.output
    assert ("secrets", "betterleaks.github-pat", "conf/caf%E9%20prod.env", 2) in sarif_results(
        sarif)
    [finding] = [f for f in report["findings"] if f["scanner"] == "secrets"]
    assert finding["path"] == "conf/caf\\xe9 prod.env"
    assert finding["uri"] == "conf/caf%E9%20prod.env"
    assert report["skipped_by_gate"] == [
        {"path": "conf/caf\\xe9 prod.env",
         "reason": "file name is not UTF-8; only the secrets scanner reads it"}]
    code, tail = validate_sarif(tmp_path / "o.sarif")
    assert code == 0, tail


def test_empty_repository(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r")
    result, sarif, _ = scan(repo, tmp_path, scanners="")
    assert result.code == 0
    assert "no files to scan" in result.stdout.splitlines()[1]
    assert sarif["runs"] == []


def test_only_ignored_files(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", files={".gitignore": "*.py\n.gitignore\n"}, commit=False)
    (repo / "app.py").write_text(BANDIT_HIT, encoding="utf-8")
    result, sarif, _ = scan(repo, tmp_path, scanners="")
    assert result.code == 0
    assert "no files to scan" in result.stdout
    assert sarif_results(sarif) == []


def test_not_a_git_repository_and_missing_path(tmp_path: Path) -> None:
    folder = tmp_path / "plain"
    folder.mkdir()
    (folder / "app.py").write_text(BANDIT_HIT, encoding="utf-8")
    result, sarif, _ = scan(folder, tmp_path)
    assert result.code == 1 and ("bandit", "B501", "app.py", 2) in sarif_results(sarif)
    missing = run_gate("scan", "no/such/path", cwd=folder)
    assert missing.code == 2 and "path does not exist" in missing.stderr
    assert "Traceback" not in missing.output


def test_modules_in_the_scanned_repository_never_run(tmp_path: Path) -> None:
    """Files named like standard or third-party modules must not shadow the gate's imports,
    nor those of the scanners, which run with the repository as their working folder."""
    marker = tmp_path / "ran"
    payload = f"open({str(marker)!r}, 'w').write('ran')\n"
    files = {name: payload for name in (
        "json.py", "typing.py", "yaml.py", "http/__init__.py", "subprocess.py", "pathlib.py",
        "requests/__init__.py", "sitecustomize.py", "usercustomize.py", "bandit/__init__.py",
        "semgrep/__init__.py", "pip_audit/__init__.py", "setup.py")}
    files["requirements.txt"] = "requests==2.31.0\n"
    repo = make_repo(tmp_path / "repo", files=files)
    result = run_gate("scan", ".", "--no-cache", "--scanners", "bandit,semgrep,secrets",
                      cwd=repo)
    assert result.code in (0, 1), result.output
    assert not marker.exists()
