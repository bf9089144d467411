"""``homeshift demo``: the whole story on the lab in one command, as a list of separate steps.

roster → lab up (headends, spares, one desktop per agent) → capacity plan → wave plan →
converge headends → scale out → provision desktops → verify → migrate in waves (3 planned,
merged to 2 when the platform proves stable) → board + HTML report → lab down.

Each step is a function taking the shared :class:`DemoRun`; the lab is always stopped at the end,
whatever happened. Real ansible-playbook, netmiko, pywinrm and testinfra do the work.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.rule import Rule

from homeshift.cli.plan import (
    EXIT_PLAN_ERROR,
    capacity_summary,
    capacity_table,
    print_error,
    unschedulable_summary,
    waves_table,
)
from homeshift.lab.control import LabControlError
from homeshift.lab.runtime import start_lab, stop_lab
from homeshift.lab.spec import LabSpec
from homeshift.planning import PlanError
from homeshift.planning.capacity import (
    CapacityPlan,
    ExistingHeadend,
    capacity_inputs_from_roster,
    plan_capacity,
)
from homeshift.planning.catalogue import load_catalogue
from homeshift.planning.planfile import PlanDocument, write_plan
from homeshift.planning.waves import WavePlan, plan_waves
from homeshift.roster import Roster, load_roster, write_roster
from homeshift.sample import generate_agents

console = Console(stderr=True)

#: lab facts of the demo (not secrets of any real system: the lab generates its own credentials)
DEMO_MODEL = "ASAv10"
DEMO_CLUSTER_ADDRESS = "198.51.100.200"
DEMO_CLUSTER_KEY = "hs-demo-cluster-key"  # lab only; real keys come from a vault
#: VPN throughput the demo assumes per lab model (Mbps): lab figures, not datasheet values
DEMO_THROUGHPUT_MBPS = {"ASAv10": 500, "ASAv30": 2000, "ASAv50": 10000, "ASAv100": 20000}


def demo_catalogue(model: str) -> dict[str, Any]:
    """The catalogue override the demo plans with: a throughput figure for the lab's model."""
    figure = {"vpn_throughput_mbps": DEMO_THROUGHPUT_MBPS[model], "source": "lab figure (demo)"}
    return {"models": {model: figure}}


class DemoError(RuntimeError):
    """A demo step failed; the message says which and where to look."""


@dataclass
class DemoRun:
    """What the steps share: options in, artefacts out."""

    agents: int
    seed: int
    out_dir: Path
    waves: int = 3
    headends: int = 2
    spares: int = 2
    forks: int = 16
    soak: float = 2.0
    model: str = DEMO_MODEL
    winrm: str = "http"
    roster_path: Path | None = None
    roster: Roster | None = None
    capacity: CapacityPlan | None = None
    wave_plan: WavePlan | None = None
    plan_path: Path | None = None
    lab_dir: Path | None = None
    inventory_dir: Path | None = None
    store_url: str = ""
    results_path: Path | None = None
    notes: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


def step_roster(run: DemoRun) -> None:
    """Generate a sample roster and load it through the strict loader."""
    run.roster_path = run.out_dir / "roster.csv"
    count = write_roster(generate_agents(run.agents, run.seed), run.roster_path)
    run.roster = load_roster(run.roster_path)
    missing = sum(1 for a in run.roster if not a.has_consent)
    console.print(
        f"roster: {count} agents in {len(run.roster.teams())} teams, {missing} without a signed"
        f" declaration -> {run.roster_path}",
        markup=False,
    )


def step_lab_up(run: DemoRun) -> None:
    """Start the lab: headends, spares (at least what the plan adds), one desktop per agent."""
    assert run.roster_path is not None and run.roster is not None and run.capacity is not None
    run.spares = max(run.spares, run.capacity.headends_to_add)
    run.lab_dir = (run.out_dir / "lab").resolve()
    stop_lab(run.lab_dir)  # a lab left over by an interrupted demo in this folder
    spec = LabSpec(
        components={
            # "auto": the first free loopback band, so a demo never collides with another lab
            "asa": {
                "headends": run.headends,
                "spares": run.spares,
                "model": run.model,
                "address_offset": "auto",
            },
            "windows": {
                "desktops": len(run.roster),
                "roster": str(run.roster_path.resolve()),
                "address_offset": "auto",
                # https: WinRM over HTTPS only (NTLM, the lab CA); otherwise the lab's default
                "https": "only" if run.winrm == "https" else "auto",
            },
        },
        seed=run.seed,
    )
    with console.status("starting the lab ..."):
        handle = start_lab(run.lab_dir, spec)
    # One inventory folder: the lab's connection vars, the roster's wave groups, group vars.
    run.inventory_dir = run.out_dir / "inventory"
    (run.inventory_dir / "group_vars").mkdir(parents=True, exist_ok=True)
    lab_link = run.inventory_dir / "lab.yml"
    lab_link.unlink(missing_ok=True)
    lab_link.symlink_to(handle.inventory)
    (run.inventory_dir / "group_vars" / "all.yml").write_text(
        yaml.safe_dump(
            {
                "homeshift_vpn_cluster_address": DEMO_CLUSTER_ADDRESS,
                "homeshift_cluster_key": DEMO_CLUSTER_KEY,
            }
        )
    )
    (run.inventory_dir / "group_vars" / "all.yml").chmod(0o600)
    run.store_url = f"sqlite:///{(run.out_dir / 'homeshift.db').resolve()}"
    (run.out_dir / "homeshift.db").unlink(missing_ok=True)
    console.print(
        f"lab up (pid {handle.pid}): {run.headends} headends, {run.spares} spares,"
        f" {len(run.roster)} desktops; inventory {run.inventory_dir}",
        markup=False,
    )


def step_capacity(run: DemoRun) -> None:
    """Plan headends and pools for the roster's peak, with the lab's headends in service."""
    assert run.roster is not None
    catalogue_path = run.out_dir / "catalogue.yml"
    catalogue_path.write_text(yaml.safe_dump(demo_catalogue(run.model)))
    existing = tuple(ExistingHeadend(f"asa-{i:02d}", run.model) for i in range(1, run.headends + 1))
    # names for as many new headends as the plan may want; the lab then starts that many spares
    spares = tuple(f"asa-{i:02d}" for i in range(run.headends + 1, run.headends + 41))
    inputs = capacity_inputs_from_roster(
        run.roster,
        existing=existing,
        spare_names=spares,
        supernet="10.64.0.0/16",
        default_model=run.model,
    )
    run.capacity = plan_capacity(inputs, catalogue=load_catalogue(catalogue_path))
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


_HOST_DONE = re.compile(r"^(ok|changed|failed|fatal|skipping|unreachable): \[([^\]]+)\]")


def ansible_playbook(
    run: DemoRun, playbook: str, *extra: str, expect_hosts: int = 0, title: str = ""
) -> None:
    """Run a project playbook against the demo inventory with a progress bar per host."""
    assert run.inventory_dir is not None
    venv_bin = Path(sys.executable).parent
    log_path = run.out_dir / f"{Path(playbook).stem}.log"
    command = [
        str(venv_bin / "ansible-playbook"),
        "-i",
        str(run.inventory_dir),
        str(Path(__file__).resolve().parents[3] / "playbooks" / playbook),
        "-f",
        str(run.forks),
        "-e",
        f"homeshift_plan_file={run.plan_path}",
        *extra,
    ]
    env = {
        **os.environ,
        "PATH": f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}",
        "ANSIBLE_CONFIG": str(Path(__file__).resolve().parents[3] / "ansible.cfg"),
        "ANSIBLE_NOCOLOR": "1",
    }
    seen: set[str] = set()
    with (
        log_path.open("w") as log,
        Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        ) as progress,
    ):
        task = progress.add_task(title or playbook, total=expect_hosts or None)
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
        )
        assert process.stdout is not None
        for line in process.stdout:
            log.write(line)
            match = _HOST_DONE.match(line)
            if match and match.group(2) not in seen:
                seen.add(match.group(2))
                progress.update(task, completed=min(len(seen), expect_hosts or len(seen)))
        rc = process.wait()
    recap = [ln for ln in log_path.read_text().splitlines() if re.search(r"\bfailed=[1-9]", ln)]
    if rc != 0:
        raise DemoError("\n".join([f"{playbook} exited {rc}; see {log_path}", *recap[:3]]))


def run_command(app: typer.Typer, args: list[str], what: str) -> None:
    """Run another homeshift command in-process. Exit 1 ("some host failed", "red lights") is a
    result the demo shows, not a failure of the demo; anything else stops it."""
    try:
        app(args, standalone_mode=False)
    except SystemExit as exc:
        if exc.code not in (0, None, 1):
            raise DemoError(f"{what} could not run (exit {exc.code})") from exc


def step_headends(run: DemoRun) -> None:
    """Converge the in-service headends to the plan (pools, policy, tunnel group, cluster)."""
    ansible_playbook(run, "headends.yml", expect_hosts=run.headends, title="headends")


def step_scale_out(run: DemoRun) -> None:
    """Add the headends the plan asks for, join them to the cluster, check sessions land."""
    assert run.capacity is not None and run.lab_dir is not None
    add = run.capacity.headends_to_add
    if not add:
        console.print("plan needs no new headend")
        return
    summary = run.out_dir / "scale-out.json"
    ansible_playbook(
        run,
        "scale_out.yml",
        "-e",
        f"homeshift_add_headends={add}",
        "-e",
        f"homeshift_summary_path={summary}",
        "-e",
        f"homeshift_lab_dir={run.lab_dir}",
        expect_hosts=run.headends + run.spares + 1,
        title="scale-out",
    )
    data = json.loads(summary.read_text())
    console.print(
        f"added {', '.join(data['added_headends'])}: sessions limit"
        f" {data['capacity_before']['session_limit']} -> {data['capacity_after']['session_limit']}"
        f", sessions on new members {data['sessions_on_new_members']}",
        markup=False,
    )


def step_desktops(run: DemoRun) -> None:
    """Install the VPN client and profile and personalise every desktop (one run each)."""
    assert run.roster is not None
    ansible_playbook(
        run,
        "desktops.yml",
        "-e",
        "homeshift_ignore_unreachable=true",
        expect_hosts=len(run.roster),
        title="desktops",
    )


def step_verify(run: DemoRun) -> None:
    """Verify desktops and headends with testinfra; per-host verdicts feed the board."""
    assert run.inventory_dir is not None
    run.results_path = run.out_dir / "verify-results.json"
    from homeshift.cli.verify import app as verify_app

    args = [
        "-i",
        str(run.inventory_dir),
        "--expect-role",
        "--results",
        str(run.results_path),
        "--junit",
        str(run.out_dir / "verify-junit.xml"),
    ]
    with console.status("verifying desktops and headends with testinfra ..."):
        run_command(verify_app, args, "verification")
    data = json.loads(run.results_path.read_text())
    failed = [name for name, host in data["hosts"].items() if not host["ok"]]
    console.print(f"verified {len(data['hosts'])} hosts, {len(failed)} failed", markup=False)


def step_migrate(run: DemoRun) -> None:
    """Run the waves behind their gates: soak, read the platform, merge 3 → 2 when stable."""
    assert run.plan_path is not None and run.roster_path is not None and run.lab_dir is not None
    assert run.inventory_dir is not None
    from homeshift.cli.migrate import run as migrate

    try:
        migrate(
            plan=run.plan_path,
            roster=run.roster_path,
            inventory=[run.inventory_dir],
            store=run.store_url,
            lab=run.lab_dir,
            soak=run.soak,
            dry_run=False,
            scale_out=True,
            cluster_address=DEMO_CLUSTER_ADDRESS,
            concurrency=1.0,
            max_member_load=80.0,
            max_pool_use=80.0,
            max_refused=0,
            max_failed_pct=2.0,
            max_utilisation=0.8,
            extra=[f"homeshift_notify_out={run.out_dir / 'notices'}"],
            out_dir=run.out_dir / "migrate",
        )
    except typer.Exit as exc:
        if exc.exit_code not in (0, 4):
            raise DemoError(f"migrate failed (exit {exc.exit_code})") from exc
        if exc.exit_code == 4:
            run.notes.append("migration held: see out/demo/migrate/migration-report.json")


def step_board(run: DemoRun) -> None:
    """The traffic lights in the terminal, and the self-contained HTML report."""
    assert run.results_path is not None and run.lab_dir is not None
    from homeshift.cli.board import app as board_app

    report = run.out_dir / "report.html"
    args = [
        "--roster",
        str(run.roster_path),
        "--plan",
        str(run.plan_path),
        "--verification",
        str(run.results_path),
        "--lab",
        str(run.lab_dir),
        "--store",
        run.store_url,
        "--html",
        str(report),
    ]
    run_command(board_app, args, "board")
    console.print(f"HTML report -> {report}", markup=False)


Step = Callable[[DemoRun], None]
STEPS: list[tuple[str, Step]] = [
    ("Roster", step_roster),
    ("Capacity plan", step_capacity),
    ("Wave plan", step_waves),
    ("Lab", step_lab_up),
    ("Headends", step_headends),
    ("Scale-out", step_scale_out),
    ("Desktops", step_desktops),
    ("Verification", step_verify),
    ("Migration in waves", step_migrate),
    ("Board and report", step_board),
]
#: steps that need no lab (``--plan-only``)
PLAN_STEPS = {"Roster", "Capacity plan", "Wave plan"}


def run(
    agents: Annotated[int, typer.Option(min=1, help="Agents (and lab desktops).")] = 300,
    seed: Annotated[int, typer.Option(help="Same seed, same demo.")] = 7,
    waves: Annotated[int, typer.Option(min=1, help="Number of waves.")] = 3,
    headends: Annotated[int, typer.Option(min=1, help="Headends in service at start.")] = 2,
    spares: Annotated[int, typer.Option(min=0, help="Spare headends for scale-out.")] = 2,
    forks: Annotated[int, typer.Option(min=1, help="Ansible forks.")] = 16,
    asa_model: Annotated[
        str,
        typer.Option(
            help=f"Lab ASA model: one of {', '.join(DEMO_THROUGHPUT_MBPS)} "
            "(ASAv50 for 16,000 agents: 3 headends instead of 81)."
        ),
    ] = DEMO_MODEL,
    winrm: Annotated[
        str,
        typer.Option(
            help="WinRM to the lab desktops: http (NTLM with message encryption, HTTPS too up "
            "to 1,000 desktops) or https (HTTPS only, NTLM; fits 16,000 desktops)."
        ),
    ] = "http",
    soak: Annotated[float, typer.Option(min=0, help="Soak window after each wave (s).")] = 2.0,
    plan_only: Annotated[bool, typer.Option("--plan-only", help="Only plan; no lab.")] = False,
    keep_lab: Annotated[bool, typer.Option("--keep-lab", help="Leave the lab running.")] = False,
    out_dir: Annotated[Path, typer.Option("--out-dir", help="Where artefacts go.")] = Path(
        "out/demo"
    ),
) -> None:
    """The main job on the lab: plan, converge, scale out, provision, verify, migrate, report."""
    if asa_model not in DEMO_THROUGHPUT_MBPS:
        console.print(
            f"[red]--asa-model {asa_model!r}:[/red] the lab emulates "
            f"{', '.join(DEMO_THROUGHPUT_MBPS)}",
            highlight=False,
        )
        raise typer.Exit(EXIT_PLAN_ERROR)
    if winrm not in ("http", "https"):
        console.print(f"[red]--winrm {winrm!r}:[/red] http or https", highlight=False)
        raise typer.Exit(EXIT_PLAN_ERROR)
    out_dir.mkdir(parents=True, exist_ok=True)
    state = DemoRun(
        agents=agents,
        seed=seed,
        out_dir=out_dir.resolve(),
        waves=waves,
        headends=headends,
        spares=spares,
        forks=forks,
        soak=soak,
        model=asa_model,
        winrm=winrm,
    )
    started = time.monotonic()
    try:
        for title, step in STEPS:
            if plan_only and title not in PLAN_STEPS:
                continue
            console.print(Rule(title))
            began = time.monotonic()
            step(state)
            state.timings[title] = time.monotonic() - began
    except PlanError as exc:
        print_error("planning failed", exc)
        raise typer.Exit(EXIT_PLAN_ERROR) from exc
    except (DemoError, LabControlError) as exc:
        console.print(f"[red]demo failed:[/red] {exc}", highlight=False)
        raise typer.Exit(1) from exc
    finally:
        if state.lab_dir is not None and not keep_lab:
            stop_lab(state.lab_dir)
            console.print("lab stopped", markup=False)
    console.print(Rule("Done"))
    for title, seconds in state.timings.items():
        console.print(f"{title:<22} {seconds:7.1f} s", markup=False)
    console.print(f"{'total':<22} {time.monotonic() - started:7.1f} s", markup=False)
    for note in state.notes:
        console.print(note, markup=False)
