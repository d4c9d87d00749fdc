"""Headless Chromium for the report tests: the DOM after scripts ran, and screenshots.

Debian's ``chromium`` package (``tests/install-prerequisites.sh`` installs it). Missing, the
browser tests skip with the reason, except under ``CI=true``, where they fail.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

FLAGS = ("--headless", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--disable-extensions", "--hide-scrollbars")


def chromium() -> str:
    """The Chromium executable; skip (fail under CI=true) when there is none."""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    if os.environ.get("CI", "").strip().lower() == "true":
        pytest.fail("CI=true and Chromium is missing: tests/install-prerequisites.sh "
                    "installs Debian's chromium package for the browser tests")
    pytest.skip("the browser tests need headless Chromium (Debian: apt-get install chromium)")


def _run(args: list[str], profile: Path) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([chromium(), *FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc


def dump_dom(url: str, profile: Path, *extra: str) -> str:
    """The serialised DOM of ``url`` once loaded and its scripts ran."""
    return _run([*extra, "--dump-dom", url], profile).stdout


def screenshot(url: str, target: Path, profile: Path, size: str = "1280,2400",
               *extra: str) -> Path:
    """A PNG of ``url`` at ``size`` pixels."""
    _run([*extra, f"--window-size={size}", f"--screenshot={target}", url], profile)
    assert target.is_file(), f"Chromium wrote no screenshot of {url}"
    return target


# Headless Chromium makes no window narrower than 500 px, so a page is measured inside an
# iframe of the width asked for: its layout viewport is exactly that wide. The checks run in
# the outer page (file:// pages may read each other's DOM with --allow-file-access-from-files;
# the report's own CSP, which allows only its own script, is not touched) and are written
# into it as JSON for --dump-dom.
FRAME_FLAGS = ("--allow-file-access-from-files", "--virtual-time-budget=15000")
_CHECKS = r"""
function checks(frame, width) {
  var win = frame.contentWindow, doc = frame.contentDocument;
  var vw = doc.documentElement.clientWidth;
  var out = {innerWidth: win.innerWidth, clientWidth: vw,
             scrollWidth: doc.documentElement.scrollWidth,
             scriptRan: doc.documentElement.getAttribute("data-script") === "ran",
             wide: [], broken: [], words: 0, cards: 0, detailsWidth: 0};
  function name(el) {
    return el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
      (el.className && typeof el.className === "string" ? "." + el.className.split(" ")[0] : "");
  }
  doc.querySelectorAll("body *").forEach(function (el) {
    var r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) { return; }
    var html = el.namespaceURI === "http://www.w3.org/1999/xhtml";  // SVG parts: no box
    if (r.right > vw + 0.5 || r.left < -0.5 || (html && el.scrollWidth > vw + 0.5)) {
      out.wide.push([name(el), Math.round(r.left), Math.round(r.right), el.scrollWidth]);
    }
  });
  // A word: the text between spaces, a path or URL excepted (they may wrap anywhere); the
  // line-break opportunity after a hyphen (PYSEC-2018-28) splits it into parts.
  doc.querySelectorAll(".msg").forEach(function (el) {
    var walker = doc.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (var node = walker.nextNode(); node; node = walker.nextNode()) {
      var re = /[^\s-]+-?/g, m;
      while ((m = re.exec(node.data)) !== null) {
        var start = node.data.lastIndexOf(" ", m.index) + 1, end = node.data.indexOf(" ", m.index);
        var word = node.data.slice(start, end < 0 ? undefined : end);
        if (/[\/\\]|:\/\//.test(word)) { continue; }  // a path or URL may wrap anywhere
        var range = doc.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        var tops = {};
        Array.prototype.forEach.call(range.getClientRects(), function (rect) {
          if (rect.width > 0) { tops[Math.round(rect.top)] = true; }
        });
        out.words += 1;
        if (Object.keys(tops).length > 1) { out.broken.push(m[0]); }
      }
    }
  });
  var row = doc.querySelector("#findings-table tbody tr");
  if (row) {
    out.cards = win.getComputedStyle(row).display === "block" ? 1 : 0;
    var details = row.querySelector("td.details");
    out.detailsWidth = details ? Math.round(details.getBoundingClientRect().width) : 0;
  }
  return out;
}
"""
FRAME = """<!DOCTYPE html><html><head><meta charset="utf-8"><style>
body {{ margin: 0; }} iframe {{ border: 0; display: block; }}
</style></head><body>
<iframe id="frame" src="{src}" width="{width}" height="{height}"></iframe>
<pre id="checks">pending</pre>
<script>{checks}
(function wait() {{
  var frame = document.getElementById("frame"), out = document.getElementById("checks");
  var doc = null;
  try {{ doc = frame.contentDocument; }} catch (e) {{
    out.textContent = JSON.stringify({{error: String(e)}});
    return;
  }}
  if (!doc || doc.readyState !== "complete" || !doc.getElementById("verdict")) {{
    setTimeout(wait, 50);
    return;
  }}
  try {{
    out.textContent = JSON.stringify(checks(frame, {width}));
  }} catch (e) {{
    out.textContent = JSON.stringify({{error: String(e)}});
  }}
}}());
</script></body></html>
"""


def framed(page: Path, width: int, work: Path, height: int = 900) -> Path:
    """An outer page holding ``page`` in an iframe ``width`` CSS pixels wide."""
    outer = work / f"framed-{width}-{page.stem}.html"
    outer.write_text(FRAME.format(src=page.as_uri(), width=width, height=height,
                                  checks=_CHECKS), encoding="utf-8")
    return outer


def measure(page: Path, width: int, work: Path, profile: Path) -> dict[str, Any]:
    """The page's own answers at ``width`` px: its viewport, the elements wider than it,
    the words of messages (``.msg``) broken across lines, whether findings are cards."""
    dom = dump_dom(framed(page, width, work).as_uri(), profile, *FRAME_FLAGS)
    found = re.search(r'<pre id="checks">(.*?)</pre>', dom, re.S)
    assert found is not None, dom[-2000:]
    assert found[1] != "pending", "the checks never ran: the framed page stayed unreadable"
    text = found[1].replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">"
                                                                        ).replace("&amp;", "&")
    result: dict[str, Any] = json.loads(text)
    assert "error" not in result, result
    return result


class Dom(HTMLParser):
    """Every element's tag and attributes, in order, and all text (entities decoded)."""

    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.texts: list[str] = []
        self.feed(markup)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {k: v or "" for k, v in attrs}))

    def handle_data(self, data: str) -> None:
        self.texts.append(data)

    @property
    def text(self) -> str:
        return "".join(self.texts)

    def find(self, tag: str, **attrs: str) -> list[dict[str, str]]:
        """Attributes of every ``tag`` element that has all ``attrs`` (``_`` as ``-``)."""
        wanted = {k.replace("_", "-"): v for k, v in attrs.items()}
        return [a for t, a in self.elements
                if t == tag and all(a.get(k) == v for k, v in wanted.items())]

    def having(self, tag: str, attribute: str) -> list[dict[str, str]]:
        """Attributes of every ``tag`` element that carries ``attribute``."""
        return [a for t, a in self.elements if t == tag and attribute in a]
