"""Windows lab at scale: start time, memory, file descriptors and WinRM requests per second.

    .venv/bin/python benchmarks/bench_windows_lab.py            # 1,000 and 16,000 desktops
    .venv/bin/python benchmarks/bench_windows_lab.py --desktops 2000 --threads 8 --seconds 10

Each client process runs pywinrm ``Session.run_cmd("hostname")`` (NTLM + message encryption over
HTTP: 8 HTTP requests per command) against random desktops, plus one agent document per
``--agent-every`` commands ("fresh" figures); then each keeps one NTLM connection and one shell
and runs commands in it, as Ansible does within a task ("reuse" figures). Printed, never asserted.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import sys
import tempfile
import time
import tracemalloc
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import winrm
import yaml

from homeshift.lab.runtime import start_lab, stop_lab
from homeshift.lab.spec import LabSpec

#: away from the test suites' ranges (20,000+ provisioning, 40,000 desktop bench, 60,000 verify,
#: 80,000+ Windows lab tests); 2,000-18,000 for 16,000 desktops
ADDRESS_OFFSET = 2_000


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def open_fds(pid: int) -> int:
    return sum(1 for _ in Path(f"/proc/{pid}/fd").iterdir())


def client_loop(
    hosts: list[tuple[str, str]],
    group_vars: dict[str, Any],
    seconds: float,
    slot: int,
    agent_every: int,
    reuse_shell: bool,
) -> int:
    """One client process; returns the number of commands it completed."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "lab" / "windows"))
    from windows_lab_support import AGENT_STUB, BOOTSTRAP_PS  # the contract's wire format

    rng = random.Random(slot)
    user, password = group_vars["ansible_user"], group_vars["ansible_password"]
    port = group_vars["ansible_port"]
    stop_at = time.monotonic() + seconds
    done = 0
    if reuse_shell:  # like Ansible: one connection and shell, many commands
        _name, address = hosts[slot % len(hosts)]
        protocol = winrm.Protocol(
            f"http://{address}:{port}/wsman", transport="ntlm", username=user, password=password
        )
        shell = protocol.open_shell()
        while time.monotonic() < stop_at:
            command = protocol.run_command(shell, "hostname")
            protocol.get_command_output(shell, command)
            protocol.cleanup_command(shell, command)
            done += 1
        protocol.close_shell(shell)
        return done
    while time.monotonic() < stop_at:
        _name, address = rng.choice(hosts)
        url = f"http://{address}:{port}/wsman"
        if agent_every and done % agent_every == agent_every - 1:
            protocol = winrm.Protocol(url, transport="ntlm", username=user, password=password)
            shell = protocol.open_shell()
            encoded = base64.b64encode(BOOTSTRAP_PS.encode("utf-16-le")).decode()
            command = protocol.run_command(shell, "powershell.exe", ["-EncodedCommand", encoded])
            document = {"contract": 1, "resources": [], "gather_facts": True}
            stdin = AGENT_STUB + "\n##HOMESHIFT-DOCUMENT##\n" + json.dumps(document)
            protocol.send_command_input(shell, command, stdin.encode(), end=True)
            protocol.get_command_output(shell, command)
            protocol.cleanup_command(shell, command)
            protocol.close_shell(shell)
        else:
            result = winrm.Session(url, auth=(user, password), transport="ntlm").run_cmd("hostname")
            if result.status_code != 0:
                raise RuntimeError(f"{address}: {result.std_err!r}")
        done += 1
    return done


def drive(
    handle: Any,
    hosts: list[tuple[str, str]],
    group_vars: dict[str, Any],
    clients: int,
    seconds: float,
    agent_every: int,
    reuse_shell: bool,
) -> dict[str, Any]:
    before = handle.call("windows.stats")
    cpu0 = cpu_s(handle.pid)
    t0 = time.monotonic()
    with ProcessPoolExecutor(clients) as pool:
        futures = [
            pool.submit(client_loop, hosts, group_vars, seconds, n, agent_every, reuse_shell)
            for n in range(clients)
        ]
        commands = sum(f.result() for f in futures)
    elapsed = time.monotonic() - t0
    server_cpu = cpu_s(handle.pid) - cpu0
    after = handle.call("windows.stats")
    requests = after["requests"] - before["requests"]
    prefix = "reuse_" if reuse_shell else "fresh_"
    return {
        f"{prefix}commands_per_s": round(commands / elapsed, 1),
        f"{prefix}http_requests_per_s": round(
            (after["requests"] - before["requests"]) / elapsed, 1
        ),
        f"{prefix}server_cpu_share": round(server_cpu / elapsed, 2),
        # what one fully busy lab core would serve at this mix (the clients are the bottleneck)
        f"{prefix}server_requests_per_cpu_s": round(requests / max(server_cpu, 1e-6), 1),
        f"{prefix}agent_runs": after["agent_runs"] - before["agent_runs"],
    }


def bench(desktops: int, clients: int, seconds: float, agent_every: int) -> dict[str, Any]:
    lab_dir = Path(tempfile.mkdtemp(prefix=f"bench-windows-{desktops}-"))
    started = time.monotonic()
    handle = start_lab(
        lab_dir,
        LabSpec(components={"windows": {"desktops": desktops, "address_offset": ADDRESS_OFFSET}}),
    )
    start_s = time.monotonic() - started
    try:
        idle_rss = rss_mib(handle.pid)
        fds = open_fds(handle.pid)
        inventory = yaml.safe_load(handle.inventory.read_text())["all"]["children"]["desktops"]
        hosts = [(n, v["ansible_host"]) for n, v in inventory["hosts"].items()]
        figures: dict[str, Any] = {
            "desktops": desktops,
            "start_s": round(start_s, 2),
            "rss_idle_mib": round(idle_rss, 1),
            "open_fds": fds,
            "clients": clients,
        }
        figures.update(
            drive(handle, hosts, inventory["vars"], clients, seconds, agent_every, False)
        )
        figures.update(drive(handle, hosts, inventory["vars"], clients, seconds, 0, True))
        stats = handle.call("windows.stats")
        figures.update(
            {
                "https": stats["https"],
                "rss_after_mib": round(rss_mib(handle.pid), 1),
                "touched": len(stats["per_desktop"]),
                "materialised": stats["materialised"],
            }
        )
        return figures
    finally:
        stop_lab(lab_dir)


def materialised_kib_per_desktop(samples: int = 1000) -> float:
    """Memory of a desktop once something changed it (upper bound: every desktop changed)."""
    from homeshift.lab.windows import share
    from homeshift.lab.windows.desktop import Desktop, install_package_effects

    tracemalloc.start()
    desktops = [Desktop(i, f"WS-D{i + 1:07d}", 7) for i in range(samples)]
    for desktop in desktops:
        install_package_effects(desktop.edit(), share.PACKAGES[0])
    current, _peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return current / samples / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--desktops", type=int, action="append")
    parser.add_argument("--clients", type=int, default=4, help="client processes")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--agent-every", type=int, default=10)
    args = parser.parse_args()
    per_desktop = materialised_kib_per_desktop()
    for count in args.desktops or [1000, 16000]:
        figures = bench(count, args.clients, args.seconds, args.agent_every)
        figures["materialised_kib_per_desktop"] = round(per_desktop, 1)
        figures["rss_all_changed_estimate_mib"] = round(
            figures["rss_after_mib"] + count * per_desktop / 1024, 1
        )
        print("  ".join(f"{k}={v}" for k, v in figures.items()), flush=True)


if __name__ == "__main__":
    main()
