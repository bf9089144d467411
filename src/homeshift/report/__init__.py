"""The readiness report: one self-contained HTML file (inline CSS and SVG, no scripts).

It opens from a mail attachment or a CI artefact without network access, which is why nothing
is loaded from elsewhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import jinja2

from homeshift.readiness import Light, Readiness
from homeshift.report.svg import headend_load_chart, stacked_readiness_chart

TITLE = "homeshift readiness report"
RED_LIMIT = 500


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("homeshift.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def _version() -> str:
    try:
        return version("homeshift")
    except PackageNotFoundError:
        return "dev"


def render_report(
    readiness: Readiness,
    sources: Mapping[str, str] | None = None,
    created: datetime | None = None,
    title: str = TITLE,
) -> str:
    """The report as HTML text; ``created`` defaults to now (pass it for reproducible output)."""
    thresholds = readiness.thresholds
    when = (created or datetime.now(UTC)).isoformat(timespec="seconds")
    headend_chart = (
        headend_load_chart(
            readiness.headends, thresholds.max_utilisation, thresholds.load_threshold_pct
        )
        if readiness.headends
        else ""
    )
    rollups = readiness.rollups
    return (
        _environment()
        .get_template("report.html.j2")
        .render(
            title=title,
            version=_version(),
            created=when,
            sources=dict(sources or {}),
            thresholds=thresholds,
            overall=readiness.light.value,
            total=len(readiness.agents),
            counts={light.value: readiness.count(light) for light in Light},
            headend_chart=headend_chart,
            wave_chart=stacked_readiness_chart(
                "wave-readiness", "Readiness per wave", rollups.get("wave", ())
            ),
            site_chart=stacked_readiness_chart(
                "site-readiness", "Readiness per site", rollups.get("site", ())
            ),
            waves=readiness.waves,
            red=readiness.red_list,
            red_limit=RED_LIMIT,
            rollup_tables=[
                ("wave", "Waves", rollups.get("wave", ())),
                ("site", "Sites", rollups.get("site", ())),
                ("office", "Operating offices", rollups.get("office", ())),
                ("team", "Teams", rollups.get("team", ())),
            ],
        )
    )


def write_report(
    readiness: Readiness,
    path: str | Path,
    sources: Mapping[str, str] | None = None,
    created: datetime | None = None,
) -> Path:
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(render_report(readiness, sources, created), encoding="utf-8")
    tmp.replace(path)
    return path
