"""``homeshift lab ...``: start, inspect and stop the lab; sample rosters; control calls."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from homeshift.lab.control import LabControlError
from homeshift.lab.runtime import DEFAULT_LAB_DIR, lab_status, start_lab, stop_lab
from homeshift.lab.spec import LabSpec
from homeshift.roster import write_roster
from homeshift.sample import generate_agents

app = typer.Typer(help="The lab: ASA headends and Windows desktops emulated on loopback.")
console = Console(stderr=True)

LabDir = Annotated[Path, typer.Option("--dir", help="Lab state folder.")]


@app.command()
def up(
    headends: Annotated[int, typer.Option(min=0, help="ASA headends in the cluster.")] = 2,
    spares: Annotated[int, typer.Option(min=0, help="Unconfigured spare ASAs.")] = 0,
    desktops: Annotated[int, typer.Option(min=0, help="Windows desktops.")] = 0,
    roster: Annotated[
        Path | None, typer.Option(help="Roster CSV: desktops get the roster's hostnames.")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed for generated lab content.")] = 7,
    asa_model: Annotated[str, typer.Option(help="ASA model (sets licensed peers).")] = "ASAv30",
    asa_port: Annotated[int, typer.Option(help="SSH port of every headend.")] = 22,
    asa_address_offset: Annotated[
        str, typer.Option(help="First address index in 127.1.0.0/16, or 'auto' (first free).")
    ] = "0",
    asa_transcripts: Annotated[
        Path | None, typer.Option(help="YAML of canned ASA show outputs (transcript mode).")
    ] = None,
    lab_dir: LabDir = DEFAULT_LAB_DIR,
) -> None:
    """Start the lab in the background and wait until every endpoint accepts connections."""
    components: dict[str, dict[str, Any]] = {}
    if headends or spares:
        components["asa"] = {
            "headends": headends,
            "spares": spares,
            "model": asa_model,
            "port": asa_port,
            "address_offset": asa_address_offset
            if asa_address_offset == "auto"
            else int(asa_address_offset),
        }
        if asa_transcripts is not None:
            components["asa"]["transcripts"] = str(asa_transcripts.resolve())
    if desktops:
        windows: dict[str, Any] = {"desktops": desktops}
        if roster is not None:
            windows["roster"] = str(roster.resolve())
        components["windows"] = windows
    if not components:
        raise typer.BadParameter("nothing to start: give --headends and/or --desktops")
    try:
        with console.status("starting the lab ..."):
            handle = start_lab(lab_dir, LabSpec(components=components, seed=seed))
    except LabControlError as exc:
        console.print(f"[red]lab did not start:[/red] {exc}")
        raise typer.Exit(1) from exc
    console.print(f"lab up (pid {handle.pid}); inventory: {handle.inventory}")


@app.command()
def status(lab_dir: LabDir = DEFAULT_LAB_DIR) -> None:
    """Print the running lab's status as JSON; exit 1 when no lab runs."""
    info = lab_status(lab_dir)
    if info is None:
        console.print(f"no lab running in {lab_dir}")
        raise typer.Exit(1)
    typer.echo(json.dumps(info, indent=2))


@app.command()
def down(lab_dir: LabDir = DEFAULT_LAB_DIR) -> None:
    """Stop the lab that `homeshift lab up` started in this folder (and nothing else)."""
    if stop_lab(lab_dir):
        console.print("lab stopped")
    else:
        console.print(f"no lab running in {lab_dir}")


@app.command("roster")
def roster_cmd(
    agents: Annotated[int, typer.Option(min=1, help="Number of agents.")] = 600,
    seed: Annotated[int, typer.Option(help="Same seed, same roster.")] = 7,
    out: Annotated[Path, typer.Option(help="Where to write the CSV.")] = Path("roster.csv"),
) -> None:
    """Write a deterministic, realistic sample roster."""
    count = write_roster(generate_agents(agents, seed), out)
    console.print(f"wrote {count} agents to {out}")


@app.command("call")
def call_cmd(
    op: Annotated[str, typer.Argument(help="Operation, e.g. asa.connect_users.")],
    args: Annotated[
        list[str] | None, typer.Argument(help="key=value arguments; values parsed as JSON.")
    ] = None,
    lab_dir: LabDir = DEFAULT_LAB_DIR,
) -> None:
    """Call a lab control operation and print its JSON result."""
    from homeshift.lab.control import call

    kwargs: dict[str, Any] = {}
    for item in args or []:
        key, sep, raw = item.partition("=")
        if not sep:
            raise typer.BadParameter(f"{item!r} is not key=value")
        try:
            kwargs[key] = json.loads(raw)
        except ValueError:
            kwargs[key] = raw
    try:
        result = call(lab_dir, op, **kwargs)
    except LabControlError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    typer.echo(json.dumps(result, indent=2, default=str))


def _call_or_exit(lab_dir: Path, op: str, **kwargs: Any) -> Any:
    from homeshift.lab.control import call

    try:
        return call(lab_dir, op, **kwargs)
    except LabControlError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc


users_app = typer.Typer(help="Simulated AnyConnect users on the ASA lab cluster.")
app.add_typer(users_app, name="users")


@users_app.command("connect")
def users_connect(
    count: Annotated[int, typer.Argument(min=0, help="Users to connect.")],
    cluster_ip: Annotated[
        str | None, typer.Option(help="Cluster address (default: first).")
    ] = None,
    prefix: Annotated[str, typer.Option(help="Username prefix.")] = "user",
    lab_dir: LabDir = DEFAULT_LAB_DIR,
) -> None:
    """Connect COUNT users through the cluster director; prints placement and refusals."""
    result = _call_or_exit(
        lab_dir, "asa.connect_users", count=count, cluster_ip=cluster_ip, prefix=prefix
    )
    typer.echo(json.dumps(result, indent=2))


@users_app.command("disconnect")
def users_disconnect(
    count: Annotated[int | None, typer.Argument(min=0, help="Users to disconnect.")] = None,
    all_users: Annotated[bool, typer.Option("--all", help="Disconnect every user.")] = False,
    member: Annotated[str | None, typer.Option(help="Only from this headend.")] = None,
    lab_dir: LabDir = DEFAULT_LAB_DIR,
) -> None:
    """Disconnect COUNT users (or --all)."""
    if count is None and not all_users:
        raise typer.BadParameter("give a COUNT or --all")
    result = _call_or_exit(
        lab_dir, "asa.disconnect_users", count=None if all_users else count, member=member
    )
    typer.echo(json.dumps(result, indent=2))


@app.command("fault")
def fault_cmd(
    args: Annotated[
        list[str],
        typer.Argument(help="HOST FAULT [key=value ...]  or  clear HOST", show_default=False),
    ],
    lab_dir: LabDir = DEFAULT_LAB_DIR,
) -> None:
    """Inject a fault into an ASA headend (`fault asa-01 slow delay_s=2`) or clear its faults."""
    if args[0] == "clear":
        if len(args) != 2:
            raise typer.BadParameter("usage: homeshift lab fault clear HOST")
        result = _call_or_exit(lab_dir, "asa.clear_faults", host=args[1])
    else:
        if len(args) < 2:
            raise typer.BadParameter("usage: homeshift lab fault HOST FAULT [key=value ...]")
        params: dict[str, Any] = {}
        for item in args[2:]:
            key, sep, raw = item.partition("=")
            if not sep:
                raise typer.BadParameter(f"{item!r} is not key=value")
            try:
                params[key] = json.loads(raw)
            except ValueError:
                params[key] = raw
        result = _call_or_exit(lab_dir, "asa.inject_fault", host=args[0], fault=args[1], **params)
    typer.echo(json.dumps(result, indent=2))
