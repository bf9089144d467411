"""Desktop provisioning benchmark: N lab desktops through ``playbooks/desktops.yml``.

For each size, one full convergence (fresh desktops) and one no-op run (everything converged):
wall time, desktops per minute, controller CPU ms per desktop (``getrusage(RUSAGE_CHILDREN)`` of
the ansible-playbook process tree), HTTP requests per desktop and agent runs per desktop (from the
lab's ``windows.stats``). Target: at most 6 HTTP requests per desktop for a no-op run, which needs
pre-emptive authentication: ``--auth basic-https`` (Basic over HTTPS with CA validation). The lab's
default inventory (NTLM over HTTP with message encryption) adds the 3-request NTLM handshake;
``--auth ntlm-https`` is NTLM over HTTPS (what ``homeshift demo --winrm https`` uses).

``--slices N`` runs each phase as AWX job slicing does (``job_slice_count: N``): N separate
``ansible-playbook`` runs at once, slice k getting every N-th desktop of the inventory
(``hosts[k::N]``) with the group's variables, and the forks shared out between them. The wall
time is from the first start to the last finish; CPU is the sum over all slices.

    .venv/bin/python benchmarks/bench_desktops.py [--sizes 200 1000] [--forks 16]
        [--auth basic-https|ntlm-https|ntlm-http] [--slices 1]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from homeshift.lab.runtime import start_lab, stop_lab
from homeshift.lab.spec import LabSpec

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
ADDRESS_OFFSET = 40_000  # away from the test suites' per-worker ranges


def _https_overrides(group_vars: dict[str, Any], auth: str) -> dict[str, Any]:
    if not auth.endswith("-https"):
        return {}
    return {
        "ansible_port": group_vars["homeshift_winrm_https_port"],
        "ansible_winrm_scheme": "https",
        "ansible_winrm_transport": auth.removesuffix("-https"),
    }


def slice_inventories(inventory: Path, count: int, scratch: Path) -> list[Path]:
    """The inventory cut as AWX cuts it for job slicing: slice k holds ``hosts[k::count]``."""
    if count == 1:
        return [inventory]
    document = yaml.safe_load(inventory.read_text())
    desktops = document["all"]["children"]["desktops"]
    names = list(desktops["hosts"])
    paths = []
    for k in range(count):
        part = {**desktops, "hosts": {name: desktops["hosts"][name] for name in names[k::count]}}
        path = scratch / f"slice-{k + 1}-of-{count}.yml"
        path.write_text(yaml.safe_dump({"all": {"children": {"desktops": part}}}))
        paths.append(path)
    return paths


def run_playbook(
    inventories: list[Path], scratch: Path, forks: int, extra: dict[str, Any]
) -> dict[str, Any]:
    """Run desktops.yml once per inventory, all at once (one inventory: an ordinary run)."""
    env = {
        **os.environ,
        "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"),
        "ANSIBLE_FORKS": str(max(1, forks // len(inventories))),
        "ANSIBLE_HOME": str(scratch / "home"),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_DISPLAY_OK_HOSTS": "0",
        "ANSIBLE_DISPLAY_SKIPPED_HOSTS": "0",
        "PATH": f"{BIN}:{os.environ.get('PATH', '')}",
    }
    variables = {
        "homeshift_vpn_cluster_address": "vpn.homeshift.example",
        "homeshift_max_fail_percentage": 100,
        **extra,
    }
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    procs, logs = [], []
    for index, inventory in enumerate(inventories):
        command = [
            str(BIN / "ansible-playbook"),
            "-i",
            str(inventory),
            str(REPO / "playbooks" / "desktops.yml"),
            "-e",
            json.dumps(variables),
        ]
        log = (scratch / f"run-{index + 1}.log").open("w")
        logs.append(log)
        local_temp = {"ANSIBLE_LOCAL_TEMP": str(scratch / f"tmp-{index + 1}")}
        procs.append(
            subprocess.Popen(
                command, cwd=REPO, env={**env, **local_temp}, stdout=log, stderr=subprocess.STDOUT
            )
        )
    codes = [proc.wait() for proc in procs]
    for log in logs:
        log.close()
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    changed = 0
    for index, code in enumerate(codes):
        output = (scratch / f"run-{index + 1}.log").read_text()
        if code != 0:
            print(output[-3000:], file=sys.stderr)
            raise SystemExit(f"ansible-playbook ({inventories[index].name}) failed with {code}")
        changed += sum(int(n) > 0 for n in re.findall(r"\bchanged=(\d+)", output))
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall_s": wall, "cpu_s": cpu, "changed_hosts": changed}


def measure(size: int, forks: int, auth: str, slices: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-desktops-") as tmp:
        scratch = Path(tmp)
        lab_dir = scratch / "lab"
        lab_dir.mkdir()
        options = {
            "desktops": size,
            "address_offset": ADDRESS_OFFSET,
            # only: no plain-HTTP listener, so 16,000 desktops fit in RLIMIT_NOFILE (20,000 here)
            "https": "only" if auth.endswith("-https") else False,
        }
        handle = start_lab(lab_dir, LabSpec(components={"windows": options}, seed=5))
        try:
            inventory = yaml.safe_load(handle.inventory.read_text())
            group_vars = inventory["all"]["children"]["desktops"]["vars"]
            extra = _https_overrides(group_vars, auth)
            inventories = slice_inventories(handle.inventory, slices, scratch)
            for phase in ("full", "no-op"):
                stats_before = handle.call("windows.stats")
                figures = run_playbook(inventories, scratch, forks, extra)
                stats_after = handle.call("windows.stats")
                requests = stats_after["requests"] - stats_before["requests"]
                runs = stats_after["agent_runs"] - stats_before["agent_runs"]
                rows.append(
                    {
                        "desktops": size,
                        "phase": phase,
                        "auth": auth,
                        "forks": forks,
                        "slices": slices,
                        "wall_s": round(figures["wall_s"], 1),
                        "desktops_per_min": round(size / figures["wall_s"] * 60, 1),
                        "controller_cpu_ms_per_desktop": round(figures["cpu_s"] * 1000 / size, 1),
                        "changed_hosts": figures["changed_hosts"],
                        "http_requests_per_desktop": round(requests / size, 2),
                        "agent_runs_per_desktop": round(runs / size, 2),
                    }
                )
                print(json.dumps(rows[-1]), flush=True)
        finally:
            stop_lab(lab_dir)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[200, 1000])
    parser.add_argument("--forks", type=int, default=16)
    parser.add_argument(
        "--auth", choices=["basic-https", "ntlm-https", "ntlm-http"], default="basic-https"
    )
    parser.add_argument("--slices", type=int, default=1, help="as AWX job_slice_count")
    args = parser.parse_args()
    if args.slices < 1 or args.slices > args.forks:
        parser.error("--slices must be between 1 and --forks")
    header = (
        f"{'desktops':>8} {'phase':>6} {'wall s':>7} {'desk/min':>9} "
        f"{'cpu ms/desk':>11} {'req/desk':>8} {'changed':>7}"
    )
    rows = [row for size in args.sizes for row in measure(size, args.forks, args.auth, args.slices)]
    print(header)
    for r in rows:
        print(
            f"{r['desktops']:>8} {r['phase']:>6} {r['wall_s']:>7} {r['desktops_per_min']:>9} "
            f"{r['controller_cpu_ms_per_desktop']:>11} {r['http_requests_per_desktop']:>8}"
            f" {r['changed_hosts']:>7}"
        )


if __name__ == "__main__":
    main()
