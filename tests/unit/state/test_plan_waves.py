"""Plan files as the store sees them: the planner's reader, waves only, clear errors."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from store_scenarios import make_roster
from typer.testing import CliRunner

from homeshift.cli import app
from homeshift.roster import write_roster
from homeshift.state import Store
from homeshift.state.plan import PlanFileError, PlannedWave, parse_plan_waves, read_plan_waves

DOC = Path(__file__).resolve().parents[3] / "docs" / "plan-file.md"


def documented_plan() -> dict[str, Any]:
    """The example plan in docs/plan-file.md (keeps the docs and the reader honest)."""
    match = re.search(r"```json\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert match, "docs/plan-file.md lost its JSON example"
    data: dict[str, Any] = json.loads(match.group(1))
    return data


def test_documented_plan_reads(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(documented_plan()))
    assert read_plan_waves(path) == (PlannedWave(1, ("BER-T0003",), ("E0000031",)),)


def test_broken_plans_are_refused_with_the_reason(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    plan = documented_plan()
    plan["waves"].append(dict(plan["waves"][0]))
    path.write_text(json.dumps(plan))
    with pytest.raises(PlanFileError, match="more than once"):
        read_plan_waves(path)
    del plan["capacity"]
    path.write_text(json.dumps(plan))
    with pytest.raises(PlanFileError, match="capacity"):
        read_plan_waves(path)
    path.write_text("{not json")
    with pytest.raises(PlanFileError, match="cannot read"):
        read_plan_waves(path)
    with pytest.raises(PlanFileError, match="version 2"):
        parse_plan_waves({"version": 2, "waves": []})
    with pytest.raises(PlanFileError, match=r"wave entry 1.*positive integer"):
        parse_plan_waves({"version": 1, "waves": [{"number": 0, "teams": [], "agents": []}]})


def test_state_sync_with_plan_assigns_waves(tmp_path: Path) -> None:
    roster = make_roster(8, teams=2)
    write_roster(roster, tmp_path / "roster.csv")
    plan = documented_plan()
    team_agents = [a.employee_id for a in roster.teams()["BER-T001"]]
    plan["waves"] = [{"number": 1, "teams": ["BER-T001"], "agents": team_agents,
                      "headcount": 4, "sessions": 4}]  # fmt: skip
    (tmp_path / "plan.json").write_text(json.dumps(plan))
    url = f"sqlite:///{tmp_path / 'st.db'}"
    result = CliRunner().invoke(
        app,
        ["state", "sync", "--roster", str(tmp_path / "roster.csv"),
         "--plan", str(tmp_path / "plan.json"), "--store", url],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "4 agent(s) assigned to waves" in " ".join(result.output.split())  # rich wraps
    with Store.open(url) as store:
        assert [a.employee_id for a in store.agents(wave=1)] == team_agents
    plan["waves"][0]["agents"].append("E99999")
    (tmp_path / "plan.json").write_text(json.dumps(plan))
    result = CliRunner().invoke(
        app,
        ["state", "sync", "--roster", str(tmp_path / "roster.csv"),
         "--plan", str(tmp_path / "plan.json"), "--store", url],
    )  # fmt: skip
    assert result.exit_code == 1 and "E99999" in result.output
    with Store.open(url) as store:
        assert len(store.runs()) == 1  # only the first sync ran; the refused one wrote nothing
