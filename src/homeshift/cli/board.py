"""``homeshift board``: the traffic lights in the terminal, as JSON or as an HTML report."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from homeshift.board import print_board, readiness_json
from homeshift.lab.control import LabControlError
from homeshift.readiness import HeadendLoad, Readiness, Thresholds, assess
from homeshift.readiness_inputs import (
    InputFileError,
    PlanInputs,
    lab_headend_loads,
    read_headend_loads,
    read_plan,
)
from homeshift.roster import RosterError, load_roster
from homeshift.verify.results import ResultsFileError, merge_results, read_results

app = typer.Typer(help="Traffic lights: per agent, team, site, office and wave.")
err = Console(stderr=True, soft_wrap=True)  # one line per error, grep-able in CI logs


def _moved(text: str) -> set[int]:
    try:
        return {int(part) for part in text.split(",") if part.strip()}
    except ValueError:
        raise typer.BadParameter(f"--moved {text!r} must be wave numbers like 1,2") from None


def _from_store(url: str) -> tuple[dict[str, date | None], set[int]]:
    """Consent per agent (revoked = none) and the waves the migration finished (``done``)."""
    from homeshift.state.store import Store, StoreError

    try:
        with Store.open(url, upgrade_schema=False) as store:
            consents = {
                d.employee_id: d.signed_on if d.active else None for d in store.declarations()
            }
            return consents, store.waves_in_state("done")
    except StoreError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc


def load_readiness(
    roster: Path,
    plan: Path | None,
    verification: Sequence[Path],
    headends: Path | None,
    lab_dir: Path | None,
    moved: str,
    thresholds: Thresholds,
    store: str | None = None,
) -> Readiness:
    """Read every input, or exit 2 naming the file and entry that is wrong."""
    consents: dict[str, date | None] | None = None
    moved_waves = _moved(moved)
    if store:
        consents, done = _from_store(store)
        moved_waves |= done
    try:
        agents = load_roster(roster)
        plan_inputs = read_plan(plan, moved_waves) if plan else PlanInputs()
        results = merge_results([read_results(path) for path in verification])
        loads: tuple[HeadendLoad, ...] = ()
        if headends is not None:
            loads = read_headend_loads(headends, plan_inputs.session_limits)
        elif lab_dir is not None:
            loads = lab_headend_loads(lab_dir, plan_inputs.session_limits)
        elif results is not None:
            loads = results.headend_loads()
    except (RosterError, InputFileError, ResultsFileError, LabControlError) as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    return assess(
        agents,
        plan_inputs.waves,
        results.desktop_verdicts() if results else {},
        loads,
        thresholds,
        consents=consents,
        unschedulable=plan_inputs.unschedulable,
    )


@app.callback(invoke_without_command=True)
def board(
    roster: Annotated[Path, typer.Option(help="Roster CSV.")],
    plan: Annotated[Path | None, typer.Option(help="Plan file (JSON/YAML) with waves.")] = None,
    verification: Annotated[
        list[Path] | None,
        typer.Option(help="results.json of `homeshift verify` (repeatable: per-site runs merge)."),
    ] = None,
    headends: Annotated[
        Path | None, typer.Option(help="Headend counters (JSON/YAML): name, active, limit.")
    ] = None,
    lab_dir: Annotated[
        Path | None, typer.Option("--lab", help="Read live headend counters from this lab.")
    ] = None,
    store: Annotated[
        str | None,
        typer.Option(help="State store URL: consent and finished (moved) waves from the store."),
    ] = None,
    moved: Annotated[str, typer.Option(help="Waves already at home, e.g. 1,2.")] = "",
    max_utilisation: Annotated[float, typer.Option(min=0.01, max=1.0)] = 0.8,
    headroom: Annotated[float, typer.Option(min=0.0, help="Spare share for green.")] = 0.1,
    load_threshold: Annotated[
        float, typer.Option(min=1.0, max=100.0, help="Headend load % that counts as overloaded.")
    ] = 80.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
    html: Annotated[
        Path | None, typer.Option(help="Also write the self-contained HTML report here.")
    ] = None,
    max_red: Annotated[
        int | None, typer.Option(min=0, help="Exit 1 when more agents than this are red.")
    ] = None,
    teams: Annotated[int, typer.Option(min=1, help="Team rows shown (worst first).")] = 30,
) -> None:
    """Show the lights; exit 1 when red exceeds --max-red, 2 when an input is invalid."""
    thresholds = Thresholds(max_utilisation, headroom, load_threshold)
    readiness = load_readiness(
        roster, plan, verification or [], headends, lab_dir, moved, thresholds, store
    )
    if as_json:
        typer.echo(json.dumps(readiness_json(readiness), indent=2))
    else:
        print_board(readiness, Console(), team_limit=teams)
    if html is not None:
        from homeshift.report import write_report

        write_report(readiness, html, sources={"roster": str(roster), "plan": str(plan or "-")})
        err.print(f"report written to {html}")
    red = len(readiness.red_list)
    if max_red is not None and red > max_red:
        err.print(f"[red]{red} agents are red (more than --max-red {max_red})[/red]")
        raise typer.Exit(1)
