"""``homeshift demo``: the whole story in one command, as a list of separate steps.

Each step is a function taking and returning the shared :class:`DemoRun`, so later steps (lab up,
provision, verify, migrate) are added by appending to :data:`STEPS`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.rule import Rule

from homeshift.cli.plan import (
    EXIT_PLAN_ERROR,
    capacity_summary,
    capacity_table,
    print_error,
    unschedulable_summary,
    waves_table,
)
from homeshift.planning import PlanError
from homeshift.planning.capacity import CapacityPlan, capacity_inputs_from_roster, plan_capacity
from homeshift.planning.planfile import PlanDocument, write_plan
from homeshift.planning.waves import WavePlan, plan_waves
from homeshift.roster import Roster, load_roster, write_roster
from homeshift.sample import generate_agents

console = Console(stderr=True)


@dataclass
class DemoRun:
    """What the steps share: options in, artefacts out."""

    agents: int
    seed: int
    out_dir: Path
    waves: int = 3
    roster_path: Path | None = None
    roster: Roster | None = None
    capacity: CapacityPlan | None = None
    wave_plan: WavePlan | None = None
    plan_path: Path | None = None
    notes: list[str] = field(default_factory=list)


def step_roster(run: DemoRun) -> None:
    """Generate a sample roster and load it through the strict loader."""
    run.roster_path = run.out_dir / "roster.csv"
    count = write_roster(generate_agents(run.agents, run.seed), run.roster_path)
    run.roster = load_roster(run.roster_path)
    console.print(
        f"roster: {count} agents in {len(run.roster.teams())} teams -> {run.roster_path}",
        markup=False,
    )


def step_capacity(run: DemoRun) -> None:
    """Plan headends and pools for the roster's peak."""
    assert run.roster is not None
    run.capacity = plan_capacity(capacity_inputs_from_roster(run.roster))
    console.print(capacity_table(run.capacity))
    for line in capacity_summary(run.capacity):
        console.print(line, highlight=False, markup=False)


def step_waves(run: DemoRun) -> None:
    """Split the roster into waves and write the plan file."""
    assert run.roster is not None and run.capacity is not None
    run.wave_plan = plan_waves(run.roster, run.capacity, run.waves)
    console.print(waves_table(run.wave_plan))
    for line in unschedulable_summary(run.wave_plan):
        console.print(line, highlight=False, markup=False)
    run.plan_path = write_plan(
        PlanDocument(run.capacity, run.wave_plan.waves, run.wave_plan.unschedulable),
        run.out_dir / "plan.json",
    )
    console.print(f"plan file -> {run.plan_path}", markup=False)


Step = Callable[[DemoRun], None]
STEPS: list[tuple[str, Step]] = [
    ("Roster", step_roster),
    ("Capacity plan", step_capacity),
    ("Wave plan", step_waves),
]


def run(
    agents: Annotated[int, typer.Option(min=1, help="Agents in the sample roster.")] = 600,
    seed: Annotated[int, typer.Option(help="Same seed, same demo.")] = 7,
    waves: Annotated[int, typer.Option(min=1, help="Number of waves.")] = 3,
    out_dir: Annotated[Path, typer.Option("--out-dir", help="Where artefacts go.")] = Path(
        "out/demo"
    ),
) -> None:
    """Run the demo: roster, capacity plan, wave plan (more steps join as they are built)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    state = DemoRun(agents=agents, seed=seed, out_dir=out_dir, waves=waves)
    for title, step in STEPS:
        console.print(Rule(title))
        try:
            step(state)
        except PlanError as exc:
            print_error(f"{title} failed", exc)
            raise typer.Exit(EXIT_PLAN_ERROR) from exc
