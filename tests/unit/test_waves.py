"""Wave planner: whole teams, balance, capacity, consent and pins honoured, determinism."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from homeshift.planning import PlanError
from homeshift.planning.capacity import CapacityInputs, capacity_inputs_from_roster, plan_capacity
from homeshift.planning.waves import NO_CONSENT, TEAM_EXCLUDED, WavePlan, parse_pins, plan_waves
from homeshift.roster import Agent, Roster, Shift
from homeshift.sample import generate_agents

SHIFTS = ("06:00-14:30", "08:00-16:30", "14:00-22:30", "22:00-06:30")


def make_roster(teams: list[tuple[int, str, int]]) -> Roster:
    """teams: (size, shift, members without consent)."""
    agents: list[Agent] = []
    for t, (size, shift, unsigned) in enumerate(teams):
        for m in range(size):
            n = len(agents) + 1
            agents.append(
                Agent(
                    employee_id=f"E{n:05d}",
                    name=f"Agent {n}",
                    team=f"T{t:03d}",
                    team_lead_email=f"lead{t}@example.com",
                    site="Berlin",
                    operating_office="BER-1",
                    desktop=f"D{n:05d}",
                    shift=Shift.parse(shift),
                    consent_date=None if m < unsigned else date(2026, 11, 20),
                )
            )
    return Roster(tuple(agents))


def check_invariants(roster: Roster, plan: WavePlan, waves: int) -> None:
    scheduled = [a for w in plan.waves for a in w.agents]
    left_out = [u.employee_id for u in plan.unschedulable]
    # every agent exactly once: in one wave or listed as unschedulable
    assert sorted(scheduled + left_out) == sorted(a.employee_id for a in roster)
    assert len(set(scheduled)) == len(scheduled)
    # every schedulable agent is scheduled
    assert {a.employee_id for a in roster if a.consent_date} == set(scheduled)
    # no team split across waves
    team_of = {a.employee_id: a.team for a in roster}
    seen: dict[str, int] = {}
    for wave in plan.waves:
        assert {team_of[a] for a in wave.agents} == set(wave.teams)
        for team in wave.teams:
            assert seen.setdefault(team, wave.number) == wave.number
        assert wave.headcount == len(wave.agents)
    # capacity never exceeded, cumulatively
    cumulative = 0
    for wave in plan.waves:
        assert wave.sessions >= 0
        cumulative += wave.sessions
        assert cumulative <= plan.free_budget
    assert [w.number for w in plan.waves] == list(range(1, waves + 1))


def test_sample_roster_three_balanced_waves() -> None:
    roster = Roster(tuple(generate_agents(2000, seed=5)))
    capacity = plan_capacity(capacity_inputs_from_roster(roster))
    plan = plan_waves(roster, capacity, 3)
    check_invariants(roster, plan, 3)
    sizes = [w.headcount for w in plan.waves]
    assert max(sizes) - min(sizes) <= 25  # balanced within one team
    assert plan.total_sessions <= capacity.peak_sessions
    assert all(u.reason == NO_CONSENT for u in plan.unschedulable)
    assert plan_waves(roster, capacity, 3) == plan


def test_sessions_are_the_increase_of_the_cluster_peak() -> None:
    # wave sizes forced by pins: day team 10, night team 6 (never overlap), day team 4
    roster = make_roster([(10, "06:00-14:30", 0), (6, "22:00-06:00", 0), (4, "08:00-16:30", 0)])
    plan = plan_waves(roster, 1000, 3, pinned={"T000": 1, "T001": 2, "T002": 3})
    assert [w.sessions for w in plan.waves] == [10, 0, 4]
    assert [w.headcount for w in plan.waves] == [10, 6, 4]


def test_concurrency_ratio_scales_sessions() -> None:
    roster = make_roster([(10, "06:00-14:30", 0), (10, "06:00-14:30", 0)])
    capacity = plan_capacity(CapacityInputs(peak_sessions=10, concurrency_ratio=0.5))
    plan = plan_waves(roster, capacity, 2)
    assert [w.sessions for w in plan.waves] == [5, 5]


def test_pins_and_exclusions_are_honoured() -> None:
    roster = make_roster(
        [
            (20, "06:00-14:30", 0),
            (15, "06:00-14:30", 0),
            (10, "06:00-14:30", 0),
            (5, "06:00-14:30", 0),
        ]
    )
    plan = plan_waves(roster, 1000, 2, pinned={"T003": 1, "T000": 1}, excluded={"T002"})
    assert plan.waves[0].teams == ("T000", "T003")
    assert plan.waves[1].teams == ("T001",)
    assert {u.reason for u in plan.unschedulable} == {TEAM_EXCLUDED}
    assert len(plan.unschedulable) == 10


def test_unsigned_agents_stay_and_their_team_moves_without_them() -> None:
    roster = make_roster([(10, "06:00-14:30", 3), (8, "06:00-14:30", 8), (9, "06:00-14:30", 0)])
    plan = plan_waves(roster, 1000, 2)
    # largest movable team first: T002 (9) before T000 (7 of 10); T001 has nobody who can move
    assert [w.teams for w in plan.waves] == [("T002",), ("T000",)]
    assert [w.headcount for w in plan.waves] == [9, 7]
    assert len(plan.unschedulable) == 11
    assert {u.reason for u in plan.unschedulable} == {NO_CONSENT}


def test_capacity_shortfall_names_the_wave() -> None:
    roster = make_roster([(30, "06:00-14:30", 0), (30, "06:00-14:30", 0)])
    with pytest.raises(PlanError, match=r"wave 2 would bring the cluster to 60 .* 50 free"):
        plan_waves(roster, 50, 2)
    with pytest.raises(PlanError, match=r"wave 1 .* 20 free"):
        plan_waves(roster, 50, 2, sessions_in_use=30)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"pinned": {"NOPE": 1}}, "pinned team 'NOPE' is not in the roster"),
        ({"excluded": {"NOPE"}}, "excluded team 'NOPE' is not in the roster"),
        ({"pinned": {"T000": 4}}, "only 3 waves"),
        ({"pinned": {"T000": 1}, "excluded": {"T000"}}, "both pinned and excluded"),
        ({"excluded": {"T000", "T001"}}, "only 1 team"),
    ],
)
def test_bad_options_are_plan_errors(kwargs: dict[str, object], message: str) -> None:
    roster = make_roster([(5, "06:00-14:30", 0)] * 3)
    with pytest.raises(PlanError, match=message):
        plan_waves(roster, 1000, 3, **kwargs)  # type: ignore[arg-type]


def test_parse_pins() -> None:
    assert parse_pins(["BER-T0003=1", "A=B=2"]) == {"BER-T0003": 1, "A=B": 2}
    for bad in (["x"], ["=1"], ["T=one"], ["T=1", "T=2"]):
        with pytest.raises(PlanError, match="--pin"):
            parse_pins(bad)


team_strategy = st.tuples(st.integers(1, 30), st.sampled_from(SHIFTS), st.integers(0, 3))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    teams=st.lists(team_strategy, min_size=1, max_size=25), waves=st.integers(1, 5), data=st.data()
)
def test_wave_invariants(
    teams: list[tuple[int, str, int]], waves: int, data: st.DataObject
) -> None:
    roster = make_roster(teams)
    movable = sorted({a.team for a in roster if a.consent_date})
    if len(movable) < waves:
        with pytest.raises(PlanError):
            plan_waves(roster, 10_000, waves)
        return
    pinned_teams = data.draw(st.lists(st.sampled_from(movable), unique=True, max_size=2))
    pinned = {t: data.draw(st.integers(1, waves)) for t in pinned_teams}
    capacity = plan_capacity(capacity_inputs_from_roster(roster))
    try:
        plan = plan_waves(roster, capacity, waves, pinned=pinned)
    except PlanError as exc:
        assert "would be empty" in str(exc)  # pins can leave a wave with no team
        return
    check_invariants(roster, plan, waves)
    for team, number in pinned.items():
        assert team in plan.waves[number - 1].teams
    if not pinned:
        sizes = [w.headcount for w in plan.waves]
        largest_team = max(
            len([a for a in roster if a.team == t and a.consent_date]) for t in movable
        )
        assert max(sizes) - min(sizes) <= largest_team
    assert plan_waves(roster, capacity, waves, pinned=pinned) == plan


@settings(max_examples=30, deadline=None)
@given(teams=st.lists(team_strategy, min_size=2, max_size=12), budget=st.integers(0, 200))
def test_capacity_never_exceeded_or_refused_clearly(
    teams: list[tuple[int, str, int]], budget: int
) -> None:
    roster = make_roster(teams)
    try:
        plan = plan_waves(roster, budget, 1)
    except PlanError as exc:
        assert "only" in str(exc) or "free within budget" in str(exc)
        return
    assert plan.total_sessions <= budget
