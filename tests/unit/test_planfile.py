"""Plan file: lossless JSON/YAML round trip; unknown versions and broken keys are named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from homeshift.planning import PlanError
from homeshift.planning.capacity import CapacityInputs, capacity_inputs_from_roster, plan_capacity
from homeshift.planning.planfile import (
    PlanDocument,
    plan_from_dict,
    plan_to_dict,
    read_plan,
    write_plan,
)
from homeshift.planning.waves import plan_waves
from homeshift.roster import Roster
from homeshift.sample import generate_agents
from homeshift.state.plan import parse_plan_waves


@pytest.fixture(scope="module")
def document() -> PlanDocument:
    roster = Roster(tuple(generate_agents(300, seed=2)))
    capacity = plan_capacity(capacity_inputs_from_roster(roster, exclude=("10.64.0.0/20",)))
    waves = plan_waves(roster, capacity, 3)
    return PlanDocument(capacity, waves.waves, waves.unschedulable, "2026-12-01T07:00:00+00:00")


@pytest.mark.parametrize("name", ["plan.json", "plan.yml"])
def test_round_trip_is_lossless(document: PlanDocument, tmp_path: Path, name: str) -> None:
    path = write_plan(document, tmp_path / name)
    again = read_plan(path)
    assert plan_to_dict(again) == plan_to_dict(document)
    assert again.capacity.headends == document.capacity.headends
    assert again.capacity.free_session_budget == document.capacity.free_session_budget
    assert again.waves == document.waves


def test_the_state_store_reader_accepts_our_waves(document: PlanDocument) -> None:
    waves = parse_plan_waves(plan_to_dict(document))
    assert [w.agents for w in waves] == [w.agents for w in document.waves]


def test_capacity_only_plan_has_empty_lists() -> None:
    data = plan_to_dict(PlanDocument(plan_capacity(CapacityInputs(peak_sessions=10))))
    assert data["waves"] == [] and data["unschedulable"] == []
    assert data["capacity"]["headends"][0]["pool"]["name"] == "HS-POOL-ASA-01"


def broken(document: PlanDocument, path: str, value: object) -> dict[str, object]:
    data = json.loads(json.dumps(plan_to_dict(document)))
    *parents, last = path.split(".")
    target = data
    for key in parents:
        target = target[int(key)] if key.isdigit() else target[key]
    if value is ...:
        del target[last]
    else:
        target[last] = value
    return data


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("version", 2, "unsupported plan version 2"),
        ("capacity.peak_sessions", ..., "capacity.peak_sessions is missing"),
        ("capacity.headends.0.pool", None, r"capacity.headends\[1\].pool must be an object"),
        ("capacity.throughput_ok", "yes", "capacity.throughput_ok has the wrong type"),
        ("waves.0.number", True, r"waves\[1\].number has the wrong type"),
        ("waves.1.agents", [1], r"waves\[2\].agents must be a list of strings"),
        ("inputs.headcount_per_shift", {"06:00-14:30": "many"}, "must be counts"),
        ("unschedulable", {}, "unschedulable has the wrong type"),
    ],
)
def test_broken_plans_are_named(
    document: PlanDocument, path: str, value: object, message: str
) -> None:
    with pytest.raises(PlanError, match=message):
        plan_from_dict(broken(document, path, value), "plan.json")


def test_unreadable_file_is_a_plan_error(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text("{not json")
    with pytest.raises(PlanError, match="cannot read plan file"):
        read_plan(path)
    with pytest.raises(PlanError, match="cannot read plan file"):
        read_plan(tmp_path / "missing.json")
