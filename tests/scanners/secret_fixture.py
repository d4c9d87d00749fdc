"""Builds a repository full of real-format secrets at test time.

Nothing here is a secret: every value is random, and each is assembled by concatenation
so that this repository never holds a string in a real credential format.
"""

from __future__ import annotations

import base64
import random
import string
import zlib
from dataclasses import dataclass
from pathlib import Path

_B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
_ALNUM = string.ascii_letters + string.digits


@dataclass(frozen=True)
class Planted:
    """A secret written into the fixture: where, which kingfisher rule, and its value."""

    path: str
    line: int
    rule_id: str
    value: str


def _base62(number: int, width: int = 6) -> str:
    text = ""
    while number:
        number, rest = divmod(number, 62)
        text = _B62[rest] + text
    return text.rjust(width, "0")


def build_secret_repo(root: Path, seed: int = 4) -> list[Planted]:
    """Write the fixture under ``root`` and return what was planted where."""
    rnd = random.Random(seed)

    def pick(n: int, alphabet: str = _ALNUM) -> str:
        return "".join(rnd.choice(alphabet) for _ in range(n))

    aws_id = "AK" + "IA" + pick(16, string.ascii_uppercase + "234567")
    aws_secret = pick(40, _ALNUM + "/+")
    body = pick(30)
    github = "gh" + "p_" + body + _base62(zlib.crc32(body.encode()))
    slack = "xo" + "xb-" + pick(12, string.digits) + "-" + pick(12, string.digits) + "-" + pick(24)
    stripe = "sk" + "_li" + "ve_" + pick(24)
    db_password = pick(16)
    key_body = base64.b64encode(bytes(rnd.randrange(256) for _ in range(600))).decode()
    key_lines = [key_body[i : i + 64] for i in range(0, len(key_body), 64)]
    key_kind = "RSA " + "PRIVATE" + " KEY"

    files = {
        "config/aws_settings.py": (
            "# Cloud settings\n"
            f'AWS_ACCESS_KEY_ID = "{aws_id}"\n'
            f'AWS_SECRET_ACCESS_KEY = "{aws_secret}"\n'
        ),
        ".env": (
            "DEBUG=1\n"
            f"GITHUB_TOKEN={github}\n"
            f"SLACK_BOT_TOKEN={slack}\n"
            f"DATABASE_URL=postgresql://orders:{db_password}@10.20.30.40:5432/orders\n"
        ),
        "Dockerfile": f"FROM python:3.12-slim\nENV STRIPE_API_KEY={stripe}\nCMD [\"python\"]\n",
        "deploy/values.yaml": f"app:\n  replicas: 2\n  slack:\n    token: {slack}\n",
        "keys/deploy_key": (
            f"-----BEGIN {key_kind}-----\n" + "\n".join(key_lines) + f"\n-----END {key_kind}-----\n"
        ),
        "README.md": "Nothing secret here.\n",
    }
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return [
        Planted("config/aws_settings.py", 2, "betterleaks.aws-access-token", aws_id),
        Planted("config/aws_settings.py", 3, "", aws_secret),
        Planted(".env", 2, "betterleaks.github-pat", github),
        Planted(".env", 3, "betterleaks.slack-bot-token", slack),
        Planted(".env", 4, "betterleaks.generic-credential-uri", db_password),
        Planted("Dockerfile", 2, "betterleaks.stripe-access-token", stripe),
        Planted("deploy/values.yaml", 4, "betterleaks.slack-bot-token", slack),
        Planted("keys/deploy_key", 1, "betterleaks.private-key", key_body[:64]),
    ]
