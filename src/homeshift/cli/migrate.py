"""``homeshift migrate``: run the waves of a plan behind their gates, soak, measure, decide.

Exit codes: 0 all waves done (or dry run), 2 invalid input, 4 held (the report says why).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from homeshift.migration.decide import make_decider
from homeshift.migration.engine import Migration, MigrationReport, WaveTask
from homeshift.migration.live import (
    AnsibleScaleOut,
    AnsibleWaveRunner,
    LabSoak,
    NetmikoMetrics,
    WallClockSoak,
)
from homeshift.migration.model import StabilityPolicy
from homeshift.planning import PlanError
from homeshift.planning.planfile import PlanDocument, read_plan
from homeshift.planning.replan import replan_running
from homeshift.roster import Roster, RosterError, load_roster
from homeshift.state import Store, StoreError
from homeshift.state.ledger import StoreLedger

console = Console(stderr=True)
EXIT_INPUT = 2
EXIT_HELD = 4


def wave_tasks(plan: PlanDocument, roster: Roster) -> list[WaveTask]:
    """The plan's waves with their agents grouped by team (the roster knows who is in which)."""
    team_of = {a.employee_id: a.team for a in roster}
    tasks = []
    for wave in plan.waves:
        members: dict[str, list[str]] = {team: [] for team in wave.teams}
        for agent in wave.agents:
            team = team_of.get(agent)
            if team is None or team not in members:
                raise PlanError(f"wave {wave.number}: agent {agent} is not in the roster's team")
            members[team].append(agent)
        tasks.append(
            WaveTask(wave.number, tuple((t, tuple(a)) for t, a in members.items()), wave.sessions)
        )
    return tasks


def print_report(report: MigrationReport) -> None:
    table = Table(title="migration decisions", show_lines=True)
    table.add_column("after wave", justify="right")
    table.add_column("decision")
    table.add_column("why")
    for after, decision in report.decisions:
        table.add_row(str(after), decision.action.value, "\n".join(decision.reasons))
    console.print(table)
    for outcome in report.outcomes:
        console.print(
            f"wave {outcome.number}: moved {len(outcome.moved)}, held {len(outcome.held)}"
            f", verification failed {outcome.verification.failed}",
            markup=False,
        )


def report_dict(report: MigrationReport, dry_run: bool) -> dict[str, Any]:
    return {
        "dry_run": dry_run,
        "finished": report.finished,
        "held": report.held,
        "planned_waves": report.planned_waves,
        "waves_run": report.waves_run,
        "moved": report.moved,
        "outcomes": [
            {
                "wave": o.number,
                "moved": len(o.moved),
                "held": [{"employee_id": e, "reason": r} for e, r in o.held],
                "verification": {
                    "verified": o.verification.verified,
                    "failed": o.verification.failed,
                },
                "ok": o.ok,
                "message": o.message,
            }
            for o in report.outcomes
        ],
        "decisions": [
            {"after_wave": after, "action": d.action.value, **d.details()}
            for after, d in report.decisions
        ],
    }


def run(
    plan: Annotated[Path, typer.Option(help="Plan file (homeshift plan waves).")],
    roster: Annotated[Path, typer.Option(help="Roster CSV the plan was made from.")],
    inventory: Annotated[
        list[Path], typer.Option("--inventory", "-i", help="Inventory with headends and desktops.")
    ],
    store: Annotated[str | None, typer.Option(help="State store URL (default: .state/).")] = None,
    lab: Annotated[
        Path | None, typer.Option(help="Lab folder: soak connects the moved agents as VPN users.")
    ] = None,
    soak: Annotated[float, typer.Option(min=0, help="Soak window after each wave (s).")] = 0.0,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print decisions only.")] = False,
    scale_out: Annotated[bool, typer.Option(help="Run scale_out.yml when short.")] = True,
    cluster_address: Annotated[
        str | None, typer.Option(help="VPN cluster address (profile, scale-out).")
    ] = None,
    concurrency: Annotated[float, typer.Option(help="Lab sessions per moved agent.")] = 1.0,
    max_member_load: Annotated[float, typer.Option(help="Stable below this load %.")] = 80.0,
    max_pool_use: Annotated[float, typer.Option(help="Stable below this pool use %.")] = 80.0,
    max_refused: Annotated[int, typer.Option(help="Refused connections tolerated.")] = 0,
    max_failed_pct: Annotated[float, typer.Option(help="Verification failures tolerated %.")] = 2.0,
    max_utilisation: Annotated[float, typer.Option(help="Usable share of capacity.")] = 0.8,
    extra: Annotated[
        list[str] | None, typer.Option("--extra", "-e", help="KEY=VALUE extra vars for playbooks.")
    ] = None,
    out_dir: Annotated[Path, typer.Option("--out-dir", help="Outcomes and report.")] = Path(
        "out/migrate"
    ),
) -> None:
    """Run the waves in order with a soak window after each; merge, hold or scale out as the
    platform shows. Resumable: done waves and moved agents are never run again."""
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        document = read_plan(plan)
        people = load_roster(roster)
        tasks = wave_tasks(document, people)
    except (PlanError, RosterError, OSError) as exc:
        console.print(f"[red]invalid input:[/red] {exc}", highlight=False)
        raise typer.Exit(EXIT_INPUT) from exc
    missing = [str(p) for p in inventory if not p.exists()]
    if missing:
        console.print(f"[red]inventory not found:[/red] {', '.join(missing)}")
        raise typer.Exit(EXIT_INPUT)
    extravars: dict[str, Any] = {
        "homeshift_plan_file": str(plan.resolve()),
        "homeshift_roster_file": str(roster.resolve()),
    }
    if store:
        extravars["homeshift_store_url"] = store
    if cluster_address:
        extravars["homeshift_vpn_cluster_address"] = cluster_address
    if lab:
        extravars["homeshift_lab_dir"] = str(lab.resolve())
    for item in extra or []:
        key, sep, value = item.partition("=")
        if not sep:
            console.print(f"[red]--extra {item!r} is not KEY=VALUE[/red]")
            raise typer.Exit(EXIT_INPUT)
        extravars[key] = value
    if "homeshift_cluster_key" not in extravars and os.environ.get("HOMESHIFT_CLUSTER_KEY"):
        extravars["homeshift_cluster_key"] = os.environ["HOMESHIFT_CLUSTER_KEY"]
    inventories = list(inventory)
    try:
        state = Store.open(store)
    except StoreError as exc:
        console.print(f"[red]state store:[/red] {exc}", highlight=False)
        raise typer.Exit(EXIT_INPUT) from exc
    with state:
        if not dry_run:
            state.sync_roster(people)
            state.assign_waves(document.waves)
        policy = StabilityPolicy(
            max_member_load_pct=max_member_load,
            max_pool_use_pct=max_pool_use,
            max_refused=max_refused,
            max_failed_pct=max_failed_pct,
            max_utilisation=max_utilisation,
        )
        scaler = AnsibleScaleOut(inventories, out_dir, extravars) if scale_out else None
        migration = Migration(
            waves=tasks,
            runner=AnsibleWaveRunner(inventories, out_dir, document, roster, extravars),
            metrics=NetmikoMetrics(inventory[0], lab_dir=lab),
            ledger=StoreLedger(state),
            soak=LabSoak(lab, concurrency) if lab else WallClockSoak(),
            decide=make_decider(replan_running, can_scale_out=scaler is not None),
            policy=policy,
            scale_out=scaler,
            soak_seconds=soak,
            dry_run=dry_run,
            observe=lambda event, detail: console.print(
                f"[bold]{event:>14}[/bold] │ {detail}", highlight=False
            ),
        )
        report = migration.run()
    print_report(report)
    data = report_dict(report, dry_run)
    (out_dir / "migration-report.json").write_text(json.dumps(data, indent=2))
    console.print(f"report -> {out_dir / 'migration-report.json'}", markup=False)
    if report.held:
        raise typer.Exit(EXIT_HELD)
