"""Detection cases written at run time: hard-coded credentials in real formats (a committed
one would be a real-looking secret in the tree, and scanners of this repository would flag
it). Each case is fresh random material in the credential's format; ``cases()`` returns the
files keyed by ``<category>/<file>``, markers included.

Nothing here is a secret: every value is drawn anew on each call, and every format prefix
is assembled by concatenation so that this file never holds a string in a real credential
format. The decoys of the category (values read from the environment, placeholders, key
names without values) are committed in ``tests/fixtures/detection/hardcoded-credentials/``.
"""

from __future__ import annotations

import secrets
import string
import zlib

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

CATEGORY = "hardcoded-credentials"
TRUE = "# detection: true CWE-798\n"
_ALNUM = string.ascii_letters + string.digits
_B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase


def _pick(n: int, alphabet: str = _ALNUM) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(n))


def _base62(number: int, width: int = 6) -> str:
    text = ""
    while number:
        number, rest = divmod(number, 62)
        text = _B62[rest] + text
    return text.rjust(width, "0")


def _aws_key_id() -> str:
    return "AK" + "IA" + _pick(16, string.ascii_uppercase + "234567")


def _github_pat() -> str:
    body = _pick(30)
    return "gh" + "p_" + body + _base62(zlib.crc32(body.encode()))


def _slack_bot_token() -> str:
    return ("xo" + "xb-" + _pick(12, string.digits) + "-" + _pick(12, string.digits) + "-"
            + _pick(24))


def _stripe_key() -> str:
    return "sk" + "_li" + "ve_" + _pick(24)


def _private_key_pem() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def _password(n: int = 18) -> str:
    """A random password with at least one digit and one symbol (never a word-like slug)."""
    return _pick(n - 2, _ALNUM + "!#%+-_") + _pick(1, string.digits) + _pick(1, "!#%+")


def cases() -> dict[str, str]:
    """Every generated case of the hard-coded credentials category, fresh values each call."""
    aws_id, aws_secret = _aws_key_id(), _pick(40, _ALNUM + "/+")
    pem = _private_key_pem()
    files = {
        "aws_boto3_client_keys.py": (
            "import boto3\n\n"
            f'AWS_ACCESS_KEY_ID = "{aws_id}"\n'
            f'AWS_SECRET_ACCESS_KEY = "{aws_secret}"\n\n\n'
            "def bucket_names() -> list[str]:\n"
            '    s3 = boto3.client("s3", aws_access_key_id=AWS_ACCESS_KEY_ID,\n'
            "                      aws_secret_access_key=AWS_SECRET_ACCESS_KEY)\n"
            '    return [b["Name"] for b in s3.list_buckets()["Buckets"]]\n'),
        "flask_github_token_header.py": (
            "import requests\n"
            "from flask import Flask, jsonify\n\n"
            "app = Flask(__name__)\n"
            f'GITHUB_TOKEN = "{_github_pat()}"\n\n\n'
            '@app.get("/repos")\n'
            "def repos():\n"
            '    response = requests.get("https://api.github.com/user/repos", timeout=10,\n'
            '                            headers={"Authorization": f"token {GITHUB_TOKEN}"})\n'
            "    return jsonify([r[\"full_name\"] for r in response.json()])\n"),
        "django_slack_notify.py": (
            "from django.dispatch import receiver\n"
            "from slack_sdk import WebClient\n\n"
            "from .signals import order_paid\n\n"
            f'slack = WebClient(token="{_slack_bot_token()}")\n\n\n'
            "@receiver(order_paid)\n"
            "def notify(sender, order, **kwargs):\n"
            '    slack.chat_postMessage(channel="#sales", text=f"order {order.pk} paid")\n'),
        "fastapi_stripe_api_key.py": (
            "import stripe\n"
            "from fastapi import FastAPI\n\n"
            "api = FastAPI()\n"
            f'stripe.api_key = "{_stripe_key()}"\n\n\n'
            '@api.post("/checkout")\n'
            "def checkout(amount: int):\n"
            '    intent = stripe.PaymentIntent.create(amount=amount, currency="eur")\n'
            '    return {"client_secret": intent.client_secret}\n'),
        "jwt_signing_private_key.py": (
            "import jwt\n\n"
            f'SIGNING_KEY = """{pem}"""\n\n\n'
            "def issue(user_id: int) -> str:\n"
            '    return jwt.encode({"sub": str(user_id)}, SIGNING_KEY, algorithm="ES256")\n'),
        "django_settings_database_url.py": (
            "import dj_database_url\n\n"
            "DATABASES = {\n"
            '    "default": dj_database_url.parse(\n'
            f'        "postgresql://orders:{_pick(20)}@db.internal:5432/orders"),\n'
            "}\n"),
        "django_settings_secret_key.py": (
            "from pathlib import Path\n\n"
            "BASE_DIR = Path(__file__).resolve().parent.parent\n"
            f'SECRET_KEY = "{_pick(50, _ALNUM + "!@#%^&*(-_=+)")}"\n'
            "DEBUG = False\n"
            'ALLOWED_HOSTS = ["shop.example.com"]\n'),
        "flask_app_secret_key.py": (
            "from flask import Flask, session\n\n"
            "app = Flask(__name__)\n"
            f'app.secret_key = "{_pick(32, string.hexdigits.lower()[:16])}"\n\n\n'
            '@app.get("/visits")\n'
            "def visits():\n"
            '    session["n"] = session.get("n", 0) + 1\n'
            '    return str(session["n"])\n'),
        "wsgi_basic_auth_password.py": (
            "import base64\n"
            "import hmac\n\n"
            f'ADMIN_PASSWORD = "{_password()}"\n\n\n'
            "def app(environ, start_response):\n"
            '    header = environ.get("HTTP_AUTHORIZATION", "").removeprefix("Basic ")\n'
            '    supplied = base64.b64decode(header).decode(errors="replace")\n'
            '    if not hmac.compare_digest(supplied, "admin:" + ADMIN_PASSWORD):\n'
            '        start_response("401 Unauthorized", [])\n'
            '        return [b"no"]\n'
            '    start_response("200 OK", [])\n'
            '    return [b"hello admin"]\n'),
        "fastapi_psycopg_connect_password.py": (
            "import psycopg2\n"
            "from fastapi import FastAPI\n\n"
            "api = FastAPI()\n\n\n"
            '@api.get("/orders/count")\n'
            "def count():\n"
            '    conn = psycopg2.connect(host="db.internal", dbname="shop", user="shop",\n'
            f'                            password="{_password()}")\n'
            "    with conn, conn.cursor() as cur:\n"
            '        cur.execute("SELECT count(*) FROM orders")\n'
            '        return {"orders": cur.fetchone()[0]}\n'),
        "http_server_api_key_check.py": (
            "import hmac\n"
            "import http.server\n\n"
            f'API_KEY = "{_pick(32, "0123456789abcdef")}"\n\n\n'
            "class Handler(http.server.BaseHTTPRequestHandler):\n"
            "    def do_GET(self):\n"
            '        ok = hmac.compare_digest(self.headers.get("X-Api-Key", ""), API_KEY)\n'
            "        self.send_response(200 if ok else 403)\n"
            "        self.end_headers()\n"),
        "stdlib_smtp_login.py": (
            "import smtplib\n"
            "from email.message import EmailMessage\n\n\n"
            "def alert(text: str) -> None:\n"
            "    msg = EmailMessage()\n"
            '    msg["Subject"], msg["From"], msg["To"] = "alert", "bot@example.com", '
            '"ops@example.com"\n'
            "    msg.set_content(text)\n"
            '    with smtplib.SMTP_SSL("smtp.example.com", 465) as smtp:\n'
            f'        smtp.login("bot@example.com", "{_password()}")\n'
            "        smtp.send_message(msg)\n"),
        "flask_jwt_hs256_secret.py": (
            "import jwt\n"
            "from flask import Flask, request\n\n"
            "app = Flask(__name__)\n\n\n"
            '@app.post("/token")\n'
            "def token():\n"
            '    claims = {"sub": request.form["user"]}\n'
            f'    return jwt.encode(claims, "{_pick(40)}", algorithm="HS256")\n'),
    }
    return {f"{CATEGORY}/{name}": TRUE + text for name, text in files.items()}
