"""Headless Chromium for the report tests: the DOM after scripts ran, and screenshots.

Debian's ``chromium`` package (``tests/install-prerequisites.sh`` installs it). Missing, the
browser tests skip with the reason, except under ``CI=true``, where they fail.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

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


def dump_dom(url: str, profile: Path) -> str:
    """The serialised DOM of ``url`` once loaded and its scripts ran."""
    return _run(["--dump-dom", url], profile).stdout


def screenshot(url: str, target: Path, profile: Path, size: str = "1280,2400") -> Path:
    """A PNG of ``url`` at ``size`` pixels."""
    _run([f"--window-size={size}", f"--screenshot={target}", url], profile)
    assert target.is_file(), f"Chromium wrote no screenshot of {url}"
    return target


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
