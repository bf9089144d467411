"""playbooks/headends.yml and scale_out.yml run by ansible-playbook against the ASA lab."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from asa_converge_support import CLUSTER_KEY, ConvergeLab

from homeshift.asa.config import parse_running_config

pytestmark = [pytest.mark.lab, pytest.mark.playbook]


def _recap(output: str) -> dict[str, dict[str, int]]:
    recap: dict[str, dict[str, int]] = {}
    for host, counts in re.findall(r"^(\S+)\s+:\s+(ok=.*)$", output, re.M):
        recap[host] = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", counts)}
    return recap


def _secrets(lab: ConvergeLab) -> list[str]:
    values = [CLUSTER_KEY]
    for name in lab.group("headends") + lab.group("spare_headends"):
        host = lab.host_vars(name)
        values += [host["ansible_password"], host["ansible_become_password"]]
    return values


def test_headends_converge_then_second_run_changes_and_sends_nothing(
    converge_lab: ConvergeLab, tmp_path: Path
) -> None:
    converge_lab.wipe()
    logs = tmp_path / "logs"
    first = converge_lab.playbook(
        "headends.yml",
        "-vvv",
        "-e",
        f"ras_headend_session_log={logs}/first-{{{{ inventory_hostname }}}}.log",
    )
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-2000:]
    assert "cluster key *****" in first.stdout  # the line is reported, its value masked
    recap = _recap(first.stdout)
    assert recap["asa-01"]["changed"] == 1 and recap["asa-02"]["changed"] == 1
    for name in ("asa-01", "asa-02"):
        config = parse_running_config(converge_lab.running(name))
        assert config.load_balancing and config.load_balancing.participate
        assert config.pools[0].name == f"HS-POOL-{name.upper()}"

    second = converge_lab.playbook(
        "headends.yml",
        "-vvv",
        "-e",
        f"ras_headend_session_log={logs}/second-{{{{ inventory_hostname }}}}.log",
    )
    assert second.returncode == 0, second.stdout[-3000:]
    recap = _recap(second.stdout)
    assert recap["asa-01"]["changed"] == 0 and recap["asa-02"]["changed"] == 0
    assert '"lines_sent": 0' in second.stdout and '"lines_sent": 1' not in second.stdout
    for name in ("asa-01", "asa-02"):
        assert "(config-" not in (logs / f"second-{name}.log").read_text()
    # no secret anywhere: -vvv output, session logs
    everything = first.stdout + first.stderr + second.stdout + second.stderr
    everything += "".join(p.read_text() for p in logs.iterdir())
    for secret in _secrets(converge_lab):
        assert secret not in everything


def test_check_mode_with_diff_shows_drift_and_changes_nothing(converge_lab: ConvergeLab) -> None:
    converge_lab.converge()
    cli = converge_lab.cli("asa-02")
    try:
        cli.configure(["vpn load-balancing", " priority 3"])
    finally:
        cli.close()
    drifted = converge_lab.running("asa-02")
    checked = converge_lab.playbook("headends.yml", "--check", "--diff")
    assert checked.returncode == 0, checked.stdout[-3000:]
    assert "vpn load-balancing" in checked.stdout and " priority 9" in checked.stdout
    assert converge_lab.running("asa-02") == drifted
    assert _recap(checked.stdout)["asa-02"]["changed"] == 1
    assert _recap(checked.stdout)["asa-01"]["changed"] == 0  # only the drifted member differs


def test_rejected_line_fails_the_run_with_the_device_message(converge_lab: ConvergeLab) -> None:
    converge_lab.converge()
    cli = converge_lab.cli("asa-01")
    try:
        cli.configure(
            ["group-policy HS-GP-HOMEOFFICE attributes", " split-tunnel-policy tunnelspecified"]
        )
    finally:
        cli.close()
    before = converge_lab.running("asa-01")
    converge_lab.call(
        "asa.inject_fault", host="asa-01", fault="reject_command", command="split-tunnel-policy"
    )
    try:
        run = converge_lab.playbook("headends.yml")
    finally:
        converge_lab.call("asa.clear_faults", host="asa-01")
    assert run.returncode != 0
    assert "device rejected" in run.stdout and "ERROR" in run.stdout
    assert converge_lab.running("asa-01") == before


def test_scale_out_adds_a_member_that_takes_sessions(
    converge_lab: ConvergeLab, tmp_path: Path
) -> None:
    converge_lab.converge()
    converge_lab.wipe("asa-03")
    summary_path = tmp_path / "scale-out.json"
    run = converge_lab.playbook(
        "scale_out.yml",
        "-e",
        "homeshift_add_headends=1",
        "-e",
        f"homeshift_summary_path={summary_path}",
        "-e",
        f"homeshift_lab_dir={converge_lab.lab_dir}",
        "-e",
        "homeshift_lab_test_users=60",
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    summary = json.loads(summary_path.read_text())
    assert summary["ok"] is True
    assert summary["added_headends"] == ["asa-03"]
    assert summary["converged"] == ["asa-03"]
    assert summary["capacity_after"]["session_limit"] > summary["capacity_before"]["session_limit"]
    assert summary["sessions_on_new_members"]["asa-03"] > 0
    new_pool = summary["pools"]["asa-03"]
    config = parse_running_config(converge_lab.running("asa-03"))
    assert config.pools[0].name == new_pool["name"]
    assert config.load_balancing and config.load_balancing.participate
    for other in ("asa-01", "asa-02"):
        assert not config.pools[0].overlaps(
            parse_running_config(converge_lab.running(other)).pools[0]
        )
    text = summary_path.read_text() + run.stdout + run.stderr
    for secret in _secrets(converge_lab):
        assert secret not in text


def test_scale_out_failure_exits_non_zero_with_a_summary(
    converge_lab: ConvergeLab, tmp_path: Path
) -> None:
    converge_lab.converge()
    converge_lab.wipe("asa-03")
    before = converge_lab.running("asa-03")
    summary_path = tmp_path / "failed.json"
    converge_lab.call(
        "asa.inject_fault", host="asa-03", fault="reject_command", command="^participate"
    )
    try:
        run = converge_lab.playbook(
            "scale_out.yml",
            "-e",
            "homeshift_target_users=1300",
            "-e",
            f"homeshift_summary_path={summary_path}",
        )
    finally:
        converge_lab.call("asa.clear_faults", host="asa-03")
    assert run.returncode != 0
    summary = json.loads(summary_path.read_text())
    assert summary["ok"] is False and summary["failed"] == ["asa-03"]
    assert summary["added_headends"] == ["asa-03"] and summary["converged"] == []
    assert "device rejected" in run.stdout
    assert converge_lab.running("asa-03") == before  # rolled back


def test_dropped_session_fails_the_host_and_the_next_run_converges(
    converge_lab: ConvergeLab,
) -> None:
    converge_lab.wipe("asa-01")
    converge_lab.converge("asa-02")
    converge_lab.call("asa.inject_fault", host="asa-01", fault="drop_after_commands", n=14)
    try:
        dropped = converge_lab.playbook("headends.yml", "-e", "ras_headend_read_timeout=3")
    finally:
        converge_lab.call("asa.clear_faults", host="asa-01")
    assert dropped.returncode != 0
    assert _recap(dropped.stdout)["asa-01"]["failed"] == 1
    # canary batch of one: asa-02 is in the next batch and is not touched after the failure
    assert "asa-02" not in _recap(dropped.stdout)
    again = converge_lab.playbook("headends.yml")
    assert again.returncode == 0, again.stdout[-3000:]
    recap = _recap(again.stdout)
    assert recap["asa-01"]["changed"] == 1 and recap["asa-02"]["changed"] == 0
    assert "tunnel-group HS-TG-HOMEOFFICE" in converge_lab.running("asa-01")
