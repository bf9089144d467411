"""Inline SVG bar charts, generated in Python so the report needs no JavaScript and no CDN.

Every bar is one ``<g class="bar">`` (tests and people count the same thing); labels are
XML-escaped. Sizes are in SVG user units; the charts scale with the page width.
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape, quoteattr

from homeshift.readiness import HeadendLoad, Light, Rollup

COLOURS: dict[Light, str] = {Light.GREEN: "#2e9d4a", Light.YELLOW: "#e0a800", Light.RED: "#d0312d"}
CAPACITY_COLOUR = "#d7dce2"
BUDGET_COLOUR = "#5b6b7c"

_WIDTH = 900
_LABEL = 170
_BAR_H = 22
_GAP = 10
_TOP = 28


def _frame(chart_id: str, title: str, rows: int, body: list[str]) -> str:
    height = _TOP + rows * (_BAR_H + _GAP) + 24
    return (
        f'<svg class="chart" id={quoteattr(chart_id)} role="img" aria-label={quoteattr(title)} '
        f'viewBox="0 0 {_WIDTH} {height}" width="100%" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(title)}</title>"
        f'<text x="0" y="16" class="chart-title" font-size="15" font-weight="bold">'
        f"{escape(title)}</text>" + "".join(body) + "</svg>"
    )


def headend_load_chart(
    loads: Sequence[HeadendLoad], max_utilisation: float, threshold_pct: float
) -> str:
    """One bar per headend: limit (light grey), active sessions (coloured by load), and marks
    for the plan's budget (limit × max_utilisation) and the overload threshold."""
    scale_max = max((h.limit for h in loads), default=1) or 1
    span = _WIDTH - _LABEL - 150
    body: list[str] = []
    for index, h in enumerate(loads):
        y = _TOP + index * (_BAR_H + _GAP)
        full = span * h.limit / scale_max
        used = span * min(h.active, h.limit) / scale_max if h.limit else 0.0
        over = h.limit <= 0 or h.load_pct > threshold_pct
        near = h.load_pct > threshold_pct * max_utilisation
        colour = COLOURS[Light.RED if over else Light.YELLOW if near else Light.GREEN]
        budget_x = _LABEL + full * max_utilisation
        threshold_x = _LABEL + full * threshold_pct / 100
        label = f"{h.active} / {h.limit} ({h.load_pct:.0f}%)"
        body.append(
            f'<g class="bar headend" data-name={quoteattr(h.name)} data-load="{h.load_pct:.1f}">'
            f'<text x="0" y="{y + 16}" font-size="13">{escape(h.name)}</text>'
            f'<rect class="capacity" x="{_LABEL}" y="{y}" width="{full:.1f}" height="{_BAR_H}" '
            f'fill="{CAPACITY_COLOUR}"/>'
            f'<rect class="active" x="{_LABEL}" y="{y}" width="{used:.1f}" height="{_BAR_H}" '
            f'fill="{colour}"/>'
            f'<line class="budget" x1="{budget_x:.1f}" x2="{budget_x:.1f}" y1="{y - 3}" '
            f'y2="{y + _BAR_H + 3}" stroke="{BUDGET_COLOUR}" stroke-width="2"/>'
            f'<line class="threshold" x1="{threshold_x:.1f}" x2="{threshold_x:.1f}" '
            f'y1="{y - 3}" y2="{y + _BAR_H + 3}" stroke="{COLOURS[Light.RED]}" '
            f'stroke-dasharray="4 3" stroke-width="2"/>'
            f'<text x="{_LABEL + full + 8:.1f}" y="{y + 16}" font-size="13">{escape(label)}</text>'
            "</g>"
        )
    return _frame("headend-load", "Headend load against capacity", len(loads), body)


def stacked_readiness_chart(chart_id: str, title: str, rollups: Sequence[Rollup]) -> str:
    """One horizontal bar per group, split green / yellow / red in proportion to the counts."""
    span = _WIDTH - _LABEL - 110
    body: list[str] = []
    for index, r in enumerate(rollups):
        y = _TOP + index * (_BAR_H + _GAP)
        x = float(_LABEL)
        segments: list[str] = []
        for light, count in ((Light.GREEN, r.green), (Light.YELLOW, r.yellow), (Light.RED, r.red)):
            if count == 0 or r.total == 0:
                continue
            width = span * count / r.total
            segments.append(
                f'<rect class="seg seg-{light.value}" x="{x:.1f}" y="{y}" width="{width:.1f}" '
                f'height="{_BAR_H}" fill="{COLOURS[light]}"><title>{escape(r.key)}: {count} '
                f"{light.value}</title></rect>"
            )
            x += width
        summary = f"{r.green} / {r.yellow} / {r.red}"
        body.append(
            f'<g class="bar" data-key={quoteattr(r.key)} data-light="{r.light.value}">'
            f'<text x="0" y="{y + 16}" font-size="13">{escape(r.key)}</text>'
            + "".join(segments)
            + f'<text x="{_LABEL + span + 8}" y="{y + 16}" font-size="13">{escape(summary)}</text>'
            "</g>"
        )
    return _frame(chart_id, title, len(rollups), body)
