"""The migration loop and its decisions, driven through fakes at the protocol seams."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest

from homeshift.migration.decide import assess_stability, make_decider, merge_all_if_fits
from homeshift.migration.engine import Migration, WaveTask
from homeshift.migration.model import (
    Action,
    Decision,
    HeadendMetrics,
    PlatformSnapshot,
    StabilityPolicy,
    VerificationSummary,
    WaveOutcome,
)


def wave(number: int, teams: dict[str, int], sessions: int | None = None) -> WaveTask:
    team_agents = tuple(
        (team, tuple(f"{team}-{i}" for i in range(size))) for team, size in teams.items()
    )
    total = sum(teams.values())
    return WaveTask(number, team_agents, total if sessions is None else sessions)


PLAN = [
    wave(1, {"A": 10, "B": 10}),
    wave(2, {"C": 10, "D": 10}),
    wave(3, {"E": 10, "F": 10}),
]


@dataclass
class FakeRunner:
    runs: list[WaveTask] = field(default_factory=list)
    fail_wave: int | None = None
    failed_verifications: int = 0

    def run_wave(self, task: WaveTask) -> WaveOutcome:
        self.runs.append(task)
        if task.number == self.fail_wave:
            return WaveOutcome(task.number, (), ok=False, message="inventory unreachable")
        return WaveOutcome(
            task.number,
            task.agents,
            verification=VerificationSummary(len(task.agents), self.failed_verifications),
        )


@dataclass
class FakeMetrics:
    """Active sessions grow with what moved; capacity is fixed unless scaled out."""

    runner: FakeRunner
    limit_per_member: int = 40
    members: int = 2
    refused: int = 0

    def snapshot(self) -> PlatformSnapshot:
        active = sum(len(w.agents) for w in self.runner.runs)
        heads = tuple(
            HeadendMetrics(f"asa-{i}", active // self.members, self.limit_per_member)
            for i in range(self.members)
        )
        return PlatformSnapshot(heads, refused_since_last=self.refused)


@dataclass
class FakeLedger:
    done: set[int] = field(default_factory=set)
    moved: set[str] = field(default_factory=set)
    decisions: list[tuple[int, Decision]] = field(default_factory=list)
    waves: list[WaveTask] | None = None

    def done_waves(self) -> set[int]:
        return set(self.done)

    def moved_agents(self) -> set[str]:
        return set(self.moved)

    def record_wave(self, outcome: WaveOutcome) -> None:
        if outcome.ok:
            self.done.add(outcome.number)
            self.moved.update(outcome.moved)

    def record_decision(self, after_wave: int, decision: Decision) -> None:
        self.decisions.append((after_wave, decision))

    def current_waves(self) -> list[WaveTask] | None:
        return self.waves

    def save_waves(self, waves: Sequence[WaveTask]) -> None:
        self.waves = list(waves)


class NoSoak:
    def __init__(self) -> None:
        self.soaked: list[int] = []

    def soak(self, task: WaveTask, outcome: WaveOutcome, seconds: float) -> None:
        self.soaked.append(task.number)


def migration(
    runner: FakeRunner, metrics: FakeMetrics, ledger: FakeLedger, scale: object = None
) -> Migration:
    return Migration(
        waves=PLAN,
        runner=runner,
        metrics=metrics,
        ledger=ledger,
        soak=NoSoak(),
        decide=make_decider(merge_all_if_fits, can_scale_out=scale is not None),
        scale_out=scale,  # type: ignore[arg-type]
    )


def test_stable_platform_merges_three_waves_into_two() -> None:
    runner = FakeRunner()
    ledger = FakeLedger()
    # 2 members x 40 = 80 sessions, 80% usable = 64; after wave 1 (20 active) 44 free >= 40
    report = migration(runner, FakeMetrics(runner), ledger).run()
    assert report.finished and not report.held
    assert [r.number for r in runner.runs] == [1, 2]
    assert runner.runs[1].teams == ("C", "D", "E", "F")
    first = report.decisions[0][1]
    assert first.action is Action.MERGE
    assert any("merged" in reason for reason in first.reasons)
    assert report.moved == 60
    assert ledger.done == {1, 2, 3}  # planned wave 3 moved inside the merged wave 2


def test_tight_capacity_keeps_waves_then_holds_without_scale_out() -> None:
    runner = FakeRunner()
    # 2 x 30 = 60, 48 usable. After wave 1: 28 free < 40 for waves 2+3 -> keep the plan.
    # After wave 2: 8 free < 20 for wave 3 and no scale-out runner -> hold, saying why.
    report = migration(runner, FakeMetrics(runner, limit_per_member=30), FakeLedger()).run()
    assert [r.number for r in runner.runs] == [1, 2]
    first, second = (d for _, d in report.decisions)
    assert first.action is Action.CONTINUE
    assert "waves 2, 3 kept: together they need 40 sessions, 28 free" in first.reasons
    assert second.action is Action.HOLD
    assert second.reasons[0] == "wave 3 needs 20 sessions, only 8 free under 80% utilisation"
    assert report.held


def test_refused_connections_hold_the_move() -> None:
    runner = FakeRunner()
    metrics = FakeMetrics(runner, refused=3)
    ledger = FakeLedger()
    report = migration(runner, metrics, ledger).run()
    assert report.held and not report.finished
    assert [r.number for r in runner.runs] == [1]
    decision = report.decisions[-1][1]
    assert decision.action is Action.HOLD
    assert "3 VPN connections refused" in decision.reasons[0]
    assert ledger.decisions[-1][1] is decision


def test_capacity_short_triggers_scale_out_then_merges() -> None:
    runner = FakeRunner()
    metrics = FakeMetrics(runner, limit_per_member=20)  # 40 total, 32 usable: wave 2 won't fit

    class Scaler:
        def __init__(self) -> None:
            self.calls: list[int] = []

        def scale_out(self, target_sessions: int) -> bool:
            self.calls.append(target_sessions)
            metrics.members = 4
            return True

    scaler = Scaler()
    report = migration(runner, metrics, FakeLedger(), scaler).run()
    assert scaler.calls == [60]
    assert report.finished
    # after the scale-out 4 x 20 = 80 sessions: waves 2 and 3 now fit together
    assert [d.action for _, d in report.decisions][:2] == [Action.SCALE_OUT, Action.MERGE]


def test_resume_skips_done_waves_and_moved_agents() -> None:
    runner = FakeRunner()
    ledger = FakeLedger(done={1}, moved={"C-0", "C-1"})
    migration(runner, FakeMetrics(runner, limit_per_member=100), ledger).run()
    assert runner.runs[0].number == 2
    assert "C-0" not in runner.runs[0].agents
    assert all(r.number != 1 for r in runner.runs)


def test_dry_run_runs_nothing_and_prints_the_decisions_it_would_take() -> None:
    runner = FakeRunner()
    ledger = FakeLedger()
    m = migration(runner, FakeMetrics(runner), ledger)
    m.dry_run = True
    events: list[tuple[str, str]] = []
    m.observe = lambda e, d: events.append((e, d))
    report = m.run()
    assert runner.runs == [] and ledger.done == set() and ledger.decisions == []
    # projected: wave 1 adds 20 sessions -> 44 free, waves 2+3 (40) fit -> merge, then finish
    assert [e for e, _ in events] == ["would-run", "would-merge", "would-run", "would-finished"]
    assert [d.action for _, d in report.decisions] == [Action.MERGE, Action.FINISHED]
    assert not report.finished


def test_projection_spreads_sessions_to_least_loaded_members() -> None:
    snap = PlatformSnapshot(
        (
            HeadendMetrics("a", 10, 100),
            HeadendMetrics("b", 0, 100),
            HeadendMetrics("spare", 0, 0, participating=False),
        )
    )
    projected = snap.with_added_sessions(11)
    assert [h.active for h in projected.headends] == [15, 6, 0]
    assert projected.active == snap.active + 11


def test_a_wave_that_moved_nobody_holds_with_the_gate_reasons() -> None:
    class GatedRunner(FakeRunner):
        def run_wave(self, task: WaveTask) -> WaveOutcome:
            self.runs.append(task)
            reason = "headend capacity: wave needs 20 sessions, 5 free"
            return WaveOutcome(task.number, (), held=tuple((a, reason) for a in task.agents))

    runner = GatedRunner()
    report = migration(runner, FakeMetrics(runner), FakeLedger()).run()
    assert report.held and [r.number for r in runner.runs] == [1]
    decision = report.decisions[-1][1]
    assert decision.action is Action.HOLD
    assert decision.reasons == (
        "wave 1 moved nobody: 20 agent(s) held back",
        "20 x headend capacity: wave needs 20 sessions, 5 free",
    )


def test_failed_wave_holds() -> None:
    runner = FakeRunner(fail_wave=1)
    report = migration(runner, FakeMetrics(runner), FakeLedger()).run()
    assert report.held
    assert "inventory unreachable" in report.decisions[-1][1].reasons[0]


@pytest.mark.parametrize(
    ("failed", "stable"),
    [(0, True), (1, False)],
)
def test_verification_failures_count_against_stability(failed: int, stable: bool) -> None:
    snapshot = PlatformSnapshot((HeadendMetrics("asa-01", 10, 100),))
    verdict, capacity_only = assess_stability(
        snapshot, VerificationSummary(20, failed), StabilityPolicy(max_failed_pct=2.0)
    )
    assert verdict.stable is stable
    assert not capacity_only
