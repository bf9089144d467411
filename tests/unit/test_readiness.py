"""The readiness model: agent lights, wave capacity rule and rollups."""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from homeshift.readiness import (
    DesktopVerdict,
    HeadendLoad,
    Light,
    Thresholds,
    WaveDemand,
    assess,
    assess_wave_capacity,
    worst,
)
from homeshift.readiness_inputs import InputFileError, parse_headend_loads, parse_plan
from homeshift.roster import Agent, Shift

SHIFT = Shift.parse("06:00-14:30")


def agent(
    eid: str,
    team: str = "BER-T1",
    site: str = "Berlin",
    office: str = "BER-1",
    consent: date | None = date(2026, 11, 20),
) -> Agent:
    return Agent(
        eid, f"Name {eid}", team, "lead@example.com", site, office, f"D-{eid}", SHIFT, consent
    )


AGENTS = (
    agent("E1"),
    agent("E2"),
    agent("E3", team="LEJ-T1", site="Leipzig", office="LEJ-1"),
    agent("E4", team="LEJ-T1", site="Leipzig", office="LEJ-1", consent=None),
)
WAVES = (WaveDemand(1, ("E1", "E2"), 2), WaveDemand(2, ("E3", "E4"), 2))
ROOMY = (HeadendLoad("asa-01", 10, 1000), HeadendLoad("asa-02", 20, 1000))
ALL_OK = {f"D-E{i}": DesktopVerdict(f"D-E{i}", True) for i in range(1, 5)}


def test_converged_desktop_with_consent_and_capacity_is_green() -> None:
    result = assess(AGENTS[:3], WAVES, ALL_OK, ROOMY)
    assert [a.light for a in result.agents] == [Light.GREEN] * 3
    assert all(a.reasons == () for a in result.agents)
    assert result.light is Light.GREEN


def test_missing_verdict_is_yellow_failed_is_red_with_the_failure_as_reason() -> None:
    verdicts = {"d-e1": DesktopVerdict("d-e1", False, ("service csc_vpnagent is Stopped",))}
    result = assess(AGENTS[:2], WAVES, verdicts, ROOMY)
    e1, e2 = result.agents
    assert e1.light is Light.RED
    assert e1.reasons == ("desktop D-E1: service csc_vpnagent is Stopped",)
    assert e2.light is Light.YELLOW
    assert e2.reasons == ("desktop D-E2 not verified yet",)


def test_no_consent_is_red_and_the_store_overrides_the_roster() -> None:
    result = assess(AGENTS, WAVES, ALL_OK, ROOMY)
    e4 = result.agents[3]
    assert e4.light is Light.RED
    assert e4.reasons == ("no signed data-protection declaration on file",)
    signed_later = assess(AGENTS, WAVES, ALL_OK, ROOMY, consents={"E4": date(2026, 12, 1)})
    assert signed_later.agents[3].light is Light.GREEN
    revoked = assess(AGENTS, WAVES, ALL_OK, ROOMY, consents={"E1": None})
    assert revoked.agents[0].light is Light.RED


def test_agent_outside_the_plan_is_yellow_unless_the_planner_left_it_out() -> None:
    result = assess(AGENTS[:2], WAVES[1:], ALL_OK, ROOMY, unschedulable={"E2": "no consent"})
    assert result.agents[0].light is Light.YELLOW
    assert result.agents[0].reasons == ("not in any wave of the plan",)
    assert result.agents[1].light is Light.RED
    assert result.agents[1].reasons == ("not schedulable: no consent",)


@pytest.mark.parametrize(
    ("active", "light"),
    [
        (0, Light.GREEN),  # budget 80, demand 60 -> 80 >= 66
        (15, Light.YELLOW),  # free 65: fits, but below 60 * 1.1
        (21, Light.RED),  # free 59 < 60
    ],
)
def test_wave_capacity_green_yellow_red(active: int, light: Light) -> None:
    waves = (WaveDemand(1, (), 60),)
    (wave,) = assess_wave_capacity(
        waves, (HeadendLoad("asa-01", active, 100),), Thresholds(load_threshold_pct=95)
    )
    assert wave.light is light
    assert wave.free == 80 - active


def test_later_wave_counts_earlier_unmoved_waves_but_not_moved_ones() -> None:
    loads = (HeadendLoad("asa-01", 0, 100),)  # budget 80
    waves = (WaveDemand(1, (), 50), WaveDemand(2, (), 40))
    first, second = assess_wave_capacity(waves, loads, Thresholds())
    assert (first.light, second.light) == (Light.GREEN, Light.RED)
    assert second.demand == 90
    moved = (WaveDemand(1, (), 50, moved=True), WaveDemand(2, (), 40))
    loads_after = (HeadendLoad("asa-01", 30, 100),)  # wave 1 is (partly) online now
    first, second = assess_wave_capacity(moved, loads_after, Thresholds())
    assert first.demand == 0 and first.light is Light.GREEN
    assert second.demand == 40 and second.light is Light.GREEN


def test_overloaded_headend_turns_dependent_waves_yellow_or_red() -> None:
    waves = (WaveDemand(1, ("E1",), 100),)
    # asa-02 at 90% (> 80%) but asa-01 can absorb its excess and the wave: yellow
    loads = (HeadendLoad("asa-01", 0, 1000), HeadendLoad("asa-02", 900, 1000))
    (wave,) = assess_wave_capacity(waves, loads, Thresholds())
    assert wave.light is Light.YELLOW
    assert "headend asa-02 over its load threshold (90% > 80%)" in wave.reasons[0]
    assert "can rebalance" in wave.reasons[0]
    # both near full: no room to rebalance -> red
    full = (HeadendLoad("asa-01", 790, 1000), HeadendLoad("asa-02", 900, 1000))
    (wave,) = assess_wave_capacity(waves, full, Thresholds())
    assert wave.light is Light.RED
    assert any("no room to rebalance" in r for r in wave.reasons)


def test_no_headend_data_is_yellow() -> None:
    (wave,) = assess_wave_capacity((WaveDemand(1, (), 1),), (), Thresholds())
    assert wave.light is Light.YELLOW
    assert wave.reasons == ("headend load unknown (no headend data)",)


def test_rollups_take_the_worst_member_and_count_each_colour() -> None:
    verdicts = dict(ALL_OK)
    del verdicts["D-E2"]  # yellow
    result = assess(AGENTS, WAVES, verdicts, ROOMY)  # E4 red (consent)
    by_site = {r.key: r for r in result.rollups["site"]}
    assert (by_site["Berlin"].green, by_site["Berlin"].yellow, by_site["Berlin"].red) == (1, 1, 0)
    assert by_site["Berlin"].light is Light.YELLOW
    assert by_site["Leipzig"].light is Light.RED
    assert [r.key for r in result.rollups["wave"]] == ["wave 1", "wave 2"]
    assert set(result.rollups) == {"wave", "site", "office", "team"}
    assert [a.employee_id for a in result.red_list] == ["E4"]


def test_wave_keys_sort_naturally_and_unscheduled_last() -> None:
    waves = tuple(WaveDemand(n, (f"E{n}",), 1) for n in (10, 2))
    agents = [agent("E10"), agent("E2"), agent("E99")]
    result = assess(agents, waves, {}, ROOMY)
    assert [r.key for r in result.rollups["wave"]] == ["wave 2", "wave 10", "unscheduled"]


@settings(max_examples=60, deadline=None)
@given(
    lights=st.lists(st.sampled_from(list(Light)), min_size=1, max_size=30),
)
def test_group_light_is_worst_member_and_counts_add_up(lights: list[Light]) -> None:
    agents = [agent(f"E{i}") for i in range(len(lights))]
    verdicts = {}
    consents: dict[str, date | None] = {}
    for i, light in enumerate(lights):
        if light is Light.GREEN:
            verdicts[f"D-E{i}"] = DesktopVerdict(f"D-E{i}", True)
        elif light is Light.RED:
            verdicts[f"D-E{i}"] = DesktopVerdict(f"D-E{i}", False, ("broken",))
        # yellow: no verdict
    waves = (WaveDemand(1, tuple(a.employee_id for a in agents), 1),)
    result = assess(agents, waves, verdicts, ROOMY, consents=consents or None)
    assert [a.light for a in result.agents] == lights
    (team,) = result.rollups["team"]
    assert team.light is worst(lights)
    assert (team.green, team.yellow, team.red) == tuple(lights.count(x) for x in Light)
    assert team.total == len(lights)


@settings(max_examples=80, deadline=None)
@given(
    active=st.integers(0, 2000),
    extra=st.integers(0, 2000),
    sessions=st.integers(0, 1500),
    limit=st.integers(1, 2000),
)
def test_more_load_never_makes_a_wave_look_better(
    active: int, extra: int, sessions: int, limit: int
) -> None:
    waves = (WaveDemand(1, (), sessions),)
    (before,) = assess_wave_capacity(waves, (HeadendLoad("a", active, limit),), Thresholds())
    (after,) = assess_wave_capacity(waves, (HeadendLoad("a", active + extra, limit),), Thresholds())
    assert after.light.rank >= before.light.rank


def test_thresholds_are_validated() -> None:
    with pytest.raises(ValueError, match="max_utilisation"):
        Thresholds(max_utilisation=0)
    with pytest.raises(ValueError, match="load_threshold_pct"):
        Thresholds(load_threshold_pct=120)


def test_plan_reader_takes_sessions_unschedulable_and_limits() -> None:
    plan = {
        "version": 1,
        "inputs": {"max_utilisation": 0.75},
        "capacity": {"headends": [{"name": "asa-01", "session_limit": 5000}]},
        "waves": [{"number": 1, "teams": ["T"], "agents": ["E1"], "headcount": 1, "sessions": 1}],
        "unschedulable": [{"employee_id": "E7", "team": "T", "reason": "no consent"}],
    }
    parsed = parse_plan(plan, "plan.json", moved={1})
    assert parsed.waves == (WaveDemand(1, ("E1",), 1, moved=True),)
    assert parsed.unschedulable == {"E7": "no consent"}
    assert parsed.session_limits == {"asa-01": 5000}
    assert parsed.max_utilisation == 0.75


@pytest.mark.parametrize(
    ("plan", "message"),
    [
        ({"version": 2}, "plan.json: unsupported plan version 2"),
        ({"version": 1, "waves": [{"number": 0}]}, "wave entry 1: 'number'"),
        (
            {"version": 1, "waves": [{"number": 1, "agents": ["E"], "sessions": -1}]},
            "wave entry 1 (wave 1): 'sessions' must be a non-negative integer",
        ),
        ({"version": 1, "waves": [{"number": 1}, {"number": 1}]}, "wave 1 appears twice"),
    ],
)
def test_plan_reader_names_the_bad_entry(plan: dict[str, object], message: str) -> None:
    with pytest.raises(InputFileError, match=re.escape(message)):
        parse_plan(plan, "plan.json")


def test_headend_facts_accept_lists_maps_and_plan_limits() -> None:
    as_list = parse_headend_loads([{"name": "asa-02", "active": 5, "limit": 10}])
    as_map = parse_headend_loads({"headends": {"asa-02": {"active": 5}}}, limits={"asa-02": 10})
    assert as_list == as_map == (HeadendLoad("asa-02", 5, 10),)
    lab = parse_headend_loads(
        {"members": {"asa-01": {"active": 0, "limit": 0, "licensed_peers": 750}}},
        limits={"asa-01": 5000},
    )
    assert lab == (HeadendLoad("asa-01", 0, 0),)  # not configured: takes no sessions
    with pytest.raises(
        InputFileError, match=re.escape("facts.json: headend asa-03: no session limit")
    ):
        parse_headend_loads({"asa-03": {"active": 1}}, "facts.json")
    with pytest.raises(InputFileError, match="headend asa-03 'active'"):
        parse_headend_loads({"asa-03": {"active": -1, "limit": 3}})


@settings(max_examples=80, deadline=None)
@given(
    active=st.integers(0, 1000),
    sessions=st.integers(0, 1000),
    extra=st.integers(0, 1000),
    headroom=st.floats(0, 1),
)
def test_more_demand_or_headroom_never_makes_a_wave_look_better(
    active: int, sessions: int, extra: int, headroom: float
) -> None:
    loads = (HeadendLoad("a", active, 1000), HeadendLoad("b", 100, 1000))
    base = Thresholds(headroom=headroom)
    (before,) = assess_wave_capacity((WaveDemand(1, (), sessions),), loads, base)
    (more,) = assess_wave_capacity((WaveDemand(1, (), sessions + extra),), loads, base)
    (stricter,) = assess_wave_capacity(
        (WaveDemand(1, (), sessions),), loads, Thresholds(headroom=headroom + 0.5)
    )
    assert more.light.rank >= before.light.rank
    assert stricter.light.rank >= before.light.rank


def test_headend_without_capacity_adds_nothing_and_is_overloaded_when_holding_sessions() -> None:
    spare = (HeadendLoad("asa-01", 0, 1000), HeadendLoad("asa-09", 0, 0))
    (wave,) = assess_wave_capacity((WaveDemand(1, (), 10),), spare, Thresholds())
    assert (wave.light, wave.free, wave.reasons) == (Light.GREEN, 800, ())
    holding = (HeadendLoad("asa-01", 0, 1000), HeadendLoad("asa-09", 5, 0))
    (wave,) = assess_wave_capacity((WaveDemand(1, (), 10),), holding, Thresholds())
    assert wave.light is Light.YELLOW
    assert wave.reasons == (
        "headend asa-09 has 5 sessions but no session capacity; the cluster can rebalance",
    )
    (only_spares,) = assess_wave_capacity(
        (WaveDemand(1, (), 10),), (HeadendLoad("asa-09", 0, 0),), Thresholds()
    )
    assert only_spares.light is Light.RED  # an unconfigured cluster has no room
