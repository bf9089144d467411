"""`homeshift desktop-lab ...` against a running lab."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner
from windows_lab_support import WindowsLab

from homeshift.cli import app

pytestmark = pytest.mark.lab


def test_fault_show_stats_clear(windows_lab: WindowsLab) -> None:
    runner = CliRunner()
    lab_dir = str(windows_lab.handle.lab_dir)
    name = windows_lab.name(0)
    injected = runner.invoke(
        app, ["desktop-lab", "fault", name, "slow_receive", "delay_s=0.5", "--dir", lab_dir]
    )
    assert injected.exit_code == 0, injected.output
    assert json.loads(injected.output)["faults"] == {"slow_receive_s": 0.5}
    shown = runner.invoke(app, ["desktop-lab", "show", name, "--dir", lab_dir])
    assert json.loads(shown.output)["faults"] == {"slow_receive_s": 0.5}
    cleared = runner.invoke(app, ["desktop-lab", "clear", name, "--dir", lab_dir])
    assert json.loads(cleared.output)["cleared"] == [name]
    stats = runner.invoke(app, ["desktop-lab", "stats", name, "--dir", lab_dir])
    assert set(json.loads(stats.output)) == {"host", "http_requests", "commands", "agent_runs"}


def test_bad_fault_exits_1_with_the_reason(windows_lab: WindowsLab) -> None:
    result = CliRunner().invoke(
        app,
        [
            "desktop-lab",
            "fault",
            windows_lab.name(0),
            "meteor",
            "--dir",
            str(windows_lab.handle.lab_dir),
        ],
    )
    assert result.exit_code == 1
    assert "unknown fault 'meteor'" in result.output
