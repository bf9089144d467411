"""The homeshift.core.roster inventory plugin, run by a real ansible-inventory from the checkout."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from homeshift.inventory_roster import group_name

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "unit" / "fixtures" / "roster"


def ansible_inventory(*args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"),
        "ANSIBLE_INVENTORY_UNPARSED_FAILED": "true",
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
    }
    return subprocess.run(
        ["ansible-inventory", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def plain(value: object) -> object:
    """Roster text reaches Ansible marked unsafe (never templated); compare the plain values."""
    if isinstance(value, dict):
        if set(value) == {"__ansible_unsafe"}:
            return value["__ansible_unsafe"]
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


@pytest.fixture(scope="module")
def example_list() -> dict[str, object]:
    proc = ansible_inventory("-i", "inventory/roster.example.yml", "--list")
    assert proc.returncode == 0, proc.stderr
    data = plain(json.loads(proc.stdout))
    assert isinstance(data, dict)
    return data


def test_example_hosts_vars_and_groups(example_list: dict[str, object]) -> None:
    hostvars = example_list["_meta"]["hostvars"]  # type: ignore[index]
    roster_lines = (REPO / "inventory" / "roster.example.csv").read_text().splitlines()
    assert len(hostvars) == len(roster_lines) - 1
    host = hostvars["BER-D0000001"]
    assert host["homeshift_agent"] == "E0000001"
    assert host["homeshift_team"] == "BER-T0001"
    assert host["homeshift_site"] == "Berlin"
    assert host["homeshift_wave"] in (1, 2, 3)
    assert "ansible_host" not in host
    assert host["homeshift_has_consent"] is (host["homeshift_consent_date"] is not None)
    groups = set(example_list)
    assert {"wave_1", "wave_2", "wave_3", "team_ber_t0001", "site_berlin"} <= groups
    assert any(g.startswith("shift_") for g in groups)  # keyed_groups from the example
    wave_of = {h: v["homeshift_wave"] for h, v in hostvars.items()}
    plan = json.loads((REPO / "inventory" / "plan.example.json").read_text())
    unscheduled = {u["employee_id"] for u in plan["unschedulable"]}
    for name, vars_ in hostvars.items():
        expected = None if vars_["homeshift_agent"] in unscheduled else wave_of[name]
        assert vars_["homeshift_wave"] == expected
    assert len(example_list["unscheduled"]["hosts"]) == len(unscheduled)  # type: ignore[index]


def test_graph_without_a_plan_combined_with_a_connection_inventory(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "valid.csv", tmp_path / "r.csv")
    config = tmp_path / "site.roster.yml"
    config.write_text("plugin: homeshift.core.roster\nroster: r.csv\n")
    # the other inventory knows how to reach the desktop; combining them is how they meet
    connection = tmp_path / "desktops.yml"
    connection.write_text("all:\n  hosts:\n    BER-D002:\n      ansible_host: 127.0.0.9\n")
    proc = ansible_inventory("-i", str(config), "-i", str(connection), "--graph", "--vars")
    assert proc.returncode == 0, proc.stderr
    assert "@unscheduled:" in proc.stdout
    assert "@office_lej_1:" in proc.stdout
    assert "@wave_" not in proc.stdout
    host_block = proc.stdout.split("BER-D002", 1)[1].split("--BER-D003", 1)[0]
    assert "{ansible_host = 127.0.0.9}" in host_block
    assert "{homeshift_agent = E002}" in host_block
    assert "{homeshift_wave = None}" in host_block


def test_invalid_roster_fails_with_every_problem(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "broken.csv", tmp_path / "r.csv")
    config = tmp_path / "bad.roster.yml"
    config.write_text("plugin: homeshift.core.roster\nroster: r.csv\n")
    proc = ansible_inventory("-i", str(config), "--list")
    assert proc.returncode != 0
    for fragment in ("6 problem(s)", "row 3, column employee_id", "row 7, column team"):
        assert fragment in proc.stderr


def test_group_names_are_sanitised() -> None:
    assert group_name("team", "BER-T0001") == "team_ber_t0001"
    assert group_name("site", "Köln Süd") == "site_k_ln_s_d"
