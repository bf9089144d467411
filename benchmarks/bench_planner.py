"""Planner benchmark: generate, load, plan capacity and plan waves for 16,000 and 1,000,000 agents.

Prints one row per size: seconds per phase and the peak resident memory of a fresh process per
size (``ru_maxrss``), so the figures do not bleed into each other. Targets (planning only, not
generation or loading): 16,000 agents under 1 s, 1,000,000 under 30 s, growth close to linear.

    .venv/bin/python benchmarks/bench_planner.py [--sizes 16000 1000000] [--waves 3]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from homeshift.planning.capacity import capacity_inputs_from_roster, plan_capacity
from homeshift.planning.waves import plan_waves
from homeshift.roster import Roster, load_roster, write_roster
from homeshift.sample import generate_agents


def measure(agents: int, waves: int) -> dict[str, float]:
    """Run every phase once in this process and return its figures."""
    figures: dict[str, float] = {"agents": agents}
    start = time.perf_counter()
    roster = Roster(tuple(generate_agents(agents, seed=7)))
    figures["generate_s"] = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "roster.csv"
        start = time.perf_counter()
        write_roster(roster.agents, path)
        figures["write_s"] = time.perf_counter() - start
        start = time.perf_counter()
        loaded = load_roster(path)
        figures["load_s"] = time.perf_counter() - start
    assert len(loaded) == agents
    del loaded
    start = time.perf_counter()
    capacity = plan_capacity(capacity_inputs_from_roster(roster, supernet="10.0.0.0/8"))
    figures["capacity_s"] = time.perf_counter() - start
    start = time.perf_counter()
    plan = plan_waves(roster, capacity, waves)
    figures["waves_s"] = time.perf_counter() - start
    figures["headends"] = len(capacity.headends)
    figures["scheduled"] = sum(w.headcount for w in plan.waves)
    figures["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[16_000, 1_000_000])
    parser.add_argument("--waves", type=int, default=3)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, args.waves)))
        return
    rows = []
    for size in args.sizes:
        child = subprocess.run(
            [sys.executable, __file__, "--one", str(size), "--waves", str(args.waves)],
            capture_output=True,
            text=True,
            check=True,
        )
        rows.append(json.loads(child.stdout))
    header = (
        f"{'agents':>10} {'generate s':>10} {'write s':>8} {'load s':>8} "
        f"{'capacity s':>10} {'waves s':>8} {'plan s':>8} {'peak MB':>8} {'headends':>8}"
    )
    print(header)
    for r in rows:
        print(
            f"{int(r['agents']):>10} {r['generate_s']:>10.2f} {r['write_s']:>8.2f} "
            f"{r['load_s']:>8.2f} {r['capacity_s']:>10.3f} {r['waves_s']:>8.3f} "
            f"{r['capacity_s'] + r['waves_s']:>8.3f} {r['peak_mb']:>8.0f} {int(r['headends']):>8}"
        )
    if len(rows) >= 2:
        small, large = rows[0], rows[-1]
        scale = large["agents"] / small["agents"]
        growth = (large["capacity_s"] + large["waves_s"]) / (small["capacity_s"] + small["waves_s"])
        print(
            f"planning time grew {growth:.0f}x for {scale:.0f}x the agents (linear = {scale:.0f}x)"
        )


if __name__ == "__main__":
    main()
