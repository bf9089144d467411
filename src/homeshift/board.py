"""The traffic-light board: rich tables of a :class:`~homeshift.readiness.Readiness`.

Rendering only; what is green, yellow or red is decided in :mod:`homeshift.readiness`.
:func:`readiness_json` is the machine form (``homeshift board --json``).
"""

from __future__ import annotations

from typing import Any

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from homeshift.readiness import Light, Readiness, Rollup

STYLE: dict[Light, str] = {
    Light.GREEN: "bold green",
    Light.YELLOW: "bold yellow",
    Light.RED: "bold red",
}
SYMBOL: dict[Light, str] = {Light.GREEN: "●", Light.YELLOW: "●", Light.RED: "●"}
TITLES: dict[str, str] = {
    "wave": "Waves",
    "site": "Sites",
    "office": "Operating offices",
    "team": "Teams",
}


def light_text(light: Light) -> Text:
    """The light as a coloured dot plus its word (the word keeps it readable without colour)."""
    return Text(f"{SYMBOL[light]} {light.value.upper()}", style=STYLE[light])


def rollup_table(title: str, rollups: tuple[Rollup, ...], limit: int | None = None) -> Table:
    table = Table(title=title, title_justify="left", expand=False)
    table.add_column(title.rstrip("s") if title != "Operating offices" else "Office")
    table.add_column("Light")
    for name, style in (("Green", "green"), ("Yellow", "yellow"), ("Red", "red")):
        table.add_column(name, justify="right", style=style)
    table.add_column("Total", justify="right")
    shown = rollups if limit is None else _worst_first(rollups)[:limit]
    for r in shown:
        table.add_row(
            r.key, light_text(r.light), str(r.green), str(r.yellow), str(r.red), str(r.total)
        )
    if limit is not None and len(rollups) > limit:
        table.caption = f"{limit} of {len(rollups)} shown, worst first"
    return table


def _worst_first(rollups: tuple[Rollup, ...]) -> tuple[Rollup, ...]:
    return tuple(sorted(rollups, key=lambda r: (-r.light.rank, -r.red, -r.yellow, r.key)))


def capacity_table(readiness: Readiness) -> Table:
    table = Table(title="Wave capacity", title_justify="left")
    for column, justify in (
        ("Wave", "right"),
        ("Sessions", "right"),
        ("Demand", "right"),
        ("Free", "right"),
        ("Light", "left"),
        ("Reason", "left"),
    ):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for w in readiness.waves:
        table.add_row(
            str(w.number),
            str(w.sessions),
            str(w.demand),
            str(w.free),
            light_text(w.light),
            "; ".join(w.reasons),
        )
    return table


def headend_table(readiness: Readiness) -> Table:
    threshold = readiness.thresholds.load_threshold_pct
    table = Table(title="Headend load", title_justify="left")
    for column in ("Headend", "Active", "Limit", "Load"):
        table.add_column(column, justify="left" if column == "Headend" else "right")
    for h in readiness.headends:
        style = "red" if h.load_pct > threshold else "green"
        table.add_row(h.name, str(h.active), str(h.limit), Text(f"{h.load_pct:.1f}%", style=style))
    table.caption = f"load threshold {threshold:.0f}%"
    return table


def red_table(readiness: Readiness, limit: int = 50) -> Table:
    red = readiness.red_list
    table = Table(title=f"Red list ({len(red)})", title_justify="left")
    for column in ("Employee", "Team", "Site", "Wave", "Desktop", "Reasons"):
        table.add_column(column)
    for a in red[:limit]:
        table.add_row(
            a.employee_id, a.team, a.site, str(a.wave or "-"), a.desktop, "\n".join(a.reasons)
        )
    if len(red) > limit:
        table.caption = f"{limit} of {len(red)} shown; --json lists all"
    return table


def summary_text(readiness: Readiness) -> Text:
    text = Text("Readiness: ")
    text.append_text(light_text(readiness.light))
    text.append(f"   {len(readiness.agents)} agents: ")
    for light in Light:
        text.append(f"{readiness.count(light)} {light.value}", style=STYLE[light])
        text.append("  ")
    return text


def board(readiness: Readiness, team_limit: int | None = 30) -> RenderableType:
    """Summary, capacity, headends, rollups (waves, sites, offices, teams) and the red list."""
    parts: list[RenderableType] = [summary_text(readiness)]
    if readiness.waves:
        parts.append(capacity_table(readiness))
    if readiness.headends:
        parts.append(headend_table(readiness))
    for dimension, title in TITLES.items():
        limit = team_limit if dimension == "team" else None
        parts.append(rollup_table(title, readiness.rollups.get(dimension, ()), limit))
    parts.append(red_table(readiness))
    return Group(*parts)


def print_board(readiness: Readiness, console: Console, team_limit: int | None = 30) -> None:
    console.print(board(readiness, team_limit))


def readiness_json(readiness: Readiness) -> dict[str, Any]:
    """Everything on the board as plain JSON (lights as their lower-case names)."""
    return {
        "light": readiness.light.value,
        "counts": {light.value: readiness.count(light) for light in Light},
        "thresholds": {
            "max_utilisation": readiness.thresholds.max_utilisation,
            "headroom": readiness.thresholds.headroom,
            "load_threshold_pct": readiness.thresholds.load_threshold_pct,
        },
        "waves": [
            {
                "number": w.number,
                "sessions": w.sessions,
                "demand": w.demand,
                "free": w.free,
                "light": w.light.value,
                "reasons": list(w.reasons),
            }
            for w in readiness.waves
        ],
        "headends": [
            {"name": h.name, "active": h.active, "limit": h.limit, "load_pct": round(h.load_pct, 1)}
            for h in readiness.headends
        ],
        "rollups": {
            dimension: [
                {
                    "key": r.key,
                    "light": r.light.value,
                    "green": r.green,
                    "yellow": r.yellow,
                    "red": r.red,
                }
                for r in rollups
            ]
            for dimension, rollups in readiness.rollups.items()
        },
        "agents": [
            {
                "employee_id": a.employee_id,
                "team": a.team,
                "site": a.site,
                "office": a.office,
                "wave": a.wave,
                "desktop": a.desktop,
                "light": a.light.value,
                "reasons": list(a.reasons),
            }
            for a in readiness.agents
        ],
    }
