"""``homeshift plan ...``: capacity, wave and re-plan decisions as rich tables or a plan file.

Exit codes: 0 ok, 2 invalid roster (every problem is printed), 3 the plan cannot be made or met.
Machine-readable output goes to stdout only with ``--format json|yaml`` and no ``--out``; all
human text goes to stderr.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from homeshift.planning import PlanError
from homeshift.planning.capacity import (
    DEFAULT_MODEL,
    DEFAULT_SUPERNET,
    CapacityInputs,
    CapacityPlan,
    ExistingHeadend,
    headcount_per_shift,
    parse_headcount,
    plan_capacity,
)
from homeshift.planning.catalogue import load_catalogue
from homeshift.planning.planfile import PlanDocument, dumps_plan, read_plan, write_plan
from homeshift.planning.replan import MeasuredCapacity, replan_remaining
from homeshift.planning.waves import WavePlan, parse_pins, plan_waves
from homeshift.roster import Roster, RosterError, load_roster

app = typer.Typer(help="Capacity and wave planning; writes the plan file later steps consume.")
console = Console(stderr=True)

EXIT_BAD_ROSTER = 2
EXIT_PLAN_ERROR = 3


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    yaml = "yaml"


FormatOpt = Annotated[OutputFormat, typer.Option("--format", help="table, json or yaml.")]
OutOpt = Annotated[
    Path | None, typer.Option("--out", help="Write the plan file here (.json, or .yml/.yaml).")
]


def print_error(what: str, message: object) -> None:
    """Red label, then the message verbatim (user data is never read as rich markup)."""
    console.print(Text.assemble((f"{what}: ", "red"), str(message)), highlight=False)


def load_roster_or_exit(path: Path) -> Roster:
    try:
        return load_roster(path)
    except RosterError as exc:
        # every problem, not the shortened list of the exception message
        print_error(f"roster {exc.source} rejected", f"{len(exc.problems)} problem(s):")
        for problem in exc.problems:
            console.print(f"  - {problem}", highlight=False, markup=False)
        raise typer.Exit(EXIT_BAD_ROSTER) from exc
    except OSError as exc:
        print_error(f"roster {path}", exc.strerror or str(exc))
        raise typer.Exit(EXIT_BAD_ROSTER) from exc


def parse_existing(items: list[str]) -> tuple[ExistingHeadend, ...]:
    """``NAME=MODEL[:PEERS]`` items, e.g. ``asa-01=ASA5555:2500``."""
    headends: list[ExistingHeadend] = []
    for item in items:
        name, sep, rest = item.partition("=")
        model, _, peers = rest.partition(":")
        if not sep or not name.strip() or not model.strip() or (peers and not peers.isdigit()):
            raise PlanError(f"--existing {item!r} is not NAME=MODEL[:PEERS] (asa-01=ASA5555:2500)")
        headends.append(ExistingHeadend(name.strip(), model.strip(), int(peers) if peers else None))
    return tuple(headends)


def capacity_table(plan: CapacityPlan) -> Table:
    table = Table(title=f"Capacity: {plan.peak_sessions} peak sessions", title_justify="left")
    for column in ("headend", "model", "new", "limit", "budget", "Mbps", "prio", "pool"):
        table.add_column(
            column, justify="right" if column in ("limit", "budget", "Mbps", "prio") else "left"
        )
    for h in plan.headends:
        cells = (
            h.name,
            h.model,
            "" if h.existing else "yes",
            str(h.session_limit),
            str(h.session_budget),
            "?" if h.throughput_mbps is None else f"{h.throughput_mbps:.0f}",
            str(h.priority),
            f"{h.pool.name} {h.pool.network} ({h.pool.size})",
        )
        table.add_row(*(Text(cell) for cell in cells))  # names are data, not markup
    return table


def capacity_summary(plan: CapacityPlan) -> list[str]:
    lines = [
        f"headends required {plan.headends_required}, existing {plan.headends_existing}, "
        f"to add {plan.headends_to_add} (N+{plan.inputs.redundancy})",
        f"free session budget {plan.free_session_budget} of cluster capacity "
        f"{plan.cluster_session_capacity} at {plan.inputs.max_utilisation:.0%} utilisation",
        f"throughput {plan.throughput_required_mbps:.0f} Mbps needed, "
        f"{plan.throughput_available_mbps:.0f} Mbps in the cluster: "
        + ("ok" if plan.throughput_ok else "NOT OK"),
    ]
    return lines + [f"note: {note}" for note in plan.notes]


def waves_table(plan: WavePlan) -> Table:
    table = Table(title=f"Waves (free budget {plan.free_budget} sessions)", title_justify="left")
    for column in ("wave", "teams", "agents", "sessions", "cumulative"):
        table.add_column(column, justify="right")
    cumulative = 0
    for wave in plan.waves:
        cumulative += wave.sessions
        table.add_row(
            str(wave.number),
            str(len(wave.teams)),
            str(wave.headcount),
            str(wave.sessions),
            str(cumulative),
        )
    return table


def unschedulable_summary(plan: WavePlan) -> list[str]:
    reasons: dict[str, int] = {}
    for item in plan.unschedulable:
        reasons[item.reason] = reasons.get(item.reason, 0) + 1
    return [f"unschedulable: {count} agent(s): {reason}" for reason, count in reasons.items()]


def emit(document: PlanDocument, fmt: OutputFormat, out: Path | None) -> None:
    """Write the plan file and/or print machine-readable output to stdout."""
    if out is not None:
        path = write_plan(document, out, None if fmt is OutputFormat.table else fmt.value)
        console.print(f"wrote plan file {path}", markup=False)
    elif fmt is not OutputFormat.table:
        sys.stdout.write(dumps_plan(document, fmt.value))


@app.command("capacity")
def capacity_cmd(
    roster: Annotated[Path | None, typer.Option(help="Roster CSV: peak from its shifts.")] = None,
    peak_sessions: Annotated[
        int | None, typer.Option(min=0, help="Peak concurrent sessions, given directly.")
    ] = None,
    headcount: Annotated[
        list[str] | None, typer.Option(help="SHIFT=N, e.g. 06:00-14:30=4200 (repeatable).")
    ] = None,
    concurrency: Annotated[
        float, typer.Option(help="Sessions per agent on shift (1.0 = every agent).")
    ] = 1.0,
    per_user_kbps: Annotated[float, typer.Option(help="VPN bandwidth per session.")] = 250.0,
    max_utilisation: Annotated[float, typer.Option(help="Headroom: budget share of limit.")] = 0.8,
    redundancy: Annotated[int, typer.Option(min=0, help="Members the cluster may lose.")] = 1,
    existing: Annotated[
        list[str] | None, typer.Option(help="NAME=MODEL[:PEERS] in service (repeatable).")
    ] = None,
    spare: Annotated[
        list[str] | None, typer.Option(help="Name for a new headend (repeatable).")
    ] = None,
    supernet: Annotated[
        str, typer.Option(help="Address supernet for the pools.")
    ] = DEFAULT_SUPERNET,
    exclude: Annotated[
        list[str] | None, typer.Option(help="CIDR the pools must avoid (repeatable).")
    ] = None,
    model: Annotated[str, typer.Option(help="Model of new headends.")] = DEFAULT_MODEL,
    catalogue: Annotated[
        Path | None, typer.Option(help="YAML file overriding platform figures.")
    ] = None,
    fmt: FormatOpt = OutputFormat.table,
    out: OutOpt = None,
) -> None:
    """Plan headends, session budgets and address pools for the peak."""
    given = [roster is not None, peak_sessions is not None, bool(headcount)]
    if sum(given) != 1:
        raise typer.BadParameter("give exactly one of --roster, --peak-sessions or --headcount")
    try:
        shifts: tuple[tuple[str, int], ...] = ()
        source = "peak_sessions"
        if roster is not None:
            shifts, source = headcount_per_shift(load_roster_or_exit(roster)), "roster"
        elif headcount:
            shifts, source = parse_headcount(headcount), "headcount"
        inputs = CapacityInputs(
            headcount_per_shift=shifts,
            peak_sessions=peak_sessions,
            peak_sessions_source=source,
            concurrency_ratio=concurrency,
            per_user_kbps=per_user_kbps,
            max_utilisation=max_utilisation,
            redundancy=redundancy,
            existing=parse_existing(existing or []),
            spare_names=tuple(spare or ()),
            supernet=supernet,
            exclude=tuple(exclude or ()),
            default_model=model,
        )
        plan = plan_capacity(inputs, load_catalogue(catalogue))
    except PlanError as exc:
        print_error("plan error", exc)
        raise typer.Exit(EXIT_PLAN_ERROR) from exc
    if fmt is OutputFormat.table:
        console.print(capacity_table(plan))
        for line in capacity_summary(plan):
            console.print(line, highlight=False, markup=False)
    emit(PlanDocument(plan), fmt, out)


@app.command("waves")
def waves_cmd(
    roster: Annotated[Path, typer.Option(help="Roster CSV.")],
    waves: Annotated[int, typer.Option(min=1, help="Number of waves.")] = 3,
    plan: Annotated[
        Path | None, typer.Option("--plan", help="Capacity plan file to extend.")
    ] = None,
    pin: Annotated[list[str] | None, typer.Option(help="TEAM=WAVE (repeatable).")] = None,
    exclude_team: Annotated[
        list[str] | None, typer.Option(help="Team that does not move (repeatable).")
    ] = None,
    sessions_in_use: Annotated[
        int, typer.Option(min=0, help="Sessions already on the cluster before wave 1.")
    ] = 0,
    concurrency: Annotated[
        float, typer.Option(help="Sessions per agent on shift (without --plan).")
    ] = 1.0,
    model: Annotated[str, typer.Option(help="Headend model (without --plan).")] = DEFAULT_MODEL,
    fmt: FormatOpt = OutputFormat.table,
    out: OutOpt = None,
) -> None:
    """Split the roster into waves of whole teams that fit the capacity plan."""
    agents = load_roster_or_exit(roster)
    try:
        if plan is not None:
            capacity = read_plan(plan).capacity
        else:
            capacity = plan_capacity(
                CapacityInputs(
                    headcount_per_shift=headcount_per_shift(agents),
                    concurrency_ratio=concurrency,
                    default_model=model,
                )
            )
        wave_plan = plan_waves(
            agents,
            capacity,
            waves,
            pinned=parse_pins(pin or []),
            excluded=tuple(exclude_team or ()),
            sessions_in_use=sessions_in_use,
        )
    except PlanError as exc:
        print_error("plan error", exc)
        raise typer.Exit(EXIT_PLAN_ERROR) from exc
    if fmt is OutputFormat.table:
        console.print(waves_table(wave_plan))
        for line in unschedulable_summary(wave_plan):
            console.print(line, highlight=False, markup=False)
    emit(PlanDocument(capacity, wave_plan.waves, wave_plan.unschedulable), fmt, out)


@app.command("replan")
def replan_cmd(
    plan: Annotated[Path, typer.Option("--plan", help="Plan file with waves.")],
    free_sessions: Annotated[
        int, typer.Option(min=0, help="Free sessions measured now (capacity x util - active).")
    ],
    moved: Annotated[
        list[int] | None, typer.Option(help="Wave number already moved (repeatable).")
    ] = None,
    fmt: FormatOpt = OutputFormat.table,
    out: OutOpt = None,
) -> None:
    """Merge the remaining waves into fewer when the measured capacity allows; explain why."""
    try:
        document = read_plan(plan)
        moved_numbers = set(moved or ())
        decision = replan_remaining(
            WavePlan(document.waves, document.unschedulable, free_sessions, 1.0),
            moved_numbers,
            MeasuredCapacity(free_sessions),
        )
    except PlanError as exc:
        print_error("plan error", exc)
        raise typer.Exit(EXIT_PLAN_ERROR) from exc
    verdict = "merged" if decision.merged else "kept"
    console.print(f"re-plan: {verdict}", highlight=False, markup=False)
    for reason in decision.reasons:
        console.print(f"  - {reason}", highlight=False, markup=False)
    done = tuple(w for w in document.waves if w.number in moved_numbers)
    updated = replace(document, waves=done + decision.waves)
    if fmt is OutputFormat.table:
        console.print(waves_table(WavePlan(updated.waves, (), free_sessions, 1.0)))
    emit(updated, fmt, out)
