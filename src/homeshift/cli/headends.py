"""``homeshift headends``: render, converge and read VPN headends without Ansible.

The same core as the ``asa_ravpn``/``asa_facts`` action plugins; handy in pipelines and for
operators. The cluster key comes from ``$HOMESHIFT_CLUSTER_KEY`` and is never printed.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from rich.console import Console
from rich.table import Table

from homeshift.asa.config import (
    ParseError,
    RavpnConfig,
    State,
    ValidationError,
    diff,
    parse_running_config,
    redact_lines,
    render_config,
)
from homeshift.asa.converge import converge, gather_facts
from homeshift.asa.headend import (
    HeadendSettings,
    desired_config,
    other_pools,
    plan_entry,
    with_cluster_key,
)
from homeshift.asa.resources.pools import Pool
from homeshift.asa.transport import AsaConnection, NetmikoAsaCli, TransportError
from homeshift.planning import PlanError
from homeshift.planning.planfile import plan_to_dict, read_plan

KEY_ENV = "HOMESHIFT_CLUSTER_KEY"

app = typer.Typer(help="VPN headends: render, converge and read facts (no Ansible needed).")
console = Console(stderr=True, soft_wrap=True, markup=False, highlight=False)
out = Console(soft_wrap=True, markup=False, highlight=False)

PlanOpt = Annotated[Path, typer.Option("--plan", help="Plan file (docs/plan-file.md).")]
ClusterIpOpt = Annotated[str, typer.Option(help="Virtual cluster IP of the VPN cluster.")]


def _fail(message: str) -> typer.Exit:
    console.print(f"error: {message}")
    return typer.Exit(1)


def _plan_headends(plan: Path) -> list[dict[str, Any]]:
    try:
        headends: list[dict[str, Any]] = plan_to_dict(read_plan(plan))["capacity"]["headends"]
    except PlanError as exc:
        raise _fail(str(exc)) from exc
    return headends


def _desired(headends: list[dict[str, Any]], host: str, cluster_ip: str) -> RavpnConfig:
    try:
        config = desired_config(plan_entry(headends, host), HeadendSettings(cluster_ip=cluster_ip))
        return RavpnConfig.from_dict(with_cluster_key(config, os.environ.get(KEY_ENV)))
    except ValidationError as exc:
        raise _fail(f"{host}: {exc}") from exc


def _inventory_hosts(inventory: Path) -> dict[str, dict[str, Any]]:
    """host -> vars of a YAML inventory (``homeshift lab`` writes one), all groups merged."""
    try:
        data = yaml.safe_load(inventory.read_text()) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise _fail(f"{inventory}: {exc}") from exc
    hosts: dict[str, dict[str, Any]] = {}

    def walk(group: dict[str, Any], inherited: dict[str, Any]) -> None:
        merged = {**inherited, **(group.get("vars") or {})}
        for name, host_vars in (group.get("hosts") or {}).items():
            hosts[name] = {**merged, **(host_vars or {})}
        for child in (group.get("children") or {}).values():
            walk(child or {}, merged)

    root = data.get("all", data) if isinstance(data, dict) else {}
    walk(root if isinstance(root, dict) else {}, {})
    return hosts


@app.command()
def render(
    host: Annotated[str, typer.Option(help="Inventory hostname (plan entry).")],
    plan: PlanOpt,
    cluster_ip: ClusterIpOpt,
    running_config: Annotated[
        Path | None, typer.Option(help="Diff against this running-config text instead.")
    ] = None,
    state: Annotated[State, typer.Option(help="State for the diff.")] = State.MERGED,
) -> None:
    """Print the configuration lines for HOST (secrets as *****)."""
    want = _desired(_plan_headends(plan), host, cluster_ip)
    if running_config is None:
        lines = render_config(want)
    else:
        try:
            lines = diff(want, parse_running_config(running_config.read_text()), state)
        except (OSError, ParseError) as exc:
            raise _fail(f"{running_config}: {exc}") from exc
    for line in redact_lines(lines, want.secrets()):
        out.print(line)


@app.command("converge")
def converge_cmd(
    inventory: Annotated[Path, typer.Option("-i", "--inventory", help="YAML inventory.")],
    plan: PlanOpt,
    cluster_ip: ClusterIpOpt,
    host: Annotated[
        list[str] | None, typer.Option(help="Headend(s) to converge (default: every plan entry).")
    ] = None,
    state: Annotated[State, typer.Option(help="merged, replaced, overridden, deleted.")] = (
        State.MERGED
    ),
    check: Annotated[bool, typer.Option(help="Show what would change; send nothing.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print results as JSON.")] = False,
) -> None:
    """Converge headends one after another; exit 1 when any failed."""
    headends = _plan_headends(plan)
    hosts = _inventory_hosts(inventory)
    names = host or [str(h["name"]) for h in headends]
    results: dict[str, dict[str, Any]] = {}
    for name in names:
        if name not in hosts:
            raise _fail(f"{name} is not in {inventory}")
        want = _desired(headends, name, cluster_ip)
        try:
            connection = AsaConnection.from_host_vars(
                name, hosts[name], extra_secrets=tuple(want.secrets())
            )
        except ValueError as exc:
            raise _fail(str(exc)) from exc
        cli = NetmikoAsaCli(connection)
        try:
            result = converge(
                cli,
                want,
                state,
                check_mode=check,
                other_pools=[Pool.from_dict(p) for p in other_pools(headends, name)],
                extra_secrets=connection.secrets,
            )
        finally:
            cli.close()
        results[name] = {**result.to_dict(), "ssh_sessions": cli.stats.sessions_opened}
    if as_json:
        out.print(json.dumps(results, indent=2))
    else:
        table = Table("headend", "changed", "lines sent", "saved", "result")
        for name, row in results.items():
            table.add_row(
                name,
                str(row["changed"]),
                str(row["lines_sent"] if not check else f"({len(row['commands'])})"),
                str(row["saved"]),
                row["msg"] or "ok",
            )
        out.print(table)
    if any(r["failed"] for r in results.values()):
        raise typer.Exit(1)


@app.command()
def facts(
    inventory: Annotated[Path, typer.Option("-i", "--inventory", help="YAML inventory.")],
    host: Annotated[str, typer.Option(help="Inventory hostname.")],
) -> None:
    """Print live facts of HOST as JSON (model, licence, sessions, pools, cluster role)."""
    hosts = _inventory_hosts(inventory)
    if host not in hosts:
        raise _fail(f"{host} is not in {inventory}")
    try:
        cli = NetmikoAsaCli(AsaConnection.from_host_vars(host, hosts[host]))
    except ValueError as exc:
        raise _fail(str(exc)) from exc
    try:
        out.print(json.dumps(gather_facts(cli), indent=2))
    except (TransportError, ParseError, ValueError) as exc:
        raise _fail(f"{host}: {exc}") from exc
    finally:
        cli.close()
