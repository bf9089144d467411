"""``homeshift verify -i INVENTORY``: run the desktop and headend suites, write JUnit + results."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
import yaml
from rich.console import Console
from rich.table import Table

from homeshift.verify.desktop import ExpectationsError, load_expectation_set
from homeshift.verify.expectations import load_headend_expectations
from homeshift.verify.inventory import InventoryError, Target, load_targets
from homeshift.verify.results import ResultsFileError, read_results
from homeshift.verify.runner import Suite, run_suites

app = typer.Typer(help="Verify desktops and headends of an inventory (testinfra suites).")
err = Console(stderr=True, soft_wrap=True)


@app.callback(invoke_without_command=True)
def verify(
    inventory: Annotated[Path, typer.Option("-i", "--inventory", help="Ansible inventory.")],
    expect: Annotated[
        Path | None,
        typer.Option(help="Expectations (YAML): desktop.resources and headend checks."),
    ] = None,
    expect_role: Annotated[
        bool,
        typer.Option(
            "--expect-role",
            help="Expect what the desktop_remote role converges (its defaults + host vars).",
        ),
    ] = False,
    plan: Annotated[
        Path | None, typer.Option(help="Plan file: every headend must have its planned pool.")
    ] = None,
    results: Annotated[
        Path, typer.Option(help="Per-host verdicts (the board's --verification input).")
    ] = Path("results.json"),
    junit: Annotated[Path | None, typer.Option(help="Write JUnit XML here.")] = None,
    limit: Annotated[
        str | None, typer.Option(help="Ansible host pattern, e.g. 'desktops:&BER*'.")
    ] = None,
    suite: Annotated[str, typer.Option(help="desktop, headend or all.")] = "all",
    concurrency: Annotated[
        int, typer.Option(min=1, max=256, help="Desktops read in parallel.")
    ] = 8,
    pytest_arg: Annotated[
        list[str] | None, typer.Option("--pytest-arg", help="Extra pytest argument (repeatable).")
    ] = None,
) -> None:
    """Exit 0 when every host passed, 1 when any failed, 2 when inputs are invalid."""
    if suite not in ("desktop", "headend", "all"):
        raise typer.BadParameter(f"--suite {suite!r} must be desktop, headend or all")
    for path, what in ((expect, "--expect"), (plan, "--plan")):
        if path is not None and not path.is_file():
            err.print(f"[red]{what} {path} does not exist[/red]")
            raise typer.Exit(2)
    if expect is not None:
        try:  # fail before connecting to anything, with the file and entry named
            load_expectation_set(expect)
            load_headend_expectations(expect)
        except ExpectationsError as exc:
            err.print(f"[red]{exc}[/red]")
            raise typer.Exit(2) from exc
    try:
        targets = load_targets(inventory, limit)
    except InventoryError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    if not targets:
        err.print(f"[red]no desktops or headends in {inventory} (limit {limit or 'all'})[/red]")
        raise typer.Exit(2)
    if expect_role:
        if expect is not None:
            raise typer.BadParameter("give --expect or --expect-role, not both")
        expect = _role_expectations(targets, results.with_name(results.stem + ".expect.yml"))
    suite_name: Suite = (
        "desktop" if suite == "desktop" else "headend" if suite == "headend" else "all"
    )
    try:
        run = run_suites(
            targets,
            results,
            suite_name,
            expect,
            plan,
            junit,
            pytest_arg or (),
            str(inventory),
            concurrency,
        )
    except (ExpectationsError, InventoryError) as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    try:
        verdicts = read_results(results)
    except ResultsFileError as exc:
        err.print(f"[red]no verification results: {exc}[/red]")
        raise typer.Exit(2) from exc
    table = Table(title=f"Verification of {inventory}", title_justify="left")
    for column in ("Host", "Kind", "Verdict", "Findings"):
        table.add_column(column)
    for result in sorted(verdicts.hosts.values(), key=lambda r: (r.kind, r.host)):
        verdict = "[green]ok[/green]" if result.ok else "[red]FAILED[/red]"
        table.add_row(result.host, result.kind, verdict, "\n".join(result.failures))
    err.print(table)
    err.print(f"results: {results}" + (f"  junit: {junit}" if junit else ""))
    if not verdicts.hosts:
        err.print("[red]no host verdicts were recorded (see the pytest output above)[/red]")
        raise typer.Exit(2)
    if run.exit_code not in (0, 1):
        err.print(f"[red]pytest ended with exit code {run.exit_code}[/red]")
        raise typer.Exit(2)
    raise typer.Exit(0 if all(r.ok for r in verdicts.hosts.values()) and run.exit_code == 0 else 1)


def _role_expectations(targets: list[Target], path: Path) -> Path:
    """Write per-desktop expectations computed from the role defaults and host vars."""
    from homeshift.verify.role import expectations_document, load_role_defaults, role_resources

    try:
        defaults = load_role_defaults()
        per_host = {
            t.name: role_resources(t.name, t.role_vars, defaults)
            for t in targets
            if t.kind == "desktop"
        }
    except ExpectationsError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    path.write_text(yaml.safe_dump(expectations_document(per_host), sort_keys=False))
    return path
