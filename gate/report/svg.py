"""Inline SVG charts for the HTML report: stacked horizontal bars and a date timeline.

Labels are escaped here; colours come from CSS classes of the page (no external assets).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

LABEL_WIDTH = 220
CHART_WIDTH = 900
ROW = 22


@dataclass(frozen=True)
class Bar:
    """One bar: its label and its segments as (CSS class, count, tooltip)."""

    label: str
    segments: tuple[tuple[str, int, str], ...]


@dataclass(frozen=True)
class Mark:
    """One timeline row: a label, a date, a CSS class and a tooltip."""

    label: str
    when: dt.date
    css: str
    title: str


def _svg(height: int, body: list[str], title: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {CHART_WIDTH} '
            f'{height}" width="{CHART_WIDTH}" height="{height}"><title>{escape(title)}</title>'
            + "".join(body) + "</svg>")


def stacked_bars(bars: Sequence[Bar], title: str) -> str:
    """Horizontal bars scaled to the longest, each made of its segments, total at the end."""
    longest = max((sum(n for _, n, _ in b.segments) for b in bars), default=0) or 1
    room = CHART_WIDTH - LABEL_WIDTH - 50
    body: list[str] = []
    for row, bar in enumerate(bars):
        y = row * ROW + 4
        body.append(f'<text x="0" y="{y + 13}">{escape(bar.label)}</text>')
        x = float(LABEL_WIDTH)
        for css, count, tip in bar.segments:
            if count <= 0:
                continue
            width = max(1.0, room * count / longest)
            body.append(f'<rect class="{escape(css)}" x="{x:.1f}" y="{y}" width="{width:.1f}" '
                        f'height="{ROW - 6}"><title>{escape(tip)}</title></rect>')
            x += width
        total = sum(n for _, n, _ in bar.segments)
        body.append(f'<text x="{x + 6:.1f}" y="{y + 13}">{total}</text>')
    return _svg(len(bars) * ROW + 8, body, title)


def timeline(today: dt.date, marks: Sequence[Mark], window_days: int, title: str) -> str:
    """Each mark on a date axis with a line from today; today and the warning window shown."""
    dates = [m.when for m in marks] + [today, today + dt.timedelta(days=window_days)]
    start = min(dates) - dt.timedelta(days=2)
    span = max(1, (max(dates) - start).days + 2)
    room = CHART_WIDTH - LABEL_WIDTH - 130

    def x_of(day: dt.date) -> float:
        return LABEL_WIDTH + room * (day - start).days / span

    height = (len(marks) + 1) * ROW + 12
    now, window_end = x_of(today), x_of(today + dt.timedelta(days=window_days))
    body = [f'<rect class="w-expiring" opacity="0.15" x="{now:.1f}" y="0" '
            f'width="{max(1.0, window_end - now):.1f}" height="{height}"/>',
            f'<line x1="{now:.1f}" y1="0" x2="{now:.1f}" y2="{height}" stroke="#1c2329"/>',
            f'<text x="{now + 4:.1f}" y="{height - 4}">today {today.isoformat()}</text>']
    for row, mark in enumerate(marks):
        y = row * ROW + 14
        at = x_of(mark.when)
        body.append(f'<text x="0" y="{y + 4}">{escape(mark.label)}</text>')
        body.append(f'<line x1="{min(now, at):.1f}" y1="{y}" x2="{max(now, at):.1f}" y2="{y}" '
                    f'stroke="#90a4ae" stroke-width="2"/>')
        body.append(f'<circle class="{escape(mark.css)}" cx="{at:.1f}" cy="{y}" r="6">'
                    f'<title>{escape(mark.title)}</title></circle>')
        body.append(f'<text x="{at + 10:.1f}" y="{y + 4}">{mark.when.isoformat()}</text>')
    return _svg(height, body, title)
