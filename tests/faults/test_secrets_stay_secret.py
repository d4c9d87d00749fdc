"""Secrets stay secret: no planted value reaches any output, console line, error or cache file."""

from __future__ import annotations

import json
import random
import string
from pathlib import Path

import pytest

from tests.helpers import git, run_gate, validate_sarif
from tests.scanners.secret_fixture import build_secret_repo


def _pick(rnd: random.Random, n: int, alphabet: str = string.ascii_letters + string.digits
          ) -> str:
    return "".join(rnd.choice(alphabet) for _ in range(n))


def plant_more(root: Path) -> list[str]:
    """Hard-coded passwords bandit reports (B105-B107), Django/Flask SECRET_KEY literals,
    and a few more formats in YAML and a second Dockerfile; every value assembled here."""
    rnd = random.Random(11)
    b105, b106, b107 = _pick(rnd, 18), _pick(rnd, 20), _pick(rnd, 22)
    django, flask = _pick(rnd, 50), _pick(rnd, 32)
    sendgrid = "SG" + "." + _pick(rnd, 22) + "." + _pick(rnd, 43)
    gitlab = "gl" + "pat-" + _pick(rnd, 20)
    npm = "np" + "m_" + _pick(rnd, 36)
    files = {
        "app/auth.py": (
            "import requests\n\n"
            f'password = "{b105}"\n\n'
            f'requests.post("https://example.invalid", auth=("u", "x"), password="{b106}")\n\n\n'
            f'def login(user, password="{b107}"):\n'
            "    return user, password\n"
        ),
        "app/settings.py": f'DEBUG = False\nSECRET_KEY = "{django}"\n',
        "app/web.py": (
            "from flask import Flask\n\napp = Flask(__name__)\n"
            f'app.config["SECRET_KEY"] = "{flask}"\n'
        ),
        "deploy/mail.yaml": f"mail:\n  sendgrid_api_key: {sendgrid}\n",
        "ci/Dockerfile": f"FROM alpine\nARG GITLAB={gitlab}\nENV NPM_TOKEN={npm}\n",
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return [b105, b106, b107, django, flask, sendgrid, gitlab, npm]


@pytest.mark.slow  # all five scanners, the cache and Markdown output, then every file read back
def test_no_secret_value_in_any_output(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    planted = [p.value for p in build_secret_repo(root)] + plant_more(root)
    git(root, "init", "-q", "-b", "main")
    out = tmp_path / "out"
    cache = tmp_path / "cache"
    args = ["scan", ".", "--sarif", str(out / "o.sarif"), "--json", str(out / "o.json")]
    help_text = run_gate("scan", "--help", cwd=root).stdout
    if "--format" in help_text:
        args += ["--format", "markdown"]
    if "--cache-dir" in help_text:
        args += ["--cache-dir", str(cache)]
    env = {"XDG_CACHE_HOME": str(cache), "RUNNER_TEMP": str(tmp_path / "runner")}
    result = run_gate(*args, cwd=root, env=env)
    assert result.code == 1, result.output
    report = (out / "o.json").read_text(encoding="utf-8")
    rules = {(line.split('"rule_id": "')[1].split('"')[0]) for line in report.splitlines()
             if '"rule_id": ' in line}
    assert {"B105", "B106", "B107"} <= rules, rules  # bandit's hard-coded passwords
    assert len(rules & {"betterleaks.github-pat", "betterleaks.aws-access-token",
                        "betterleaks.slack-bot-token", "betterleaks.stripe-access-token",
                        "betterleaks.private-key"}) == 5, rules
    texts = {"stdout": result.stdout, "stderr": result.stderr}
    for folder in (out, cache, tmp_path / "runner"):
        for path in folder.rglob("*") if folder.exists() else ():
            if path.is_file():
                texts[str(path)] = path.read_bytes().decode("utf-8", "replace")
    for value in planted:
        assert len(value) >= 16
        for where, text in texts.items():
            assert value not in text, f"a planted value reached {where}"
            assert value[4:16] not in text, f"part of a planted value reached {where}"


@pytest.mark.slow  # a semgrep scan with every output
def test_the_gates_own_advice_is_never_redacted(tmp_path: Path, sarif_validator: None) -> None:
    """A secret finding loses the scanned value, never the quotes of the rule's remediation:
    the console, the JSON report and the SARIF rule help show ``os.environ["…"]`` whole."""
    key = _pick(random.Random(5), 40)
    root = tmp_path / "repo"
    (root / "app").mkdir(parents=True)
    (root / "app" / "settings.py").write_text(f'DEBUG = False\nSECRET_KEY = "{key}"\n',
                                              encoding="utf-8")
    out = tmp_path / "out"
    result = run_gate("scan", ".", "--scanners", "semgrep", "--no-cache", "--sarif",
                      str(out / "o.sarif"), "--json", str(out / "o.json"), cwd=root)
    assert result.code == 1, result.output
    advice = 'SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]'
    report = json.loads((out / "o.json").read_text(encoding="utf-8"))
    found = [f for f in report["findings"] if f["rule_id"] == "django-hardcoded-secret-key"]
    assert [(f["path"], f["start_line"]) for f in found] == [
        ("app/settings.py", 2)]
    assert advice in found[0]["remediation"]
    sarif = json.loads((out / "o.sarif").read_text(encoding="utf-8"))
    rules = {r["id"]: r for run in sarif["runs"] for r in run["tool"]["driver"]["rules"]}
    assert advice in rules["django-hardcoded-secret-key"]["help"]["text"]
    assert advice in result.stdout and "(value redacted)]" not in result.stdout
    for text in (result.output, (out / "o.json").read_text(encoding="utf-8"),
                 (out / "o.sarif").read_text(encoding="utf-8")):
        assert key not in text and key[4:16] not in text
    code, tail = validate_sarif(out / "o.sarif")
    assert code == 0, tail
