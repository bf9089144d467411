"""``homeshift state ...``: open, upgrade and fill the state store; show what it holds."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from homeshift.roster import RosterError, load_roster
from homeshift.state.migrations import SchemaTooNewError
from homeshift.state.plan import PlanFileError, read_plan_waves
from homeshift.state.store import Store, StoreError

app = typer.Typer(help="The state store: agents, waves, declarations, notifications, runs.")
# markup off: messages carry user data (file names, "[...]" in errors) that must print as is
console = Console(stderr=True, soft_wrap=True, markup=False, highlight=False)

StoreUrl = Annotated[
    str | None,
    typer.Option(
        "--store",
        envvar="HOMESHIFT_STORE",
        help="Store URL (sqlite:///PATH or postgresql://...); default .state/homeshift.db "
        "under $HOMESHIFT_STATE_DIR or the current folder.",
        show_envvar=True,
    ),
]


def open_store(url: str | None) -> Store:
    """Open the store or exit 1 with a clear message (the URL shown without its password)."""
    try:
        return Store.open(url)
    except (StoreError, SchemaTooNewError) as exc:
        console.print(f"state store: {exc}", style="red")
        raise typer.Exit(1) from exc


@app.command()
def sync(
    roster: Annotated[Path, typer.Option(help="Roster CSV to load into the store.")],
    plan: Annotated[Path | None, typer.Option(help="Plan file: assign each agent's wave.")] = None,
    store_url: StoreUrl = None,
) -> None:
    """Load the roster (minimal fields) and, with --plan, the waves into the store."""
    try:
        loaded = load_roster(roster)
        waves = read_plan_waves(plan) if plan else None
    except (RosterError, PlanFileError) as exc:
        console.print(str(exc), style="red")
        raise typer.Exit(1) from exc
    # Check the plan against the roster before writing anything: never half-apply.
    strangers = sorted({a for w in waves or () for a in w.agents if loaded.get(a) is None})
    if strangers:
        console.print(
            f"plan {plan} names {len(strangers)} agent(s) not in roster {roster}: "
            f"{', '.join(strangers[:10])}; nothing written",
            style="red",
        )
        raise typer.Exit(1)
    with open_store(store_url) as store:
        run_id = store.start_run("sync", details={"roster": roster.name})
        try:
            report = store.sync_roster(loaded)
            assigned = store.assign_waves(waves) if waves is not None else None
        except StoreError as exc:
            store.finish_run(run_id, status="failed", details={"error": str(exc)})
            console.print(str(exc), style="red")
            raise typer.Exit(1) from exc
        store.finish_run(run_id, details={"added": report.added, "removed": report.removed})
        console.print(
            f"{store.url}: {report.added} added, {report.updated} updated, "
            f"{report.removed} removed, {report.declarations_imported} declaration(s) from the "
            "roster" + (f"; {assigned} agent(s) assigned to waves" if assigned is not None else "")
        )


@app.command()
def info(store_url: StoreUrl = None) -> None:
    """Print the store URL (password hidden), schema version and row counts as JSON."""
    with open_store(store_url) as store:
        typer.echo(
            json.dumps(
                {"url": store.url, "schema_version": store.version(), "rows": store.counts()},
                indent=2,
            )
        )


@app.command()
def runs(
    limit: Annotated[int, typer.Option(min=1, help="How many recent runs.")] = 20,
    store_url: StoreUrl = None,
) -> None:
    """Recent run history as JSON lines."""
    with open_store(store_url) as store:
        for run in store.runs(limit):
            typer.echo(
                json.dumps(
                    {
                        "id": run.id,
                        "kind": run.kind,
                        "status": run.status,
                        "actor": run.actor,
                        "started_at": run.started_at.isoformat(),
                        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
                        "details": run.details,
                    }
                )
            )
