"""``homeshift lab up/status/users/fault/down`` with ASA headends, through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from asa_lab_support import TEST_PORT, address_offset
from typer.testing import CliRunner

from homeshift.cli import app
from homeshift.lab.runtime import running_lab, stop_lab

pytestmark = pytest.mark.lab


def test_lab_up_status_users_fault_down(tmp_path: Path) -> None:
    runner = CliRunner()
    lab_dir = tmp_path / "lab"
    base = ["--dir", str(lab_dir)]
    try:
        up = runner.invoke(
            app,
            [
                "lab",
                "up",
                "--headends",
                "2",
                "--spares",
                "1",
                "--asa-port",
                str(TEST_PORT),
                "--asa-address-offset",
                str(address_offset()),
                "--asa-model",
                "ASAv10",
                *base,
            ],
        )
        assert up.exit_code == 0, up.output
        inventory = yaml.safe_load((lab_dir / "inventory.yml").read_text())
        children = inventory["all"]["children"]
        assert sorted(children["headends"]["hosts"]) == ["asa-01", "asa-02"]
        assert list(children["spare_headends"]["hosts"]) == ["asa-03"]
        assert children["headends"]["hosts"]["asa-01"]["homeshift_lab_licensed_peers"] == 250

        status = runner.invoke(app, ["lab", "status", *base])
        assert status.exit_code == 0, status.output
        info = json.loads(status.output)
        assert info["groups"] == {"headends": 2, "spare_headends": 1}
        assert "asa.connect_users" in info["operations"]

        users = runner.invoke(app, ["lab", "users", "connect", "5", *base])
        assert users.exit_code == 0, users.output
        assert json.loads(users.output)["refusals_by_reason"] == {"no_participating_member": 5}

        injected = runner.invoke(app, ["lab", "fault", "asa-02", "slow", "delay_s=0.5", *base])
        assert injected.exit_code == 0, injected.output
        assert json.loads(injected.output)["slow_delay_s"] == 0.5
        cleared = runner.invoke(app, ["lab", "fault", "clear", "asa-02", *base])
        assert json.loads(cleared.output)["slow_delay_s"] == 0.0
        bad = runner.invoke(app, ["lab", "fault", "asa-02", "melt", *base])
        assert bad.exit_code == 1

        none = runner.invoke(app, ["lab", "users", "disconnect", "--all", *base])
        assert json.loads(none.output)["disconnected"] == 0

        down = runner.invoke(app, ["lab", "down", *base])
        assert down.exit_code == 0
        assert running_lab(lab_dir) is None
    finally:
        stop_lab(lab_dir)
