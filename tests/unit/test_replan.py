"""Re-planning: merge remaining waves when all that is left fits, keep them otherwise, explain."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from homeshift.planning import PlanError
from homeshift.planning.replan import MeasuredCapacity, replan_remaining, replan_running
from homeshift.planning.waves import Wave, WavePlan


def wave(number: int, headcount: int, sessions: int | None = None) -> Wave:
    agents = tuple(f"E{number}-{i}" for i in range(headcount))
    return Wave(
        number, (f"T{number}",), agents, headcount, headcount if sessions is None else sessions
    )


PLAN = WavePlan((wave(1, 100), wave(2, 120), wave(3, 90)), (), 1000, 1.0)


def test_three_planned_become_two_when_the_rest_fits() -> None:
    decision = replan_remaining(PLAN, {1}, MeasuredCapacity(free_sessions=300))
    assert decision.merged
    assert [(w.number, w.teams, w.headcount, w.sessions) for w in decision.waves] == [
        (2, ("T2", "T3"), 210, 210)
    ]
    assert decision.reasons == (
        "remaining waves 2, 3 need 210 sessions together and 300 are free as measured now",
        "merged waves 2 and 3 (210 agents, 210 sessions) into wave 2: 3 planned -> 2",
    )


def test_plan_kept_when_the_rest_does_not_fit() -> None:
    decision = replan_remaining(PLAN, {1}, MeasuredCapacity(free_sessions=209))
    assert not decision.merged
    assert [w.number for w in decision.waves] == [2, 3]
    assert "only 209 are free" in decision.reasons[0]


def test_nothing_moved_merges_the_lightest_neighbours() -> None:
    plan = WavePlan((wave(1, 50), wave(2, 120), wave(3, 40), wave(4, 60)), (), 1000, 1.0)
    decision = replan_remaining(plan, set(), MeasuredCapacity(free_sessions=1000))
    assert [(w.number, w.headcount) for w in decision.waves] == [(1, 50), (2, 120), (3, 100)]
    assert decision.reasons[-1].endswith("4 planned -> 3")


def test_last_wave_or_none_left() -> None:
    assert replan_remaining(PLAN, {1, 2}, MeasuredCapacity(10_000)).reasons == (
        "only wave 3 is left: nothing to merge",
    )
    done = replan_remaining(PLAN, {1, 2, 3}, MeasuredCapacity(10_000))
    assert not done.merged and done.waves == ()


def test_unknown_moved_wave_is_an_error() -> None:
    with pytest.raises(PlanError, match=r"moved wave\(s\) \[7\]"):
        replan_remaining(PLAN, {7}, MeasuredCapacity(10_000))


def test_adapter_for_the_migration_loop() -> None:
    merged, reasons = replan_running(PLAN.waves[1:], 500)
    assert merged == (("T2", "T3"),)
    assert "merged" in reasons[-1]
    kept, reasons = replan_running(PLAN.waves[1:], 100)
    assert kept is None and "keep 2 waves" in reasons[0]


@settings(max_examples=100, deadline=None)
@given(
    sizes=st.lists(st.tuples(st.integers(1, 400), st.integers(0, 400)), min_size=1, max_size=6),
    moved=st.integers(0, 6),
    free=st.integers(0, 3000),
)
def test_replan_invariants(sizes: list[tuple[int, int]], moved: int, free: int) -> None:
    plan = WavePlan(
        tuple(wave(i, h, s) for i, (h, s) in enumerate(sizes, start=1)), (), 10_000, 1.0
    )
    moved_numbers = set(range(1, min(moved, len(sizes)) + 1))
    remaining = [w for w in plan.waves if w.number not in moved_numbers]
    decision = replan_remaining(plan, moved_numbers, MeasuredCapacity(free))
    assert decision.reasons
    # nothing is lost or duplicated; sessions are preserved
    assert sorted(a for w in decision.waves for a in w.agents) == sorted(
        a for w in remaining for a in w.agents
    )
    assert sum(w.sessions for w in decision.waves) == sum(w.sessions for w in remaining)
    demand = sum(w.sessions for w in remaining)
    if decision.merged:
        assert demand <= free  # capacity never exceeded by merging
        assert len(decision.waves) == len(remaining) - 1
    else:
        assert decision.waves == tuple(remaining)
        assert len(remaining) <= 1 or demand > free
    if decision.waves:
        first = remaining[0].number
        assert [w.number for w in decision.waves] == list(range(first, first + len(decision.waves)))
    assert replan_remaining(plan, moved_numbers, MeasuredCapacity(free)) == decision


def test_adapter_fits_the_migration_loop_seam() -> None:
    from homeshift.migration.decide import Replanner
    from homeshift.migration.engine import WaveTask

    replanner: Replanner = replan_running
    tasks = [WaveTask(2, (("T2", ("a", "b")),), 2), WaveTask(3, (("T3", ("c",)),), 1)]
    assert replanner(tasks, 3)[0] == (("T2", "T3"),)
    assert replanner(tasks, 2)[0] is None
