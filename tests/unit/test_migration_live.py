"""The plan a wave run sees after a merge (pure part of the ansible-runner wave runner)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from homeshift.migration.engine import WaveTask
from homeshift.migration.live import metrics_from_facts, plan_for_wave, run_playbook
from homeshift.planning.capacity import CapacityInputs, plan_capacity
from homeshift.planning.planfile import PlanDocument
from homeshift.planning.waves import Wave


def document() -> PlanDocument:
    capacity = plan_capacity(CapacityInputs(peak_sessions=60))
    return PlanDocument(
        capacity,
        (
            Wave(1, ("A",), ("a1", "a2"), 2, 2),
            Wave(2, ("B", "C"), ("b1", "c1"), 2, 2),
            Wave(3, ("D",), ("d1", "d2"), 2, 2),
        ),
    )


def test_merged_wave_takes_the_later_waves_teams() -> None:
    merged = WaveTask(2, (("B", ("b1",)), ("C", ("c1",)), ("D", ("d1", "d2"))), 4)
    plan = plan_for_wave(document(), merged)
    assert [(w.number, w.teams, w.agents) for w in plan.waves] == [
        (1, ("A",), ("a1", "a2")),
        (2, ("B", "C", "D"), ("b1", "c1", "d1", "d2")),
    ]
    assert plan.waves[1].sessions == 4


def test_unmerged_wave_leaves_the_plan_alone() -> None:
    task = WaveTask(1, (("A", ("a1", "a2")),), 2)
    assert plan_for_wave(document(), task).waves == document().waves


def test_metrics_from_lab_facts() -> None:
    facts = {
        "licensed_peers": 250,
        "sessions": {"anyconnect_active": 50, "capacity": 250},
        "pools": [{"in_use": 50, "held": 0, "free": 204}],
        "load_balancing": {"status": "enabled"},
    }
    metrics = metrics_from_facts("asa-01", facts)
    assert (metrics.active, metrics.limit, metrics.participating) == (50, 250, True)
    assert round(metrics.pool_use_pct) == 20
    assert not metrics_from_facts("asa-04", {"sessions": {}, "load_balancing": None}).participating


def test_waves_run_without_the_leaking_jsonfile_fact_cache(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """ansible-core's file cache leaks a descriptor per fact written (10,000 desktops: EMFILE)."""
    import ansible_runner

    seen: dict[str, Any] = {}

    def fake_run(**kwargs: Any) -> Any:
        seen.update(kwargs)
        return SimpleNamespace(status="successful", rc=0)

    monkeypatch.setattr(ansible_runner, "run", fake_run)
    assert run_playbook("wave.yml", [tmp_path], {"wave": 1}, tmp_path / "a", "w1") == (
        "successful",
        0,
    )
    assert seen["fact_cache_type"] != "jsonfile"
    assert seen["playbook"].endswith("playbooks/wave.yml")
