"""Headend convergence vs a naive netmiko push, on the ASA lab (1 and 8 headends).

For each lab size: full convergence (empty headends), no-op convergence (nothing differs)
with ``homeshift.asa.converge`` (what the ``asa_ravpn`` action runs), and a naive script that
opens a session, pushes the full configuration with ``send_config_set`` and saves, every time.
Printed per row: seconds, configuration lines sent, SSH sessions opened; then the ratio
naive / no-op. Headends are processed one after another in both cases (the playbook's
``serial`` batches run in parallel forks; the per-headend work is the same).

    .venv/bin/python benchmarks/bench_headends.py [--sizes 1 8] [--repeat 3]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import netmiko
import yaml

from homeshift.asa.config import RavpnConfig, render_config
from homeshift.asa.converge import converge
from homeshift.asa.headend import HeadendSettings, desired_config, other_pools, with_cluster_key
from homeshift.asa.resources.pools import Pool
from homeshift.asa.transport import AsaConnection, NetmikoAsaCli, TransportStats
from homeshift.lab.runtime import start_lab, stop_lab
from homeshift.lab.spec import LabSpec
from homeshift.planning.capacity import CapacityInputs, ExistingHeadend, plan_capacity
from homeshift.planning.planfile import PlanDocument, plan_to_dict

CLUSTER_KEY = "bench-cluster-key"
SETTINGS = HeadendSettings(cluster_ip="198.51.100.200", anyconnect_image="disk0:/ac.pkg")


@dataclass
class Row:
    what: str
    seconds: float
    lines: int
    sessions: int
    saves: int


def _hosts(lab_dir: Path) -> dict[str, dict[str, Any]]:
    inventory = yaml.safe_load((lab_dir / "inventory.yml").read_text())
    return dict(inventory["all"]["children"]["headends"]["hosts"])


def _desired(names: list[str]) -> tuple[dict[str, dict[str, Any]], dict[str, list[Pool]]]:
    plan = plan_capacity(
        CapacityInputs(
            peak_sessions=10, existing=tuple(ExistingHeadend(n, "ASAv30", 750) for n in names)
        )
    )
    headends = plan_to_dict(PlanDocument(capacity=plan))["capacity"]["headends"]
    configs = {
        h["name"]: with_cluster_key(desired_config(h, SETTINGS), CLUSTER_KEY) for h in headends
    }
    others = {n: [Pool.from_dict(p) for p in other_pools(headends, n)] for n in names}
    return configs, others


def run_homeshift(
    hosts: dict[str, dict[str, Any]], configs: dict[str, Any], others: Any, delay: float | None
) -> Row:
    stats = TransportStats()
    start = time.perf_counter()
    for name, host_vars in hosts.items():
        connection = AsaConnection.from_host_vars(name, host_vars, delay_factor=delay)
        cli = NetmikoAsaCli(connection, stats)
        try:
            result = converge(
                cli, RavpnConfig.from_dict(configs[name]), "merged", other_pools=others[name]
            )
        finally:
            cli.close()
        if result.failed:
            raise SystemExit(f"{name}: {result.msg}")
    elapsed = time.perf_counter() - start
    return Row("", elapsed, stats.config_lines_sent, stats.sessions_opened, stats.saves)


def run_naive(
    hosts: dict[str, dict[str, Any]], configs: dict[str, Any], delay: float | None
) -> Row:
    lines = sessions = saves = 0
    start = time.perf_counter()
    for name, host_vars in hosts.items():
        commands = render_config(RavpnConfig.from_dict(configs[name]))
        conn = netmiko.ConnectHandler(
            device_type="cisco_asa",
            host=host_vars["ansible_host"],
            port=host_vars["ansible_port"],
            username=host_vars["ansible_user"],
            password=host_vars["ansible_password"],
            secret=host_vars["ansible_become_password"],
            **({"global_delay_factor": delay} if delay is not None else {}),
        )
        sessions += 1
        try:
            conn.send_config_set(commands, error_pattern=r"ERROR:")
            lines += len(commands)
            if "[OK]" not in conn.save_config():
                raise SystemExit(f"{name}: naive write memory failed")
            saves += 1
        finally:
            conn.disconnect()
    elapsed = time.perf_counter() - start
    return Row("naive push + save", elapsed, lines, sessions, saves)


def bench(
    size: int, repeat: int, offset: int, delay: float | None, save_s: float = 0.0
) -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="bench-headends-") as tmp:
        lab_dir = Path(tmp)
        spec = {
            "headends": size,
            "port": 2222,
            "address_offset": offset,
            "write_memory_delay_s": save_s,
        }
        start_lab(lab_dir, LabSpec(components={"asa": spec}))
        try:
            hosts = _hosts(lab_dir)
            configs, others = _desired(sorted(hosts))
            full = run_homeshift(hosts, configs, others, delay)
            full.what = "homeshift full convergence"
            noops = [run_homeshift(hosts, configs, others, delay) for _ in range(repeat)]
            naives = [run_naive(hosts, configs, delay) for _ in range(repeat)]
        finally:
            stop_lab(lab_dir)
    noop = min(noops, key=lambda r: r.seconds)
    noop.what = f"homeshift no-op (best of {repeat})"
    naive = min(naives, key=lambda r: r.seconds)
    naive.what = f"naive push + save (best of {repeat})"
    return [full, noop, naive]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--address-offset", type=int, default=62000)
    parser.add_argument(
        "--delay-factor",
        type=float,
        default=None,
        help="netmiko global_delay_factor for BOTH sides (default: netmiko's)",
    )
    parser.add_argument(
        "--write-memory-seconds",
        type=float,
        default=1.2,
        help="how long the lab's write memory takes (real ASA samples in asa-cli.md §2.3: "
        "0.29-1.31 s; default 1.2 s); 0 = instant",
    )
    args = parser.parse_args()
    print(f"lab write memory takes {args.write_memory_seconds} s")
    print(f"netmiko global_delay_factor: {args.delay_factor or 'default (fast_cli 0.1)'}")
    print(f"{'headends':>8}  {'run':<34} {'seconds':>8} {'lines':>6} {'ssh':>4} {'saves':>5}")
    for index, size in enumerate(args.sizes):
        rows = bench(
            size,
            args.repeat,
            args.address_offset + index * 100,
            args.delay_factor,
            args.write_memory_seconds,
        )
        for row in rows:
            print(
                f"{size:>8}  {row.what:<34} {row.seconds:>8.2f} {row.lines:>6} "
                f"{row.sessions:>4} {row.saves:>5}"
            )
        noop, naive = rows[1], rows[2]
        print(
            f"{size:>8}  ratio naive / no-op = {naive.seconds / noop.seconds:.2f}x "
            f"(target >= 2x, no-op lines sent = {noop.lines})"
        )


if __name__ == "__main__":
    main()
