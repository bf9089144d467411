"""``homeshift headends render``: lines from the plan, key masked, bad input named."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from homeshift.cli.headends import app
from homeshift.planning.capacity import CapacityInputs, ExistingHeadend, plan_capacity
from homeshift.planning.planfile import PlanDocument, write_plan

runner = CliRunner()


def _plan(tmp_path: Path) -> Path:
    plan = plan_capacity(
        CapacityInputs(peak_sessions=10, existing=(ExistingHeadend("asa-01", "ASAv30", 750),))
    )
    return write_plan(PlanDocument(capacity=plan), tmp_path / "plan.json")


def test_render_prints_the_headend_lines_with_the_key_masked(tmp_path: Path) -> None:
    plan = _plan(tmp_path)
    args = ["render", "--host", "asa-01", "--plan", str(plan), "--cluster-ip", "198.51.100.200"]
    result = runner.invoke(app, args, env={"HOMESHIFT_CLUSTER_KEY": "Cli-Key-42"})
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("ip local pool HS-POOL-ASA-01 ")
    assert " cluster key *****" in lines and "Cli-Key-42" not in result.output
    running = tmp_path / "running.txt"
    running.write_text("\n".join(lines).replace("tunnelall", "tunnelspecified") + "\n")
    drift = runner.invoke(app, [*args, "--running-config", str(running)])
    assert drift.exit_code == 0, drift.output
    assert drift.stdout.splitlines() == [
        "group-policy HS-GP-HOMEOFFICE attributes",
        " split-tunnel-policy tunnelall",
    ]


def test_unknown_host_and_bad_plan_fail_with_a_message(tmp_path: Path) -> None:
    plan = _plan(tmp_path)
    result = runner.invoke(
        app, ["render", "--host", "asa-07", "--plan", str(plan), "--cluster-ip", "192.0.2.1"]
    )
    assert result.exit_code == 1 and "asa-07 is not in the plan" in result.output
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    result = runner.invoke(
        app, ["render", "--host", "asa-01", "--plan", str(bad), "--cluster-ip", "192.0.2.1"]
    )
    assert result.exit_code == 1 and "cannot read plan file" in result.output
