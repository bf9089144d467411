"""Benchmark: `homeshift verify` over N lab desktops (one PowerShell command per desktop).

Prints wall time, desktops per second, WinRM commands and HTTP requests per desktop as the lab
counts them. The lab desktops are not converged, so they fail verification (exit 1): this
measures reading the state, which is the same work either way. Run:

    .venv/bin/python benchmarks/bench_verify.py [--desktops 500]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from homeshift.lab.runtime import start_lab, stop_lab
from homeshift.lab.spec import LabSpec

ADDRESS_OFFSET = 79_000  # top of the verification band (60,000-79,999) of the Windows block
EXPECT = {
    "desktop": {
        "resources": [
            {"type": "service", "id": "svc", "name": "csc_vpnagent"},
            {
                "type": "registry_value",
                "id": "cached-logons",
                "path": "HKLM:\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon",
                "name": "CachedLogonsCount",
                "value_type": "string",
                "data": "10",
            },
        ]
    }
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--desktops", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-verify-") as tmp:
        base = Path(tmp)
        spec = {"desktops": args.desktops, "https": False, "address_offset": ADDRESS_OFFSET}
        handle = start_lab(base / "lab", LabSpec(components={"windows": spec}))
        try:
            expect = base / "expect.yml"
            expect.write_text(yaml.safe_dump(EXPECT))
            results = base / "results.json"
            homeshift = Path(sys.executable).with_name("homeshift")
            start = time.perf_counter()
            done = subprocess.run(
                [
                    str(homeshift),
                    "verify",
                    "-i",
                    str(handle.inventory),
                    "--expect",
                    str(expect),
                    "--results",
                    str(results),
                    "--suite",
                    "desktop",
                ],
                capture_output=True,
                text=True,
                check=False,
            )
            elapsed = time.perf_counter() - start
            hosts = json.loads(results.read_text())["hosts"]
            stats = handle.call("windows.stats")
        finally:
            stop_lab(base / "lab")
    print(f"desktops verified         {len(hosts):8d}  (exit {done.returncode})")
    print(f"wall time                 {elapsed:8.1f} s  (incl. CLI start and inventory)")
    print(f"desktops per second       {len(hosts) / elapsed:8.1f}")
    print(f"WinRM commands / desktop  {stats['commands'] / max(1, len(hosts)):8.2f}")
    print(f"HTTP requests / desktop   {stats['requests'] / max(1, len(hosts)):8.2f}")


if __name__ == "__main__":
    main()
