"""``homeshift consent ...``: signed data-protection declarations, with an audit trail."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from homeshift.cli.state import StoreUrl, open_store
from homeshift.consent import (
    DEFAULT_EARLIEST,
    DeclarationError,
    load_declarations,
    validate_declaration,
)
from homeshift.roster import RosterError, load_roster
from homeshift.state.store import Store, StoreError, default_actor

app = typer.Typer(help="Signed data-protection declarations (import, record, revoke, list).")
# markup off: messages carry user data (file names, "[...]" in errors) that must print as is
console = Console(stderr=True, soft_wrap=True, markup=False, highlight=False)

RosterOpt = Annotated[
    Path | None,
    typer.Option(help="Sync this roster into the store first (the store must know the agents)."),
]
ActorOpt = Annotated[
    str | None, typer.Option(help="Who makes the change (audit trail); default $USER@hostname.")
]
_EARLIEST_TEXT = DEFAULT_EARLIEST.isoformat()
EarliestOpt = Annotated[
    str, typer.Option(help="Reject declarations signed before this date (YYYY-MM-DD).")
]


def _prepare(store_url: str | None, roster: Path | None) -> Store:
    store = open_store(store_url)
    if roster is not None:
        try:
            store.sync_roster(load_roster(roster))
        except (RosterError, StoreError) as exc:
            store.close()
            console.print(str(exc), style="red")
            raise typer.Exit(1) from exc
    return store


def _earliest(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise typer.BadParameter(f"--earliest {text!r} is not YYYY-MM-DD") from exc


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="CSV: employee_id,signed_on,collected_by")],
    actor: ActorOpt = None,
    earliest: EarliestOpt = _EARLIEST_TEXT,
    roster: RosterOpt = None,
    store_url: StoreUrl = None,
) -> None:
    """Import a declarations CSV: all rows or, if any row is wrong, none (every problem listed)."""
    with _prepare(store_url, roster) as store:
        try:
            found = load_declarations(
                file,
                known_employees=store.known_employee_ids(),
                today=date.today(),
                earliest=_earliest(earliest),
            )
        except DeclarationError as exc:
            console.print(str(exc), style="red")
            raise typer.Exit(1) from exc
        source = f"import:{file.name}"
        run_id = store.start_run("consent-import", actor=actor, details={"file": file.name})
        actions = store.record_declarations(
            [(d.employee_id, d.signed_on, d.collected_by) for d in found],
            actor=actor or default_actor(),
            source=source,
        )
        counts = {a: actions.count(a) for a in ("record", "update", "unchanged")}
        store.finish_run(run_id, details=counts)
        console.print(
            f"{len(found)} declaration(s) from {file.name}: {counts['record']} new, "
            f"{counts['update']} updated, {counts['unchanged']} unchanged"
        )


@app.command()
def record(
    employee: Annotated[str, typer.Argument(help="Employee id.")],
    signed_on: Annotated[str, typer.Option(help="Date signed (YYYY-MM-DD).")],
    collected_by: Annotated[str, typer.Option(help="Who collected the signed paper (lead id).")],
    actor: ActorOpt = None,
    earliest: EarliestOpt = _EARLIEST_TEXT,
    roster: RosterOpt = None,
    store_url: StoreUrl = None,
) -> None:
    """Record one signed declaration."""
    with _prepare(store_url, roster) as store:
        declaration, problems = validate_declaration(
            employee,
            signed_on,
            collected_by,
            known_employees=store.known_employee_ids(),
            today=date.today(),
            earliest=_earliest(earliest),
        )
        if declaration is None:
            for problem in problems:
                console.print(f"{problem.column}: {problem.reason}", style="red")
            raise typer.Exit(1)
        action = store.record_declaration(
            declaration.employee_id,
            declaration.signed_on,
            declaration.collected_by,
            actor=actor,
            source="cli:record",
        )
        console.print(f"{declaration.employee_id}: {action}")


@app.command()
def revoke(
    employee: Annotated[str, typer.Argument(help="Employee id.")],
    reason: Annotated[str, typer.Option(help="Why (kept in the audit trail; no personal data).")],
    actor: ActorOpt = None,
    roster: RosterOpt = None,
    store_url: StoreUrl = None,
) -> None:
    """Revoke a declaration: the agent is again missing one and will not be moved."""
    with _prepare(store_url, roster) as store:
        try:
            revoked = store.revoke_declaration(
                employee, reason=reason, actor=actor, source="cli:revoke"
            )
        except StoreError as exc:
            console.print(str(exc), style="red")
            raise typer.Exit(1) from exc
        if not revoked:
            console.print(f"{employee}: no active declaration to revoke")
            raise typer.Exit(1)
        console.print(f"{employee}: revoked")


@app.command("list")
def list_(
    missing: Annotated[
        bool, typer.Option(help="Only agents WITHOUT an active declaration.")
    ] = False,
    wave: Annotated[int | None, typer.Option(help="Only agents of this wave.")] = None,
    output: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
    roster: RosterOpt = None,
    store_url: StoreUrl = None,
) -> None:
    """List declarations, or with --missing the agents still lacking one."""
    if output not in ("table", "json"):
        raise typer.BadParameter("--format must be table or json")
    with _prepare(store_url, roster) as store:
        rows: list[dict[str, object]]
        if missing:
            rows = [
                {"employee_id": a.employee_id, "team": a.team, "office": a.office, "wave": a.wave}
                for a in store.declarations_missing(wave=wave)
            ]
        else:
            in_wave = {a.employee_id for a in store.agents(wave=wave)} if wave else None
            rows = [
                {
                    "employee_id": d.employee_id,
                    "signed_on": d.signed_on.isoformat(),
                    "collected_by": d.collected_by,
                    "status": "active" if d.active else "revoked",
                    "source": d.source,
                }
                for d in store.declarations()
                if in_wave is None or d.employee_id in in_wave
            ]
    if output == "json":
        typer.echo(json.dumps(rows, indent=2))
        return
    table = Table(title="missing declarations" if missing else "declarations")
    columns = (
        ("employee_id", "team", "office", "wave")
        if missing
        else ("employee_id", "signed_on", "collected_by", "status", "source")
    )
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row.values()))
    Console().print(table)
    console.print(f"{len(rows)} row(s)")


@app.command()
def audit(
    employee: Annotated[str | None, typer.Argument(help="Only this employee.")] = None,
    store_url: StoreUrl = None,
) -> None:
    """Print the declaration audit trail (who, when, what, source) as JSON lines."""
    with open_store(store_url) as store:
        for entry in store.audit_trail(employee):
            typer.echo(
                json.dumps(
                    {
                        "at": entry.at.isoformat(),
                        "actor": entry.actor,
                        "action": entry.action,
                        "employee_id": entry.employee_id,
                        "old": entry.old,
                        "new": entry.new,
                        "source": entry.source,
                    },
                    ensure_ascii=False,
                )
            )
