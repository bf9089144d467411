"""Capacity planner: N+1 sizing, budgets, pools inside the supernet and disjoint, clear errors."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from homeshift.planning import PlanError
from homeshift.planning.capacity import (
    CapacityInputs,
    ExistingHeadend,
    allocate_pools,
    coverage_by_minute,
    default_spare_names,
    parse_headcount,
    peak_concurrent,
    plan_capacity,
    pool_prefix,
)
from homeshift.planning.catalogue import BUILTIN_CATALOGUE, load_catalogue, model_key
from homeshift.roster import Shift


def shift(text: str) -> Shift:
    return Shift.parse(text)


def test_operations_example_11200_peak_on_5000_boxes_needs_four() -> None:
    plan = plan_capacity(CapacityInputs(peak_sessions=11_200, peak_sessions_source="given"))
    assert plan.headends_required == 4  # ceil(11200 / 4000) + 1
    assert plan.headends_to_add == 4
    assert plan.session_budget_per_headend == 4000
    assert plan.cluster_session_capacity == 20_000
    assert plan.free_session_budget == 12_000
    assert [h.name for h in plan.headends] == ["asa-01", "asa-02", "asa-03", "asa-04"]
    assert [h.priority for h in plan.headends] == [10, 9, 8, 7]
    assert plan.headends[0].pool.name == "HS-POOL-ASA-01"
    assert "ASA5555 max peers 5000 (unverified: check the datasheet)" in plan.notes


def test_existing_headends_come_first_and_spares_continue_the_numbering() -> None:
    inputs = CapacityInputs(
        peak_sessions=8100,
        existing=(
            ExistingHeadend("asa-02", "ASA 5555-X", 2500),
            ExistingHeadend("asa-01", "asa5555"),
        ),
    )
    plan = plan_capacity(inputs)
    names = [(h.name, h.existing, h.session_limit) for h in plan.headends]
    # budgets 4000 + 2000 (licence); +4000 +4000 -> 14000 minus the largest 4000 = 10000 >= 8100
    assert names == [
        ("asa-01", True, 5000),
        ("asa-02", True, 2500),
        ("asa-03", False, 5000),
        ("asa-04", False, 5000),
    ]
    assert plan.headends_existing == 2 and plan.headends_to_add == 2
    assert plan.free_session_budget >= 8100


def test_given_spare_names_are_used_before_generated_ones() -> None:
    plan = plan_capacity(CapacityInputs(peak_sessions=9000, spare_names=("spare-a",)))
    assert [h.name for h in plan.headends] == ["spare-a", "asa-01", "asa-02", "asa-03"]


def test_enough_existing_adds_nothing_and_reports_the_minimum_required() -> None:
    existing = tuple(ExistingHeadend(f"asa-0{i}", "ASA5555") for i in range(1, 6))
    plan = plan_capacity(CapacityInputs(peak_sessions=3000, existing=existing))
    assert plan.headends_to_add == 0
    assert plan.headends_required == 2
    assert len(plan.headends) == 5


def test_licence_above_platform_limit_is_capped_with_a_note() -> None:
    plan = plan_capacity(
        CapacityInputs(peak_sessions=10, existing=(ExistingHeadend("asa-01", "ASA5525", 5000),))
    )
    assert plan.headends[0].session_limit == 750
    assert any("exceeds the ASA5525 platform limit 750" in n for n in plan.notes)


def test_throughput_check_counts_the_cluster_without_its_largest_member() -> None:
    ok = plan_capacity(CapacityInputs(peak_sessions=1000, per_user_kbps=100))
    assert ok.throughput_required_mbps == 100.0 and ok.throughput_ok
    short = plan_capacity(CapacityInputs(peak_sessions=3000, per_user_kbps=500))
    assert short.throughput_required_mbps == 1500.0
    assert short.throughput_available_mbps == 1400.0
    assert not short.throughput_ok
    assert any("1500 Mbps needed" in n for n in short.notes)


def test_unknown_throughput_is_never_reported_ok() -> None:
    plan = plan_capacity(CapacityInputs(peak_sessions=100, default_model="FPR2130"))
    assert not plan.throughput_ok
    assert any("FPR2130 is not known" in n for n in plan.notes)


def test_peak_counts_overlapping_shifts_and_midnight() -> None:
    counts = [(shift("06:00-14:30"), 10), (shift("14:00-22:30"), 7), (shift("22:00-06:30"), 3)]
    assert peak_concurrent(counts) == 17  # 14:00-14:30
    coverage = coverage_by_minute(counts)
    assert coverage[0] == 3 and coverage[6 * 60 + 15] == 13 and coverage[14 * 60 + 30] == 7
    assert peak_concurrent([(shift("06:00-14:00"), 5), (shift("14:00-22:00"), 5)]) == 5


def test_peak_from_headcount_with_concurrency_ratio() -> None:
    inputs = CapacityInputs(
        headcount_per_shift=parse_headcount(["06:00-14:30=4200", "14:00-22:30=3900"]),
        concurrency_ratio=0.5,
    )
    assert plan_capacity(inputs).peak_sessions == 4050


@pytest.mark.parametrize("item", ["06:00-14:30", "6-14=3", "06:00-14:30=-1", "06:00-14:30=x"])
def test_bad_headcount_items_are_named(item: str) -> None:
    with pytest.raises(PlanError, match="--headcount"):
        parse_headcount([item])


@pytest.mark.parametrize(
    ("limit", "prefix"), [(1, 30), (2, 30), (3, 29), (254, 24), (255, 23), (5000, 19)]
)
def test_pool_prefix_is_the_smallest_that_holds_the_limit(limit: int, prefix: int) -> None:
    assert pool_prefix(limit) == prefix


def test_pools_avoid_exclusions_and_have_asa_fields() -> None:
    pools = allocate_pools(
        "10.64.0.0/16", ["10.64.0.0/20", "10.64.40.0/24"], [("asa-01", 5000), ("asa-02", 700)]
    )
    assert pools[0].network == "10.64.64.0/19"  # /19 at .32 would hit 10.64.40.0/24
    assert pools[1].network == "10.64.16.0/22"
    assert (pools[0].first, pools[0].last, pools[0].mask, pools[0].size) == (
        "10.64.64.1",
        "10.64.95.254",
        "255.255.224.0",
        8190,
    )


def test_too_small_supernet_is_a_clear_error() -> None:
    with pytest.raises(PlanError, match=r"supernet 10.64.0.0/20 is too small.*asa-02"):
        plan_capacity(
            CapacityInputs(peak_sessions=3000, supernet="10.64.0.0/20", default_model="ASA5545")
        )


@pytest.mark.parametrize("supernet", ["10.64.0.0/33", "10.64.0.1/16", "fe80::/64", "banana"])
def test_invalid_supernet_is_a_clear_error(supernet: str) -> None:
    with pytest.raises(PlanError, match="supernet"):
        allocate_pools(supernet, [], [("asa-01", 10)])


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        (CapacityInputs(peak_sessions=1, max_utilisation=0), "max utilisation"),
        (CapacityInputs(peak_sessions=1, redundancy=-1), "redundancy"),
        (
            CapacityInputs(peak_sessions=1, default_model="ASA9999"),
            "unknown headend model 'ASA9999'",
        ),
        (CapacityInputs(peak_sessions=1, spare_names=("x", "x")), "used twice: x"),
        (
            CapacityInputs(peak_sessions=1, existing=(ExistingHeadend("asa-07", "ASA1"),)),
            "existing headend asa-07: unknown headend model 'ASA1'",
        ),
        (CapacityInputs(peak_sessions=1, spare_names=("my box",)), "'my box' are not inventory"),
        (
            CapacityInputs(peak_sessions=1, existing=(ExistingHeadend("", "ASA5555"),)),
            "not inventory hostnames",
        ),
    ],
)
def test_invalid_inputs_are_plan_errors(inputs: CapacityInputs, message: str) -> None:
    with pytest.raises(PlanError, match=message):
        plan_capacity(inputs)


def test_default_spare_names_skip_taken_and_continue() -> None:
    assert default_spare_names(["asa-01", "asa-03", "edge"], 2) == ["asa-04", "asa-05"]


def test_catalogue_marks_unverified_and_accepts_overrides(tmp_path: Path) -> None:
    assert not BUILTIN_CATALOGUE.get("ASA5555").verified
    assert model_key("asa 5555-x") == model_key("ASA5555")
    path = tmp_path / "catalogue.yml"
    path.write_text(
        "models:\n"
        "  ASA5555: {max_peers: 4000, vpn_throughput_mbps: 1500, source: 'datasheet 2026'}\n"
        "  LAB-ASA: {max_peers: 40}\n"
    )
    catalogue = load_catalogue(path)
    assert catalogue.get("asa5555-x").max_peers == 4000 and catalogue.get("ASA5555").verified
    lab = catalogue.get("lab-asa")
    assert (lab.max_peers, lab.vpn_throughput_mbps) == (40, None)
    assert lab.source == f"override in {path}"
    plan = plan_capacity(CapacityInputs(peak_sessions=6000), catalogue)
    assert plan.headends_required == 3 and not [n for n in plan.notes if "unverified" in n]


@pytest.mark.parametrize(
    "text",
    [
        "models: [1]",
        "nothing: 1",
        "models:\n  X: {max_peers: 0}",
        "models:\n  X: {peers: 3}",
        "models: {",
    ],
)
def test_bad_catalogue_is_a_plan_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "c.yml"
    path.write_text(text)
    with pytest.raises(PlanError, match=r"c\.yml"):
        load_catalogue(path)


@settings(max_examples=60, deadline=None)
@given(
    peak=st.integers(0, 60_000),
    utilisation=st.floats(0.3, 1.0),
    redundancy=st.integers(0, 2),
    model=st.sampled_from(["ASA5525", "ASA5545", "ASA5555", "FPR4110"]),
    existing=st.lists(st.sampled_from(["ASA5516", "ASA5555", "FPR2110"]), max_size=3),
    excluded=st.lists(st.integers(0, 255), max_size=4),
)
def test_capacity_invariants(
    peak: int,
    utilisation: float,
    redundancy: int,
    model: str,
    existing: list[str],
    excluded: list[int],
) -> None:
    inputs = CapacityInputs(
        peak_sessions=peak,
        max_utilisation=utilisation,
        redundancy=redundancy,
        default_model=model,
        existing=tuple(ExistingHeadend(f"old-{i}", m) for i, m in enumerate(existing)),
        supernet="10.0.0.0/8",
        exclude=tuple(f"10.{b}.0.0/16" for b in excluded),
    )
    plan = plan_capacity(inputs)
    budgets = sorted((h.session_budget for h in plan.headends), reverse=True)
    # N+redundancy: the peak fits after losing the largest members
    assert sum(budgets[redundancy:]) >= peak
    assert len(plan.headends) > redundancy
    # adding one fewer new headend would not have been enough
    if plan.headends_to_add:
        new_budget = next(h.session_budget for h in plan.headends if not h.existing)
        fewer = list(budgets)
        fewer.remove(new_budget)
        fewer.sort(reverse=True)
        assert sum(fewer[redundancy:]) < peak or len(fewer) <= redundancy
    supernet = ipaddress.ip_network("10.0.0.0/8")
    exclusions = [ipaddress.ip_network(e) for e in inputs.exclude]
    networks = [ipaddress.ip_network(h.pool.network) for h in plan.headends]
    for headend, network in zip(plan.headends, networks, strict=True):
        assert network.subnet_of(supernet)  # type: ignore[arg-type]
        assert headend.pool.size == network.num_addresses - 2 >= headend.session_limit
        assert not any(network.overlaps(e) for e in exclusions)
    for i, a in enumerate(networks):
        assert not any(a.overlaps(b) for b in networks[i + 1 :])
    assert len({h.pool.name for h in plan.headends}) == len(plan.headends)
    assert plan_capacity(inputs) == plan
