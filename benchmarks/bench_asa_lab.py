"""Benchmark: one ASA lab process with 50 headends and 20,000 simulated AnyConnect sessions.

Prints: lab start time, lab process memory (RSS) before and after the sessions, netmiko
connect time, show-command latency, and ``connect_users`` throughput. Run:

    .venv/bin/python benchmarks/bench_asa_lab.py [--headends 50] [--users 20000]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import netmiko
import yaml

from homeshift.lab.control import call
from homeshift.lab.runtime import start_lab, stop_lab
from homeshift.lab.spec import LabSpec

PORT = 2222
ADDRESS_OFFSET = 40000  # away from the test suite's blocks


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def connect(host: dict[str, Any], **extra: Any) -> Any:
    return netmiko.ConnectHandler(
        device_type="cisco_asa",
        host=host["ansible_host"],
        port=host["ansible_port"],
        username=host["ansible_user"],
        password=host["ansible_password"],
        secret=host["ansible_become_password"],
        **extra,
    )


def ravpn(index: int) -> list[str]:
    return [
        f"ip local pool POOL-A 10.{64 + index}.0.1-10.{64 + index}.3.254 mask 255.255.252.0",
        "group-policy GP-HOME internal",
        "group-policy GP-HOME attributes",
        " vpn-tunnel-protocol ssl-client",
        " address-pools value POOL-A",
        "tunnel-group TG-HOME type remote-access",
        "tunnel-group TG-HOME general-attributes",
        " address-pool POOL-A",
        " default-group-policy GP-HOME",
        "webvpn",
        " enable outside",
        " anyconnect enable",
        "vpn load-balancing",
        f" priority {1 + index % 10}",
        " cluster ip address 198.51.100.250",
        " cluster key bench-key",
        " participate",
    ]


def timed(fn: Any, *args: Any) -> float:
    started = time.perf_counter()
    fn(*args)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--headends", type=int, default=50)
    parser.add_argument("--users", type=int, default=20000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-asa-") as tmp:
        lab_dir = Path(tmp)
        spec = {"headends": args.headends, "port": PORT, "address_offset": ADDRESS_OFFSET}
        started = time.perf_counter()
        handle = start_lab(lab_dir, LabSpec(components={"asa": spec}))
        up_s = time.perf_counter() - started
        try:
            rss_idle = rss_mib(handle.pid)
            inventory = yaml.safe_load((lab_dir / "inventory.yml").read_text())
            hosts = inventory["all"]["children"]["headends"]["hosts"]
            names = sorted(hosts)

            connect_times: list[float] = []

            def configure(item: tuple[int, str]) -> None:
                index, name = item
                t0 = time.perf_counter()
                conn = connect(hosts[name])
                connect_times.append(time.perf_counter() - t0)
                conn.send_config_set(ravpn(index), error_pattern=r"ERROR: .*")
                conn.disconnect()

            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=8) as pool:
                list(pool.map(configure, enumerate(names)))
            configure_s = time.perf_counter() - started

            sequential = []
            for name in names[:10]:
                t0 = time.perf_counter()
                connect(hosts[name]).disconnect()
                sequential.append(time.perf_counter() - t0)

            started = time.perf_counter()
            result = call(lab_dir, "asa.connect_users", count=args.users)
            users_s = time.perf_counter() - started
            rss_loaded = rss_mib(handle.pid)

            conn = connect(hosts[names[0]])
            latencies: dict[str, list[float]] = {}
            for command in (
                "show version",
                "show running-config",
                "show vpn-sessiondb summary",
                "show vpn-sessiondb anyconnect",
                "show vpn load-balancing",
                "show ip local pool POOL-A",
            ):
                latencies[command] = [timed(conn.send_command, command) for _ in range(5)]
            conn.disconnect()
            started = time.perf_counter()
            stats = call(lab_dir, "asa.sessions")
            sessions_op_s = time.perf_counter() - started
        finally:
            stop_lab(lab_dir)

    active = sum(m["active"] for m in stats["members"].values())
    print(f"headends                       : {args.headends}")
    print(f"lab up (all listeners ready)   : {up_s:.2f} s")
    print(f"RSS idle                       : {rss_idle:.1f} MiB")
    print(f"configure all (8 threads)      : {configure_s:.2f} s")
    print(
        f"netmiko connect, sequential    : median {statistics.median(sequential):.3f} s, "
        f"max {max(sequential):.3f} s (n={len(sequential)})"
    )
    print(
        f"netmiko connect, 8 in parallel : median {statistics.median(connect_times):.3f} s, "
        f"max {max(connect_times):.3f} s"
    )
    print(
        f"connect_users({args.users})        : {users_s:.2f} s, connected {result['connected']}, "
        f"refused {result['refused']}, active {active}"
    )
    print(
        f"RSS with sessions              : {rss_loaded:.1f} MiB (+{rss_loaded - rss_idle:.1f} MiB)"
    )
    print(f"asa.sessions control op        : {sessions_op_s * 1000:.0f} ms")
    for command, values in latencies.items():
        print(
            f"{command:<31}: median {statistics.median(values) * 1000:.0f} ms (netmiko round trip)"
        )


if __name__ == "__main__":
    main()
