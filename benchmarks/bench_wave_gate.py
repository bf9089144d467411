"""Benchmark: gating one wave of a large roster, pure and with the state store.

Prints, for a generated roster of N agents planned in W waves, the time of
``gate_wave`` alone (pure) and of ``gate_and_record`` (roster sync, plan assignment, gate,
one agent state per agent) on a fresh SQLite store, then on the same store again (second run
of the wave). Run:

    .venv/bin/python benchmarks/bench_wave_gate.py [--agents 16000] [--waves 8]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from homeshift.migration.gates import PlannedWaveDemand, gate_wave
from homeshift.migration.wave_run import WaveInputs, gate_and_record, store_consents
from homeshift.planning.waves import plan_waves
from homeshift.readiness import DesktopVerdict, HeadendLoad, Thresholds
from homeshift.roster import Roster
from homeshift.sample import generate_agents
from homeshift.state.plan import PlannedWave
from homeshift.state.store import Store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--agents", type=int, default=16_000)
    parser.add_argument("--waves", type=int, default=8)
    args = parser.parse_args()

    roster = Roster(tuple(generate_agents(args.agents, seed=3)))
    plan = plan_waves(roster, 10 * args.agents, args.waves)
    demands = tuple(PlannedWaveDemand(w.number, w.agents, w.sessions) for w in plan.waves)
    planned = tuple(PlannedWave(w.number, w.teams, w.agents) for w in plan.waves)
    wave = max(plan.waves, key=lambda w: len(w.agents))
    preflight = {a.desktop: DesktopVerdict(a.desktop, True) for a in roster}
    loads = tuple(HeadendLoad(f"asa-{i:02d}", 100, 5000) for i in range(1, 9))
    print(f"roster {len(roster)} agents, {len(plan.waves)} waves; wave {wave.number}: "
          f"{len(wave.agents)} agents")  # fmt: skip

    started = time.perf_counter()
    gate = gate_wave(wave.number, demands, roster, {}, preflight, loads)
    pure = time.perf_counter() - started
    print(f"gate_wave (pure):            {pure * 1000:8.1f} ms  go {len(gate.go)}")

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        inputs = WaveInputs(demands, planned, roster)
        for label in ("first run (empty store)", "second run"):
            with Store.open(url) as store:
                started = time.perf_counter()
                gate = gate_and_record(store, inputs, wave.number, preflight, loads, Thresholds())
                took = time.perf_counter() - started
                consents = len(store_consents(store))
            print(f"gate_and_record, {label:24s} {took:8.2f} s   go {len(gate.go)}, "
                  f"held {len(gate.held)}, consents read {consents}")  # fmt: skip


if __name__ == "__main__":
    main()
