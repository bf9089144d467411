"""The state store as the migration loop's ledger: resumable across runs and processes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from store_scenarios import make_roster

from homeshift.migration.engine import Migration, WaveTask
from homeshift.migration.model import (
    Action,
    Decision,
    PlatformSnapshot,
    StabilityPolicy,
    VerificationSummary,
    WaveOutcome,
)
from homeshift.state import Store, StoreError
from homeshift.state.ledger import StoreLedger

ROSTER = make_roster(16, teams=4)
TEAMS = ROSTER.teams()


def _task(number: int, *teams: str) -> WaveTask:
    return WaveTask(number, tuple((t, tuple(a.employee_id for a in TEAMS[t])) for t in teams), 8)


WAVES = [_task(1, "BER-T000", "BER-T001"), _task(2, "BER-T002", "BER-T003")]


@dataclass
class Runner:
    fail_wave: int | None = None
    hold: str | None = None
    runs: list[WaveTask] = field(default_factory=list)

    def run_wave(self, wave: WaveTask) -> WaveOutcome:
        self.runs.append(wave)
        if wave.number == self.fail_wave:
            return WaveOutcome(wave.number, (), ok=False, message="inventory unreachable")
        held = tuple((a, "no declaration") for a in wave.agents if a == self.hold)
        moved = tuple(a for a in wave.agents if a != self.hold)
        return WaveOutcome(wave.number, moved, held, verification=VerificationSummary(len(moved)))


class Quiet:
    def snapshot(self) -> PlatformSnapshot:
        return PlatformSnapshot(())

    def soak(self, wave: WaveTask, outcome: WaveOutcome, seconds: float) -> None:
        return None


def always_continue(
    done: WaveTask,
    remaining: Sequence[WaveTask],
    snapshot: PlatformSnapshot,
    verification: VerificationSummary,
    policy: StabilityPolicy,
) -> Decision:
    return Decision(Action.CONTINUE, (f"wave {done.number} stable",))


@pytest.fixture
def store(tmp_path: Path) -> Store:
    opened = Store.open(f"sqlite:///{tmp_path / 'ledger.db'}")
    opened.sync_roster(ROSTER, actor="t")
    yield opened  # type: ignore[misc]
    opened.close()


def _migration(store: Store, runner: Runner) -> Migration:
    return Migration(
        waves=WAVES, runner=runner, metrics=Quiet(), ledger=StoreLedger(store), soak=Quiet(),
        decide=always_continue,
    )  # fmt: skip


def test_a_failed_run_resumes_where_it_stopped(store: Store) -> None:
    first = _migration(store, Runner(fail_wave=2, hold="E00001")).run()
    assert first.held and [o.number for o in first.outcomes] == [1, 2]
    assert store.wave_states() == {1: "done", 2: "failed"}
    assert StoreLedger(store).done_waves() == {1}
    held = store.agent_state("E00001")
    assert held is not None and held[:2] == ("held", "no declaration")

    # A later run (another process, another machine) skips wave 1 and redoes wave 2.
    second_runner = Runner()
    second = _migration(store, second_runner).run()
    assert second.finished and [w.number for w in second_runner.runs] == [2]
    assert StoreLedger(store).moved_agents() == {f"E{i:05d}" for i in range(16)} - {"E00001"}
    actions = [(after, action) for after, action, _, _ in store.decisions()]
    assert actions == [(1, "continue"), (2, "hold"), (2, "continue")]


def test_saved_wave_list_round_trips(store: Store) -> None:
    ledger = StoreLedger(store)
    assert ledger.current_waves() is None
    ledger.save_waves(WAVES[::-1])
    assert ledger.current_waves() == WAVES[::-1]
    ledger.save_waves(WAVES[:1])
    assert ledger.current_waves() == WAVES[:1]


def test_outcome_for_unknown_agents_is_refused_whole(store: Store) -> None:
    with pytest.raises(StoreError, match="GHOST"):
        StoreLedger(store).record_wave(WaveOutcome(1, ("E00000", "GHOST")))
    assert store.agent_state("E00000") is None and store.wave_states() == {}
