"""Secrets, whole: every credential kingfisher can see is reported, wherever it hides.

Each test builds a hostile tree at test time (freshly generated tokens and keys), runs the
gate with the real kingfisher, and asserts that what used to pass silently now fails at the
right path and rule: a tree with many copies of a ``.git`` folder (kingfisher printed one
report per repository and the gate read the first), keys inside archives and databases,
files kingfisher's built-in lists skip (fonts, ``bower_components/``, ``vendor/bundle/``,
lock files, ``node_modules/``), the same in a pull request's history, and inline comments
written by the change itself.
"""

from __future__ import annotations

import base64
import io
import random
import shutil
import sqlite3
import tarfile
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.faults.conftest import github_token
from tests.helpers import git, load_json, make_repo, run_gate

pytestmark = pytest.mark.slow  # a real kingfisher run (and a gate process) per fixture

GITHUB = "betterleaks.github-pat"
PRIVATE_KEY = "betterleaks.private-key"


def private_key(seed: int = 3) -> str:
    """A PEM block of random bytes in the shape of an RSA private key."""
    rnd = random.Random(seed)
    body = base64.b64encode(bytes(rnd.randrange(256) for _ in range(600))).decode()
    kind = "RSA " + "PRIVATE" + " KEY"
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    return f"-----BEGIN {kind}-----\n" + "\n".join(lines) + f"\n-----END {kind}-----\n"


def scan(repo: Path, tmp: Path, *args: str, env: dict[str, str] | None = None
         ) -> tuple[int, str, dict[str, Any], dict[str, Any]]:
    """``gate scan --scanners secrets`` with JSON and SARIF: exit code, console, reports."""
    out = tmp / "out"
    out.mkdir(exist_ok=True)
    result = run_gate("scan", ".", "--no-cache", "--scanners", "secrets", "--json",
                      str(out / "o.json"), "--sarif", str(out / "o.sarif"), *args, cwd=repo,
                      env=env)
    return (result.code, result.output, load_json(out / "o.json"),
            load_json(out / "o.sarif"))


def found(report: dict[str, Any]) -> set[tuple[str, str]]:
    """(path, rule) of every finding that fails the gate."""
    return {(f["path"], f["rule_id"]) for f in report["findings"]
            if f["disposition"] == "fail"}


def test_every_report_is_read_when_the_tree_holds_many_git_folders(tmp_path: Path) -> None:
    """15 copies of a ``.git`` folder under other names made kingfisher print 16 reports;
    the gate read the first (no findings) and passed. The mirror gives no folder a chance
    to pass for a repository, and every document is read."""
    source = make_repo(tmp_path / "src", files={"readme.txt": "hello\n"})
    tokens = {f"conf/service{i}.env": github_token(100 + i) for i in range(3)}
    repo = make_repo(tmp_path / "r", files={p: f"TOKEN={t}\n" for p, t in tokens.items()},
                     commit=False)
    for i in range(15):
        shutil.copytree(source / ".git", repo / f"mirror{i}" / "not.git")
    code, output, report, _ = scan(repo, tmp_path)
    assert code == 1, output
    assert found(report) == {(p, GITHUB) for p in tokens}
    (run,) = report["runs"]
    assert run["error"] is None
    for token in tokens.values():
        assert token not in output


def _archives(root: Path, key: str, token: str) -> None:
    """A zip holding a private key, a tar.gz and an SQLite database holding a token."""
    with zipfile.ZipFile(root / "bundle.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("certs/key.pem", key)
    data = f"TOKEN={token}\n".encode()
    with tarfile.open(root / "backup.tar.gz", "w:gz") as tar:
        info = tarfile.TarInfo("etc/app.conf")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    db = sqlite3.connect(root / "app.db")
    db.execute("create table cfg (k text, v text)")
    db.execute("insert into cfg values ('token', ?)", (f"TOKEN={token}",))
    db.commit()
    db.close()


def test_keys_inside_archives_and_databases_are_reported_at_the_container(
        tmp_path: Path) -> None:
    """Findings at ``bundle.zip!certs/key.pem`` or ``app.db/cfg.sql`` are not files of the
    tree: they were dropped and the gate passed. They are reported at the container, the
    member named in the message and in a ``member`` property, waivable by fingerprint."""
    repo = make_repo(tmp_path / "r", files={"app.py": "x = 1\n"}, commit=False)
    key, token = private_key(), github_token(11)
    _archives(repo, key, token)
    code, output, report, sarif = scan(repo, tmp_path)
    assert code == 1, output
    assert found(report) == {("bundle.zip", PRIVATE_KEY), ("backup.tar.gz", GITHUB),
                             ("app.db", GITHUB)}
    members = {f["path"]: f["member"] for f in report["findings"]}
    assert members == {"bundle.zip": "certs/key.pem", "backup.tar.gz": "etc/app.conf",
                       "app.db": "cfg.sql"}
    for f in report["findings"]:
        assert f"in {f['member']}, line " in f["message"]
    results = sarif["runs"][0]["results"]
    located = {(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
                r["properties"]["gate/member"]) for r in results}
    assert located == {("bundle.zip", "certs/key.pem"), ("backup.tar.gz", "etc/app.conf"),
                       ("app.db", "cfg.sql")}
    assert token not in output and key.splitlines()[1] not in output

    waivers = "".join(
        f'[[waivers]]\nfingerprint = "{f["fingerprint"]}"\nreason = "test data"\n'
        'expires = 2999-01-01\n' for f in report["findings"])
    policy = tmp_path / "waived.toml"
    policy.write_text('version = 1\nextends = "default"\n' + waivers, encoding="utf-8")
    code, output, report, _ = scan(repo, tmp_path, "--policy", str(policy))
    assert code == 0, output
    assert {f["disposition"] for f in report["findings"]} == {"waived"}


SKIPPED_KINDS = ("fonts/brand.woff", "fonts/brand.woff2", "fonts/brand.ttf",
                 "fonts/brand.eot", "fonts/brand.otf", "bower_components/lib/index.js",
                 "vendor/bundle/ruby/3.2.0/gems/x/init.rb", "package-lock.json",
                 "poetry.lock", "static/logo.svg", "node_modules/left-pad/index.js",
                 "Pipfile.lock", "go.sum", "gradlew", "static/jquery.min.js")


def test_files_kingfisher_skips_by_name_are_scanned(tmp_path: Path) -> None:
    """kingfisher's built-in lists drop matches in fonts, ``bower_components/``,
    ``vendor/bundle/`` and more, with no note: each token is now reported at its path."""
    tokens = {path: github_token(200 + i) for i, path in enumerate(SKIPPED_KINDS)}
    repo = make_repo(tmp_path / "r", files={p: f"x\nTOKEN={t}\n" for p, t in tokens.items()},
                     commit=False)
    code, output, report, _ = scan(repo, tmp_path)
    assert code == 1, output
    assert found(report) == {(p, GITHUB) for p in SKIPPED_KINDS}
    assert {f["start_line"] for f in report["findings"]} == {2}


HISTORY_KINDS = ("package-lock.json", "poetry.lock", "static/logo.svg",
                 "node_modules/left-pad/index.js", "fonts/brand.woff2")


def _history_repo(tmp: Path) -> tuple[Path, dict[str, str]]:
    """A change that adds tokens to files kingfisher skips by name, then removes them."""
    repo = make_repo(tmp / "r", files={
        "app.py": "x = 1\n",
        "gate.toml": 'version = 1\nextends = "default"\n[scanners.secrets]\n'
                     'git_history = "pr"\n'})
    git(repo, "branch", "base")
    tokens = {path: github_token(300 + i) for i, path in enumerate(HISTORY_KINDS)}
    for path, token in tokens.items():
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_text(f"TOKEN={token}\n", encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "add")
    git(repo, "rm", "-q", "-r", *HISTORY_KINDS)
    git(repo, "commit", "-q", "-m", "remove")
    return repo, tokens


def test_history_scans_see_what_tree_scans_see(tmp_path: Path) -> None:
    """With ``git_history = "pr"`` a token added and removed inside the change in a lock
    file, an SVG, a font or under ``node_modules/`` was missed: kingfisher's history scan
    skips those names. The commits' file versions are now mirrored like the tree's."""
    repo, tokens = _history_repo(tmp_path)
    code, output, report, _ = scan(repo, tmp_path, "--policy-ref", "base")
    assert code == 1, output
    history = [f for f in report["findings"] if "git-history" in f["tags"]]
    assert {(f["path"], f["rule_id"]) for f in history} == {(p, GITHUB) for p in tokens}
    assert all("found in commit" in f["message"] for f in history)
    assert all(token not in output for token in tokens.values())


def test_the_commit_hook_ignores_git_history_with_one_note(tmp_path: Path) -> None:
    """Every hook run exited 3 when ``git_history`` was set (no base in a hook): it is now
    ignored there, with one note."""
    repo, _ = _history_repo(tmp_path)
    out = tmp_path / "hook.json"
    result = run_gate("scan", "--hook", "--no-cache", "--scanners", "secrets", "--json",
                      str(out), "--", "app.py", cwd=repo)
    assert result.code == 0, result.output
    (run,) = load_json(out)["runs"]
    assert run["error"] is None
    assert [n for n in run["notes"] if "git_history" in n] == [
        'git_history = "pr" is not used by the commit hook: it scans the staged files only '
        "(the history is scanned in CI)"]


COMMENTS = ("# gate: ignore[*] test key", "# gitleaks:allow", "# kingfisher:ignore",
            "# gate: ignore[betterleaks.*]")


@pytest.mark.parametrize("preset", ["default", "strict"])
def test_inline_comments_never_hide_a_credential(tmp_path: Path, preset: str) -> None:
    """A real token waived by an inline comment written by the same pull request passed:
    under the default and strict presets only a ``[[waivers]]`` entry can accept it."""
    tokens = [github_token(400 + i) for i in range(len(COMMENTS))]
    text = "".join(f"TOKEN_{i} = '{t}'  {c}\n" for i, (t, c) in enumerate(zip(tokens, COMMENTS,
                                                                            strict=True)))
    repo = make_repo(tmp_path / "r", files={"settings.py": text}, commit=False)
    policy = tmp_path / "policy.toml"
    policy.write_text(f'version = 1\nextends = "{preset}"\n', encoding="utf-8")
    code, output, report, _ = scan(repo, tmp_path, "--policy", str(policy))
    assert code == 1, output
    failing = [f for f in report["findings"] if f["disposition"] == "fail"]
    assert sorted(f["start_line"] for f in failing) == [1, 2, 3, 4]
    if preset == "default":  # the comment is seen, and the reason says why it does not count
        assert all("only a [[waivers]] entry" in f["reason"] for f in failing)

    waivers = "".join(f'[[waivers]]\nfingerprint = "{f["fingerprint"]}"\nreason = "rotated"\n'
                      'expires = 2999-01-01\n' for f in failing)
    policy.write_text(f'version = 1\nextends = "{preset}"\n{waivers}', encoding="utf-8")
    code, output, report, _ = scan(repo, tmp_path, "--policy", str(policy))
    assert code == 0, output


def test_the_monitor_preset_still_counts_inline_comments(tmp_path: Path) -> None:
    token = github_token(450)
    repo = make_repo(tmp_path / "r", files={"settings.py": f"T = '{token}'  # gitleaks:allow\n"},
                     commit=False)
    policy = tmp_path / "policy.toml"
    policy.write_text('version = 1\nextends = "monitor"\n', encoding="utf-8")
    code, output, report, _ = scan(repo, tmp_path, "--policy", str(policy))
    assert code == 0, output
    assert [f["disposition"] for f in report["findings"]] == ["waived"]
