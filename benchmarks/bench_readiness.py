"""Benchmark: traffic lights for a large roster - assess, board, JSON and the HTML report.

Prints the time and size of each step for N agents (default 16,000 in 3 waves over 4
headends, 5% failed desktops, 10% unverified). Run:

    .venv/bin/python benchmarks/bench_readiness.py [--agents 16000]
"""

from __future__ import annotations

import argparse
import io
import json
import random
import time
from collections.abc import Callable
from typing import Any

from rich.console import Console

from homeshift.board import print_board, readiness_json
from homeshift.readiness import (
    DesktopVerdict,
    HeadendLoad,
    Light,
    Thresholds,
    WaveDemand,
    assess,
)
from homeshift.report import render_report
from homeshift.sample import generate_agents


def timed(label: str, action: Callable[[], Any]) -> Any:
    start = time.perf_counter()
    result = action()
    print(f"{label:<28} {time.perf_counter() - start:8.3f} s")
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agents", type=int, default=16_000)
    args = parser.parse_args()
    rng = random.Random(7)
    agents = timed("generate roster", lambda: list(generate_agents(args.agents, 7)))
    teams = sorted({a.team for a in agents})
    wave_of_team = {team: 1 + i % 3 for i, team in enumerate(teams)}
    waves = tuple(
        WaveDemand(
            n,
            tuple(a.employee_id for a in agents if wave_of_team[a.team] == n),
            sum(1 for a in agents if wave_of_team[a.team] == n) // 2,  # shifts overlap ~50%
        )
        for n in (1, 2, 3)
    )
    verdicts: dict[str, DesktopVerdict] = {}
    for agent in agents:
        roll = rng.random()
        if roll < 0.05:
            verdicts[agent.desktop] = DesktopVerdict(
                agent.desktop, False, ("service csc_vpnagent is Stopped (expected Running)",)
            )
        elif roll < 0.90:
            verdicts[agent.desktop] = DesktopVerdict(agent.desktop, True)
    loads = tuple(HeadendLoad(f"asa-{i:02d}", rng.randint(0, 500), 5000) for i in range(1, 5))
    readiness = timed("assess", lambda: assess(agents, waves, verdicts, loads, Thresholds()))
    buffer = io.StringIO()
    timed(
        "board (rich, 200 cols)",
        lambda: print_board(readiness, Console(file=buffer, width=200, color_system=None)),
    )
    data = timed("readiness_json", lambda: json.dumps(readiness_json(readiness)))
    html = timed("HTML report", lambda: render_report(readiness))
    print(f"{'agents':<28} {len(readiness.agents):8d}")
    print(
        f"{'red / yellow / green':<28} "
        f"{len(readiness.red_list)} / {readiness.count(Light.YELLOW)} / "
        f"{readiness.count(Light.GREEN)}"
    )
    print(f"{'board text':<28} {len(buffer.getvalue()) / 1024:8.1f} KiB")
    print(f"{'JSON':<28} {len(data) / 1024:8.1f} KiB")
    print(f"{'HTML report':<28} {len(html) / 1024:8.1f} KiB")


if __name__ == "__main__":
    main()
