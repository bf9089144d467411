"""State store throughput on SQLite: roster sync, declarations, notification claims.

Prints figures; asserts nothing. `make bench` runs it; by hand:
.venv/bin/python benchmarks/bench_state_store.py [AGENTS]
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from homeshift.roster import Roster
from homeshift.sample import generate_agents
from homeshift.state import Store
from homeshift.state.plan import PlannedWave


def timed(label: str, count: int, action: Callable[[], object]) -> None:
    start = time.perf_counter()
    action()
    seconds = time.perf_counter() - start
    print(f"{label:<42} {count:>6}  {seconds:7.3f} s  {count / seconds:9.0f} /s")


def main() -> None:
    agents = int(sys.argv[1]) if len(sys.argv) > 1 else 6000
    roster = Roster(tuple(generate_agents(agents, seed=7)), "bench.csv")
    ids = [a.employee_id for a in roster]
    with tempfile.TemporaryDirectory() as folder:
        store = Store.open(f"sqlite:///{Path(folder) / 'bench.db'}")
        timed("sync_roster (new store)", agents, lambda: store.sync_roster(roster, actor="b"))
        timed("sync_roster (unchanged)", agents, lambda: store.sync_roster(roster, actor="b"))
        waves = [PlannedWave(n + 1, (), tuple(ids[n::10])) for n in range(10)]
        timed("assign_waves (10 waves)", agents, lambda: store.assign_waves(waves))
        entries = [(eid, date(2026, 11, 21), "lead-b") for eid in ids]
        timed(
            "record_declarations (one transaction)",
            agents,
            lambda: store.record_declarations(entries, actor="b", source="bench"),
        )
        timed("declarations_missing", agents, lambda: store.declarations_missing())
        claims = 1000

        def claim_all() -> None:
            for i in range(claims):
                store.claim_notification(1, f"lead{i}@example.com", f"team:{i}")

        timed("claim_notification (one per transaction)", claims, claim_all)
        store.close()


if __name__ == "__main__":
    main()
