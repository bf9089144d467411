"""The inventory plugin's core: hosts, vars and groups from roster + plan, and its refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from homeshift.inventory_roster import RosterInventoryError, roster_hosts
from homeshift.planning.capacity import capacity_inputs_from_roster, plan_capacity
from homeshift.planning.planfile import PlanDocument, write_plan
from homeshift.planning.waves import plan_waves
from homeshift.roster import load_roster, write_roster
from homeshift.sample import generate_agents

FIXTURES = Path(__file__).parent / "fixtures" / "roster"


@pytest.fixture
def roster_and_plan(tmp_path: Path) -> tuple[Path, Path]:
    roster_path = tmp_path / "roster.csv"
    write_roster(generate_agents(120, seed=9), roster_path)
    roster = load_roster(roster_path)
    capacity = plan_capacity(capacity_inputs_from_roster(roster))
    waves = plan_waves(roster, capacity, 3)
    plan_path = write_plan(
        PlanDocument(capacity, waves.waves, waves.unschedulable), tmp_path / "plan.json"
    )
    return roster_path, plan_path


def test_every_desktop_is_a_host_in_its_wave_group(roster_and_plan: tuple[Path, Path]) -> None:
    roster_path, plan_path = roster_and_plan
    hosts = roster_hosts(roster_path, plan_path)
    plan = json.loads(plan_path.read_text())
    wave_of = {a: w["number"] for w in plan["waves"] for a in w["agents"]}
    assert len(hosts) == 120
    for host in hosts:
        agent = host.variables["homeshift_agent"]
        wave = wave_of.get(str(agent))
        assert host.variables["homeshift_wave"] == wave
        assert (f"wave_{wave}" if wave else "unscheduled") in host.groups
        assert "ansible_host" not in host.variables
    assert sum("unscheduled" in h.groups for h in hosts) == len(plan["unschedulable"])


def test_plan_naming_agents_outside_the_roster_is_refused(
    roster_and_plan: tuple[Path, Path], tmp_path: Path
) -> None:
    roster_path, plan_path = roster_and_plan
    data = json.loads(plan_path.read_text())
    data["waves"][0]["agents"].append("E9999999")
    other = tmp_path / "other.json"
    other.write_text(json.dumps(data))
    with pytest.raises(RosterInventoryError, match=r"1 agent\(s\) not in roster .*E9999999"):
        roster_hosts(roster_path, other)


def test_broken_inputs_are_refused_with_the_reason(tmp_path: Path) -> None:
    with pytest.raises(RosterInventoryError, match="6 problem"):
        roster_hosts(FIXTURES / "broken.csv")
    with pytest.raises(RosterInventoryError, match="No such file"):
        roster_hosts(tmp_path / "missing.csv")
    bad_plan = tmp_path / "plan.json"
    bad_plan.write_text(json.dumps({"version": 7, "waves": []}))
    with pytest.raises(RosterInventoryError, match="unsupported plan version 7"):
        roster_hosts(FIXTURES / "valid.csv", bad_plan)
