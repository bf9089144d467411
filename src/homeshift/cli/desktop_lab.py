"""``homeshift desktop-lab ...``: faults, drift and counters of the lab's Windows desktops."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from homeshift.lab.control import LabControlError, call
from homeshift.lab.runtime import DEFAULT_LAB_DIR

app = typer.Typer(help="The lab's emulated Windows desktops: faults, drift, counters.")
console = Console(stderr=True)

LabDir = Annotated[Path, typer.Option("--dir", help="Lab state folder.")]
Params = Annotated[
    list[str] | None, typer.Argument(help="key=value parameters; values parsed as JSON.")
]


def _params(items: list[str] | None) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for item in items or []:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise typer.BadParameter(f"{item!r} is not key=value")
        try:
            params[key] = json.loads(raw)
        except ValueError:
            params[key] = raw
    return params


def _call(lab_dir: Path, op: str, **kwargs: Any) -> None:
    try:
        result = call(lab_dir, f"windows.{op}", **kwargs)
    except LabControlError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    typer.echo(json.dumps(result, indent=2, default=str))


@app.command()
def fault(
    host: Annotated[str, typer.Argument(help="Desktop hostname or address.")],
    name: Annotated[str, typer.Argument(help="unreachable, auth_401, slow_receive, ...")],
    params: Params = None,
    lab_dir: LabDir = DEFAULT_LAB_DIR,
) -> None:
    """Inject a fault: `homeshift desktop-lab fault WS-D0000001 msi_1618 count=2`."""
    _call(lab_dir, "inject_fault", host=host, fault=name, **_params(params))


@app.command()
def clear(
    host: Annotated[str | None, typer.Argument(help="Desktop (default: every desktop).")] = None,
    lab_dir: LabDir = DEFAULT_LAB_DIR,
) -> None:
    """Clear the faults of one desktop or of all."""
    _call(lab_dir, "clear_faults", host=host)


@app.command()
def mutate(
    host: Annotated[str, typer.Argument(help="Desktop hostname or address.")],
    action: Annotated[str, typer.Argument(help="stop_service, set_file, set_registry, ...")],
    params: Params = None,
    lab_dir: LabDir = DEFAULT_LAB_DIR,
) -> None:
    """Create drift: `homeshift desktop-lab mutate WS-D0000001 stop_service name=csc_vpnagent`."""
    _call(lab_dir, "mutate", host=host, action=action, **_params(params))


@app.command()
def show(
    host: Annotated[str, typer.Argument(help="Desktop hostname or address.")],
    lab_dir: LabDir = DEFAULT_LAB_DIR,
) -> None:
    """Print one desktop's model, facts, faults and counters as JSON."""
    _call(lab_dir, "desktop", host=host)


@app.command()
def stats(
    host: Annotated[str | None, typer.Argument(help="One desktop (default: totals).")] = None,
    lab_dir: LabDir = DEFAULT_LAB_DIR,
) -> None:
    """HTTP requests, commands and agent runs (per desktop and in total)."""
    _call(lab_dir, "stats", host=host)


@app.command()
def share(lab_dir: LabDir = DEFAULT_LAB_DIR) -> None:
    """The installer share: file names, versions, lab product codes, SHA-256."""
    _call(lab_dir, "share")


@app.command()
def reset(
    host: Annotated[str | None, typer.Argument(help="Desktop (default: every desktop).")] = None,
    lab_dir: LabDir = DEFAULT_LAB_DIR,
) -> None:
    """Forget every change of one desktop (or all): back to the office default."""
    _call(lab_dir, "reset", host=host)
