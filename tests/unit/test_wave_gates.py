"""Wave gates (migration.gates) and the outcome document (migration.wave_run)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from homeshift.migration.gates import (
    NO_DECLARATION,
    UNREACHABLE,
    GateError,
    PlannedWaveDemand,
    gate_wave,
)
from homeshift.migration.wave_run import (
    WaveRunError,
    build_outcome,
    failed_outcome,
    gate_from_dict,
    gate_to_dict,
    headend_loads_from_facts,
    preflight_verdicts,
    read_outcome,
    write_outcome,
)
from homeshift.readiness import DesktopVerdict, HeadendLoad, Light, Thresholds
from homeshift.roster import parse_roster

HEADER = "employee_id,name,team,team_lead_email,site,operating_office,desktop,shift,consent_date"


def roster_of(rows: list[tuple[str, str, str]]):  # type: ignore[no-untyped-def]
    lines = [HEADER] + [
        f"{eid},Agent {eid},BER-T1,lead@example.com,Berlin,BER-1,{desk},06:00-14:30,{consent}"
        for eid, desk, consent in rows
    ]
    return parse_roster(lines)


ROSTER = roster_of(
    [
        ("E1", "D1", "2026-11-01"),
        ("E2", "D2", "2026-11-01"),
        ("E3", "D3", ""),
        ("E4", "D4", "2026-11-01"),
        ("E5", "D5", "2026-11-01"),
    ]
)
PLAN = (
    PlannedWaveDemand(1, ("E1", "E2", "E3", "E4", "E5"), 5),
    PlannedWaveDemand(2, (), 0),
)
ALL_OK = {f"D{i}": DesktopVerdict(f"D{i}", True) for i in range(1, 6)}
ROOMY = (HeadendLoad("asa-01", 0, 100), HeadendLoad("asa-02", 10, 100))


def test_every_agent_ends_in_exactly_one_list_with_its_reason() -> None:
    preflight = dict(ALL_OK)
    del preflight["D4"]  # unreachable: no verdict
    preflight["D5"] = DesktopVerdict("D5", False, ("C: has 2 GB free",))
    gate = gate_wave(1, PLAN, ROSTER, {}, preflight, ROOMY, moved={"E2"})

    assert [a.employee_id for a in gate.go] == ["E1"]
    assert gate.go_hosts == ("D1",)
    assert gate.already_moved == ("E2",)
    assert {(h.employee_id, h.desktop, h.reason) for h in gate.held} == {
        ("E3", "D3", NO_DECLARATION),
        ("E4", "D4", UNREACHABLE),
        ("E5", "D5", "desktop preflight failed: C: has 2 GB free"),
    }
    assert gate.blocked is None


def test_store_consent_overrides_the_roster_both_ways() -> None:
    consent = {"E1": None, "E3": date(2026, 11, 30)}  # E1 revoked, E3 signed since
    gate = gate_wave(1, PLAN, ROSTER, consent, ALL_OK, ROOMY)
    assert "E3" in {a.employee_id for a in gate.go}
    assert [(h.employee_id, h.reason) for h in gate.held] == [("E1", NO_DECLARATION)]


def test_hostnames_match_case_insensitively() -> None:
    preflight = {k.lower(): v for k, v in ALL_OK.items()}
    gate = gate_wave(1, PLAN, ROSTER, {"E3": date(2026, 1, 1)}, preflight, ROOMY)
    assert len(gate.go) == 5


def test_capacity_red_holds_the_whole_wave_with_one_reason() -> None:
    tight = (HeadendLoad("asa-01", 78, 100),)  # budget 80, 2 free; 4 agents need 4 sessions
    gate = gate_wave(1, PLAN, ROSTER, {}, ALL_OK, tight)
    assert gate.go == ()
    assert gate.capacity_light is Light.RED
    reasons = {h.reason for h in gate.held}
    assert reasons == {"headend capacity: wave needs 4 sessions, 2 free"}
    assert [h.employee_id for h in gate.held] == ["E1", "E2", "E3", "E4", "E5"]


def test_capacity_without_headroom_is_yellow_and_goes() -> None:
    fits = (HeadendLoad("asa-01", 76, 100),)  # 4 free, 4 needed, no 10 % headroom
    gate = gate_wave(1, PLAN, ROSTER, {}, ALL_OK, fits)
    assert gate.capacity_light is Light.YELLOW
    assert len(gate.go) == 4


def test_sessions_scale_with_the_agents_moving_now() -> None:
    plan = (PlannedWaveDemand(1, ("E1", "E2", "E3", "E4", "E5"), 3),)  # concurrency 0.6
    gate = gate_wave(1, plan, ROSTER, {}, ALL_OK, ROOMY, moved={"E1", "E2"})
    assert gate.sessions_needed == 2  # ceil(3 * 2 / 5): E4, E5 move (E3 has no declaration)


def test_overloaded_headend_with_no_room_to_rebalance_holds_the_wave() -> None:
    loads = (HeadendLoad("asa-01", 95, 100), HeadendLoad("asa-02", 0, 0))
    gate = gate_wave(1, PLAN, ROSTER, {}, ALL_OK, loads, thresholds=Thresholds())
    assert gate.go == ()
    assert all("headend capacity" in h.reason for h in gate.held)
    assert "over its load threshold" in gate.held[0].reason


def test_no_headend_facts_blocks_the_wave() -> None:
    gate = gate_wave(1, PLAN, ROSTER, {}, ALL_OK, ())
    assert gate.blocked and "no live facts" in gate.blocked
    assert gate.go == () and len(gate.held) == 5
    outcome = build_outcome(gate, {}, {})
    assert outcome["ok"] is False and "no live facts" in outcome["message"]


def test_unknown_wave_and_unknown_agent() -> None:
    with pytest.raises(GateError, match="wave 7 is not in the plan"):
        gate_wave(7, PLAN, ROSTER, {}, ALL_OK, ROOMY)
    plan = (PlannedWaveDemand(1, ("E1", "E9"), 2),)
    gate = gate_wave(1, plan, ROSTER, {}, ALL_OK, ROOMY)
    assert [(h.employee_id, h.reason) for h in gate.held] == [("E9", "not in the roster")]


def test_outcome_moves_only_verified_green_and_holds_the_rest() -> None:
    gate = gate_wave(1, PLAN, ROSTER, {"E3": date(2026, 1, 1)}, ALL_OK, ROOMY, moved={"E5"})
    provisioning = {
        "D1": {"failed": False},
        "D2": {"failed": True, "msg": "msiexec 1603"},
        "D3": {"unreachable": True},
        "D4": {"failed": False},
    }
    verdicts = {
        "D1": DesktopVerdict("D1", True),
        "D4": DesktopVerdict("D4", False, ("vpn-profile: content differs",)),
    }
    outcome = build_outcome(gate, provisioning, verdicts)
    assert outcome["ok"] is True
    assert outcome["moved"] == ["E1"]
    assert outcome["already_moved"] == ["E5"]
    assert outcome["failed_hosts"] == ["D2", "D3"]
    assert outcome["verification"] == {"verified": 1, "failed": 1}
    held = {h["employee_id"]: h["reason"] for h in outcome["held"]}
    assert held == {
        "E2": "provisioning failed: msiexec 1603",
        "E3": "provisioning failed: desktop unreachable",
        "E4": "verification failed: vpn-profile: content differs",
    }


def test_gate_round_trips_through_the_task_result() -> None:
    gate = gate_wave(1, PLAN, ROSTER, {}, ALL_OK, ROOMY, moved={"E2"})
    data = json.loads(json.dumps(gate_to_dict(gate)))
    back = gate_from_dict(data)
    assert (back.go, back.held, back.already_moved) == (gate.go, gate.held, gate.already_moved)


def test_facts_to_loads_and_verdicts() -> None:
    facts = {
        "asa-02": {
            "sessions": {"anyconnect_active": 3, "capacity": 750},
            "load_balancing": {"status": "Enabled"},
        },
        "asa-01": {"sessions": {"anyconnect_active": 0, "capacity": 750}, "load_balancing": None},
        "asa-03": None,  # unreachable
    }
    assert headend_loads_from_facts(facts) == (
        HeadendLoad("asa-01", 0, 0),
        HeadendLoad("asa-02", 3, 750),
    )
    verdicts = preflight_verdicts(
        {
            "D1": {"status": "ok"},
            "D2": {"status": "failed", "reason": "agent exit 1"},
            "D3": {"status": "unreachable", "reason": "timed out"},
            "D4": None,
        }
    )
    assert verdicts == {
        "D1": DesktopVerdict("D1", True),
        "D2": DesktopVerdict("D2", False, ("agent exit 1",)),
    }


def test_outcome_is_written_atomically(tmp_path: Path) -> None:
    path = tmp_path / "out" / "wave-3.json"
    write_outcome(path, failed_outcome(3, "plan missing"))
    assert json.loads(path.read_text())["message"] == "plan missing"
    assert [p.name for p in path.parent.iterdir()] == ["wave-3.json"]


def test_the_loop_reads_the_outcome_back(tmp_path: Path) -> None:
    gate = gate_wave(1, PLAN, ROSTER, {}, ALL_OK, ROOMY, moved={"E5"})
    provisioning = {d: {"failed": False} for d in gate.go_hosts}
    verdicts = {d: DesktopVerdict(d, True) for d in gate.go_hosts}
    path = write_outcome(tmp_path / "wave-1.json", build_outcome(gate, provisioning, verdicts))
    outcome = read_outcome(path)
    assert outcome.number == 1 and outcome.ok
    assert outcome.moved == ("E1", "E2", "E4")
    assert outcome.held == (("E3", NO_DECLARATION),)
    assert outcome.verification.verified == 3


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"version": 2}, "unsupported outcome version 2"),
        ({"moved": "E1"}, "'moved' must be a list of strings"),
        ({"held": [{"employee_id": "E1"}]}, "held entry 1 needs employee_id and reason"),
        ({"verification": {"verified": "x"}}, "counts must be integers"),
    ],
)
def test_a_malformed_outcome_is_refused_with_the_field(
    tmp_path: Path, change: dict[str, object], message: str
) -> None:
    path = tmp_path / "wave-4.json"
    path.write_text(json.dumps({**failed_outcome(4, ""), **change}))
    with pytest.raises(WaveRunError, match=message) as caught:
        read_outcome(path)
    assert str(path) in str(caught.value)
