"""The pull-request comment: the step summary's Markdown under GitHub's comment limit, with
the hidden marker that finds it again and a link to the run's full summary.

The body is ``markdown.render`` (the same escaping of scanned content as the step summary);
``wrap`` adds the marker and link, and keeps the whole under 65,536 characters.
"""

from __future__ import annotations

import re
import urllib.parse

from gate.policy.decision import Decision
from gate.report import markdown

MAX_CHARS = 65_536  # GitHub's limit for a comment body
BODY_BYTES = 60_000  # the rendered summary's budget: bytes, so never more characters
_MARKER_SAFE = re.compile(r"[^A-Za-z0-9 ._/-]")


def body(decision: Decision, links: markdown.SourceLinks | None = None) -> str:
    """The summary Markdown for a comment (at most ``BODY_BYTES`` bytes), each finding
    linked through ``links`` when given."""
    return markdown.render(decision, max_bytes=BODY_BYTES, links=links)


def marker(workflow: str, category: str) -> str:
    """The hidden line that names this workflow's and category's comment."""
    def clean(text: str) -> str:
        return _MARKER_SAFE.sub("_", text)[:100]

    return f"<!-- secops-gate:comment workflow={clean(workflow)} category={clean(category)} -->"


def wrap(text: str, mark: str, summary_url: str) -> str:
    """The comment: marker, the summary (cut if it would pass the limit), the link."""
    url = urllib.parse.quote(summary_url, safe=":/?=&%#@+,;~")
    tail = f"\n---\n[Full summary and logs of this run]({url})\n" if url else "\n"
    room = MAX_CHARS - len(mark) - len(tail) - 64
    if len(text) > room:
        cut = text[:room]
        text = cut[: cut.rfind("\n") + 1] + "\n_(comment cut to stay under GitHub's limit)_\n"
    return f"{mark}\n{text}{tail}"
