"""Post or update the gate's pull-request comment through GitHub's REST API.

One comment per workflow and category: the one to update is found by its hidden marker
**and** its author (``github-actions[bot]``, the job token's identity), paging through every
comment, because anyone who can comment on the pull request can post the marker too. The
token goes only to ``GITHUB_API_URL``'s origin: redirects are refused and a paging link to
another origin is not followed. Every failure is a ``CommentError`` with a short reason;
the caller turns it into a notice, never into a failed job.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

BOT = "github-actions[bot]"
API_VERSION = "2022-11-28"
TIMEOUT = 20.0
MAX_PAGES = 100  # 10,000 comments
_REPOSITORY = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="next"')


class CommentError(Exception):
    """The comment could not be read, posted or updated (the reason is safe to print)."""


@dataclass(frozen=True)
class Target:
    """Where the comment goes: the API, the repository, the pull request, the token."""

    api_url: str
    repository: str
    number: int
    token: str


def target(env: Mapping[str, str], event: Any) -> Target | str:
    """The pull request to comment on, or why there is none (not a pull request, a fork,
    no token)."""
    name = env.get("GITHUB_EVENT_NAME", "")
    if name != "pull_request":
        return f"not a pull_request event ({name or 'none'}): no comment"
    pull = event.get("pull_request") if isinstance(event, dict) else None
    if not isinstance(pull, dict) or not isinstance(pull.get("number"), int):
        return "the event has no pull request number: no comment"
    repository = env.get("GITHUB_REPOSITORY", "")
    head = _dig(pull, "head", "repo", "full_name")
    if head != repository:
        return ("pull request from a fork: its token cannot write comments, so none is "
                "posted (the summary still shows the findings)")
    if not _REPOSITORY.match(repository):
        return "GITHUB_REPOSITORY is not owner/name: no comment"
    api = env.get("GITHUB_API_URL", "https://api.github.com").rstrip("/")
    if urllib.parse.urlsplit(api).scheme not in ("https", "http"):
        return "GITHUB_API_URL is not an http(s) URL: no comment"
    token = env.get("GITHUB_TOKEN", "")
    if not token:
        return "no GITHUB_TOKEN: no comment"
    return Target(api, repository, pull["number"], token)


def post(where: Target, text: str, marker: str) -> str:
    """Update this workflow's comment, or create it; says which."""
    base = f"{where.api_url}/repos/{where.repository}/issues"
    existing = find(where, marker)
    if existing is not None:
        _call(where, "PATCH", f"{base}/comments/{existing}", {"body": text})
        return f"updated the pull-request comment ({existing})"
    created = _call(where, "POST", f"{base}/{where.number}/comments", {"body": text})
    ident = created.get("id") if isinstance(created, dict) else None
    return f"posted a pull-request comment ({ident})"


def find(where: Target, marker: str) -> int | None:
    """The id of the bot's comment carrying ``marker``, looking through every page."""
    url: str | None = (f"{where.api_url}/repos/{where.repository}/issues/{where.number}"
                       "/comments?per_page=100")
    origin = _origin(where.api_url)
    for _ in range(MAX_PAGES):
        if url is None:
            return None
        page, link = _get(where, url)
        if not isinstance(page, list):
            raise CommentError("the comments list is not a JSON list")
        for item in page:
            if (isinstance(item, dict) and isinstance(item.get("id"), int)
                    and _dig(item, "user", "login") == BOT
                    and marker in str(item.get("body") or "")):
                return int(item["id"])
        nxt = _NEXT.search(link)
        url = nxt[1] if nxt and _origin(nxt[1]) == origin else None
    return None


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req: urllib.request.Request, fp: Any, code: int, msg: str,
                         headers: Any, newurl: str) -> None:
        raise CommentError(f"the API answered with a redirect ({code}); not followed")


_OPENER = urllib.request.build_opener(_NoRedirects)


def _get(where: Target, url: str) -> tuple[Any, str]:
    data, headers = _request(where, "GET", url, None)
    return data, headers.get("Link", "")


def _call(where: Target, method: str, url: str, payload: dict[str, Any]) -> Any:
    return _request(where, method, url, payload)[0]


def _request(where: Target, method: str, url: str, payload: dict[str, Any] | None
             ) -> tuple[Any, Mapping[str, str]]:
    body = json.dumps(payload).encode("utf-8") if payload is not None else None
    # S310: the URL is GITHUB_API_URL's (http or https, checked by ``target``) or a paging
    # link on the same origin.
    request = urllib.request.Request(url, data=body, method=method, headers={  # noqa: S310
        "Authorization": f"Bearer {where.token}", "Accept": "application/vnd.github+json",
        "X-GitHub-Api-Version": API_VERSION, "User-Agent": "secops-gate",
        **({"Content-Type": "application/json"} if body is not None else {})})
    try:
        with _OPENER.open(request, timeout=TIMEOUT) as response:
            raw = response.read(8 * 1024 * 1024)
            headers = dict(response.headers.items())
    except urllib.error.HTTPError as exc:
        raise CommentError(_http_reason(exc)) from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise CommentError(f"cannot reach the GitHub API ({type(reason).__name__})") from None
    try:
        return (json.loads(raw) if raw.strip() else None), headers
    except ValueError:
        raise CommentError(f"the API's answer to {method} is not JSON") from None


def _http_reason(exc: urllib.error.HTTPError) -> str:
    remaining = exc.headers.get("x-ratelimit-remaining") if exc.headers else None
    if exc.code == 429 or (exc.code == 403 and remaining == "0"):
        return f"the GitHub API rate limit was reached (HTTP {exc.code})"
    if exc.code in (401, 403):
        return (f"the token may not write comments (HTTP {exc.code}); give the job "
                "'pull-requests: write'")
    return f"the GitHub API answered HTTP {exc.code}"


def _dig(data: Any, *keys: str) -> Any:
    """``data[k1][k2]...``, or None where a level is missing or not an object."""
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _origin(url: str) -> tuple[str, str]:
    parts = urllib.parse.urlsplit(url)
    return parts.scheme, parts.netloc
