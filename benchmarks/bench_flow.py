"""The whole flow on the lab: wall time per phase, controller and lab memory, and a no-op
desktop convergence (the scheduled-run case).

    python benchmarks/bench_flow.py --agents 1000          # about 10 min on 2 cores
    python benchmarks/bench_flow.py --agents 16000 --winrm https   # full size, about 1 h here
    python benchmarks/bench_flow.py --agents 16000 --winrm https --skip-noop

Runs ``homeshift demo --keep-lab`` (every phase for real), then ``playbooks/desktops.yml`` again
on the converged lab (no-op), reads the lab's peak RSS from /proc, stops the lab, and prints a
table. The no-op rate is extrapolated to 16,000 desktops; the goal is under 15 minutes.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent


def lab_peak_rss_mib(lab_dir: Path) -> float:
    pid = int((lab_dir / "lab.pid").read_text())
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--agents", type=int, default=1000)
    parser.add_argument("--forks", type=int, default=16)
    parser.add_argument(
        "--winrm",
        choices=["http", "https"],
        default="http",
        help="https: the lab's desktops only over HTTPS (NTLM), as `homeshift demo --winrm https`",
    )
    parser.add_argument(
        "--asa-model",
        default="",
        help="lab ASA model (default: the demo's ASAv10 up to 2,000 agents, ASAv50 above)",
    )
    parser.add_argument(
        "--skip-noop",
        action="store_true",
        help="stop after the demo (the no-op run of 16,000 desktops alone takes 10-17 min;"
        " bench_desktops.py measures it, sliced or not)",
    )
    args = parser.parse_args()
    env = {**os.environ, "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    model = args.asa_model or ("ASAv10" if args.agents <= 2000 else "ASAv50")
    out = Path(tempfile.mkdtemp(prefix="bench-flow-"))
    print(f"output and demo log in {out}", flush=True)
    started = time.monotonic()
    demo_log = out / "demo.log"  # follow the phases with tail -f while it runs
    with demo_log.open("w") as log:
        demo = subprocess.run(
            [
                str(VENV_BIN / "homeshift"),
                "demo",
                "--agents",
                str(args.agents),
                "--forks",
                str(args.forks),
                "--asa-model",
                model,
                "--winrm",
                args.winrm,
                "--soak",
                "0",
                "--keep-lab",
                "--out-dir",
                str(out),
            ],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
            check=False,
        )
    total = time.monotonic() - started
    lab_dir = out / "lab"
    try:
        if demo.returncode != 0:
            print(demo_log.read_text()[-4000:])
            return 1
        phases = re.findall(r"^(\S[\w ,-]+?)\s+([\d.]+) s$", demo_log.read_text(), re.M)
        noop_s, changed = 0.0, []
        if not args.skip_noop:
            began = time.monotonic()
            noop = subprocess.run(
                [
                    str(VENV_BIN / "ansible-playbook"),
                    "-i",
                    str(out / "inventory"),
                    str(REPO / "playbooks" / "desktops.yml"),
                    "-f",
                    str(args.forks),
                ],
                cwd=REPO,
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            noop_s = time.monotonic() - began
            changed = re.findall(r"changed=(\d+)", noop.stdout)
        lab_mib = lab_peak_rss_mib(lab_dir)
    finally:
        subprocess.run(
            [str(VENV_BIN / "homeshift"), "lab", "down", "--dir", str(lab_dir)],
            env=env,
            capture_output=True,
            check=False,
        )
    controller_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"whole flow, {args.agents} agents / desktops, forks {args.forks}, {model},"
        f" WinRM over {args.winrm}"
    )
    print(f"{'phase':<24}{'seconds':>10}")
    for name, seconds in phases:
        print(f"{name:<24}{float(seconds):>10.1f}")
    print(f"{'wall (incl. start-up)':<24}{total:>10.1f}")
    if not args.skip_noop:
        print(
            f"{'no-op desktops.yml':<24}{noop_s:>10.1f}   changed hosts: {sum(map(int, changed))}"
        )
        per_desktop = noop_s / args.agents
        print(
            f"no-op rate {args.agents / noop_s * 60:.0f} desktops/min;"
            f" 16,000 desktops extrapolated: {16000 * per_desktop / 60:.1f} min"
        )
    print(
        f"peak RSS: controller (largest child process) {controller_mib:.0f} MiB,"
        f" lab {lab_mib:.0f} MiB"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
