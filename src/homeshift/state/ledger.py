"""The state store as the migration loop's :class:`~homeshift.migration.engine.Ledger`.

Makes ``homeshift migrate`` resumable across machines: done waves, moved and held agents, the
re-planned wave list and every decision live in the same store as declarations and notices.
"""

from __future__ import annotations

from collections.abc import Sequence

from homeshift.migration.engine import WaveTask
from homeshift.migration.model import Decision, WaveOutcome
from homeshift.state.store import Store


class StoreLedger:
    """Adapter: Ledger protocol over :class:`Store` (one transaction per call)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def done_waves(self) -> set[int]:
        return self.store.waves_in_state("done")

    def moved_agents(self) -> set[str]:
        return self.store.agents_in_state("moved")

    def record_wave(self, outcome: WaveOutcome) -> None:
        self.store.record_wave_outcome(
            outcome.number, moved=outcome.moved, held=outcome.held, ok=outcome.ok
        )

    def record_decision(self, after_wave: int, decision: Decision) -> None:
        self.store.record_decision(after_wave, decision.action.value, decision.details())

    def current_waves(self) -> list[WaveTask] | None:
        stored = self.store.load_wave_plan()
        if stored is None:
            return None
        return [
            WaveTask(
                number=int(w["number"]),
                team_agents=tuple((str(t), tuple(a)) for t, a in w["team_agents"]),
                sessions=int(w["sessions"]),
            )
            for w in stored
        ]

    def save_waves(self, waves: Sequence[WaveTask]) -> None:
        self.store.save_wave_plan(
            [
                {
                    "number": w.number,
                    "team_agents": [[team, list(agents)] for team, agents in w.team_agents],
                    "sessions": w.sessions,
                }
                for w in waves
            ]
        )
