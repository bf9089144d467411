"""Scheduled convergence on the lab: a re-run repairs drift and the drift report names it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from homeshift.lab.runtime import start_lab, stop_lab
from homeshift.lab.spec import LabSpec

REPO = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.lab, pytest.mark.playbook]


def desktops_playbook(inventory: Path, report: Path) -> subprocess.CompletedProcess[str]:
    venv_bin = Path(sys.executable).parent
    env = {
        **os.environ,
        "PATH": f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}",
        "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"),
        "ANSIBLE_CALLBACKS_ENABLED": "homeshift.core.drift_report",
        "HOMESHIFT_DRIFT_REPORT": str(report),
        "ANSIBLE_NOCOLOR": "1",
    }
    return subprocess.run(
        [
            str(venv_bin / "ansible-playbook"),
            "-i",
            str(inventory),
            str(REPO / "playbooks" / "desktops.yml"),
            "-e",
            "homeshift_vpn_cluster_address=198.51.100.200",
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_rerun_repairs_a_stopped_vpn_agent_and_reports_the_drift(tmp_path: Path) -> None:
    lab_dir = tmp_path / "lab"
    handle = start_lab(
        lab_dir, LabSpec({"windows": {"desktops": 3, "address_offset": "auto", "https": False}})
    )
    try:
        first = desktops_playbook(handle.inventory, tmp_path / "first.json")
        assert first.returncode == 0, first.stdout[-3000:]
        assert set(json.loads((tmp_path / "first.json").read_text())["drifted_hosts"]) == set(
            yaml.safe_load(handle.inventory.read_text())["all"]["children"]["desktops"]["hosts"]
        )  # the first run converges everything: every desktop "drifted" from nothing

        quiet = desktops_playbook(handle.inventory, tmp_path / "quiet.json")
        assert json.loads((tmp_path / "quiet.json").read_text())["drifted_hosts"] == []
        assert "no drift" in quiet.stdout

        victim = "WS-D0000002"
        handle.call("windows.mutate", host=victim, action="stop_service", name="csc_vpnagent")
        repair = desktops_playbook(handle.inventory, tmp_path / "repair.json")
        assert repair.returncode == 0, repair.stdout[-3000:]
        report = json.loads((tmp_path / "repair.json").read_text())
        assert report["drifted_hosts"] == [victim]
        assert any("service" in str(c.get("changed_resources")) for c in report["changes"])
        assert "drift repaired on 1 host(s)" in repair.stdout
        desktop = handle.call("windows.desktop", host=victim)
        assert desktop["services"]["csc_vpnagent"]["status"] == "Running"
    finally:
        stop_lab(lab_dir)
