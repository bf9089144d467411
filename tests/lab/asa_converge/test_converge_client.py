"""converge() with the real netmiko transport against the ASA lab (one SSH session per run)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from asa_converge_support import CLUSTER_KEY, ConvergeLab

from homeshift.asa.config import RavpnConfig, parse_running_config
from homeshift.asa.converge import converge
from homeshift.asa.resources.pools import Pool

pytestmark = pytest.mark.lab


def _run(lab: ConvergeLab, host: str, state: str = "merged", log: Path | None = None, **kw):  # type: ignore[no-untyped-def]
    cli = lab.cli(host, session_log=log, read_timeout=kw.pop("read_timeout", 10.0))
    try:
        result = converge(
            cli,
            RavpnConfig.from_dict(kw.pop("config", None) or lab.desired(host)),
            state,
            other_pools=kw.pop("other_pools", None)
            or [Pool.from_dict(p) for p in lab.other_pools(host)],
            **kw,
        )
    finally:
        cli.close()
    return result, cli.stats


def test_empty_headend_converges_then_second_run_sends_nothing(
    converge_lab: ConvergeLab, tmp_path: Path
) -> None:
    converge_lab.wipe("asa-01")  # independent of test order
    before = parse_running_config(converge_lab.running("asa-01"))
    assert before.tunnel_groups == () and before.load_balancing is None
    first, stats = _run(converge_lab, "asa-01", log=tmp_path / "first.log")
    assert first.changed and first.saved and not first.failed, first.msg
    assert stats.sessions_opened == 1 and stats.saves == 1
    assert stats.config_lines_sent == len(first.commands) > 15
    after = parse_running_config(converge_lab.running("asa-01"))
    want = RavpnConfig.from_dict(converge_lab.desired("asa-01"))
    assert after.to_dict() == want.to_dict()
    assert first.after == want.to_dict()

    second, stats2 = _run(converge_lab, "asa-01", log=tmp_path / "second.log")
    assert not second.changed and not second.failed and second.commands == []
    assert stats2.config_lines_sent == 0 and stats2.saves == 0 and stats2.sessions_opened == 1
    second_log = (tmp_path / "second.log").read_text()
    # netmiko's session preparation enters (config) once for "terminal width"; no sub-mode
    assert "(config-" not in second_log and "(config-" in (tmp_path / "first.log").read_text()
    assert "write mem" not in second_log
    for log in (tmp_path / "first.log", tmp_path / "second.log"):
        text = log.read_text()
        assert CLUSTER_KEY not in text
        assert converge_lab.host_vars("asa-01")["ansible_password"] not in text
        assert converge_lab.host_vars("asa-01")["ansible_become_password"] not in text
    assert "cluster key" in (tmp_path / "first.log").read_text()  # the line went out, masked


def test_drift_is_repaired_and_check_mode_changes_nothing(converge_lab: ConvergeLab) -> None:
    _run(converge_lab, "asa-01")
    cli = converge_lab.cli("asa-01")
    try:  # somebody changes a line behind our back
        cli.configure(
            ["group-policy HS-GP-HOMEOFFICE attributes", " split-tunnel-policy tunnelspecified"]
        )
    finally:
        cli.close()
    drifted = converge_lab.running("asa-01")
    assert "split-tunnel-policy tunnelspecified" in drifted

    checked, stats = _run(converge_lab, "asa-01", check_mode=True)
    assert checked.changed and stats.config_lines_sent == 0
    assert checked.commands == [
        "group-policy HS-GP-HOMEOFFICE attributes",
        " split-tunnel-policy tunnelall",
    ]
    assert converge_lab.running("asa-01") == drifted

    repaired, stats = _run(converge_lab, "asa-01")
    assert repaired.changed and repaired.saved and stats.config_lines_sent == 2
    assert "split-tunnel-policy tunnelall" in converge_lab.running("asa-01")


def test_overridden_removes_unmanaged_group_policies(converge_lab: ConvergeLab) -> None:
    _run(converge_lab, "asa-01")
    cli = converge_lab.cli("asa-01")
    try:
        cli.configure(
            ["group-policy ROGUE internal", "group-policy ROGUE attributes", " vpn-idle-timeout 5"]
        )
    finally:
        cli.close()
    merged, _ = _run(converge_lab, "asa-01", "merged")
    assert not merged.changed  # merged leaves unmanaged objects alone
    overridden, _ = _run(converge_lab, "asa-01", "overridden")
    assert overridden.commands == ["clear configure group-policy ROGUE"]
    assert "group-policy ROGUE" not in converge_lab.running("asa-01")


def test_rejected_line_rolls_back_and_saves_nothing(converge_lab: ConvergeLab) -> None:
    host = "asa-02"
    cli = converge_lab.cli(host)  # netmiko adds "terminal width 511" (asa-cli.md 1.3)
    startup_before = cli.show("show startup-config")
    cli.close()
    running_before = converge_lab.running(host)
    converge_lab.call(
        "asa.inject_fault", host=host, fault="reject_command", command=r"^default-group-policy"
    )
    try:
        result, stats = _run(converge_lab, host)
    finally:
        converge_lab.call("asa.clear_faults", host=host)
    assert result.failed and result.rolled_back and not result.saved
    assert "default-group-policy HS-GP-HOMEOFFICE" in result.msg
    assert "ERROR" in result.msg
    assert result.rollback_commands and stats.saves == 0
    assert converge_lab.running(host) == running_before
    cli = converge_lab.cli(host)
    assert cli.show("show startup-config") == startup_before
    cli.close()
    assert CLUSTER_KEY not in json.dumps(result.to_dict())


def test_dropped_session_fails_then_next_run_converges(converge_lab: ConvergeLab) -> None:
    host = "asa-02"
    converge_lab.call("asa.inject_fault", host=host, fault="drop_after_commands", n=16)
    try:
        dropped, stats = _run(converge_lab, host, read_timeout=2.0)
    finally:
        converge_lab.call("asa.clear_faults", host=host)
    assert dropped.failed and not dropped.saved and stats.saves == 0
    assert "next run converges" in dropped.msg
    converged, _ = _run(converge_lab, host)
    assert converged.changed and converged.saved and not converged.failed, converged.msg
    again, stats = _run(converge_lab, host)
    assert not again.changed and stats.config_lines_sent == 0


def test_overlapping_or_too_small_pools_refused_before_sending(converge_lab: ConvergeLab) -> None:
    host = "asa-03"  # the spare, untouched so far
    converge_lab.cli(host).show("show version")  # session preparation sets terminal width
    running_before = converge_lab.running(host)
    neighbour = converge_lab.desired("asa-01")["pools"][0]
    overlapping = converge_lab.desired("asa-02")
    overlapping["pools"] = [{**neighbour, "name": "HS-POOL-ASA-03"}]
    overlapping["tunnel_groups"][0]["address_pool"] = "HS-POOL-ASA-03"
    result, stats = _run(
        converge_lab, host, config=overlapping, other_pools=[Pool.from_dict(neighbour)]
    )
    assert result.failed and "overlaps" in result.msg and "HS-POOL-ASA-01" in result.msg
    assert stats.config_lines_sent == 0

    too_small = converge_lab.desired("asa-02")
    too_small["sessiondb"]["max_anyconnect_premium_or_essentials_limit"] = 100000
    result, stats = _run(converge_lab, host, config=too_small)
    assert result.failed and "fewer than the session limit" in result.msg
    assert stats.config_lines_sent == 0
    assert converge_lab.running(host) == running_before


@pytest.mark.parametrize(
    "reject", [r"dns-server", r"^priority", r"^clear configure group-policy ROGUE"]
)
def test_rollback_restores_changed_lines_wherever_the_push_stops(
    converge_lab: ConvergeLab, reject: str
) -> None:
    host = "asa-03"
    _run(converge_lab, host, config=converge_lab.desired("asa-02"))
    cli = converge_lab.cli(host)
    try:  # drift on several objects, then saved, so the run has to change and remove things
        cli.configure(
            [
                "group-policy HS-GP-HOMEOFFICE attributes",
                " dns-server value 10.9.9.9",
                "vpn load-balancing",
                " priority 2",
                "group-policy ROGUE internal",
            ]
        )
        cli.save()
    finally:
        cli.close()
    before = converge_lab.running(host)
    converge_lab.call("asa.inject_fault", host=host, fault="reject_command", command=reject)
    try:
        result, _ = _run(converge_lab, host, "overridden", config=converge_lab.desired("asa-02"))
    finally:
        converge_lab.call("asa.clear_faults", host=host)
    assert result.failed and result.rolled_back, result.msg
    assert converge_lab.running(host) == before


def test_cli_converge_check_then_apply(converge_lab: ConvergeLab) -> None:
    from typer.testing import CliRunner

    from homeshift.cli.headends import app

    converge_lab.wipe("asa-01")
    args = [
        "converge",
        "-i",
        str(converge_lab.lab_dir / "inventory.yml"),
        "--plan",
        str(converge_lab.plan_file),
        "--cluster-ip",
        "198.51.100.200",
        "--host",
        "asa-01",
        "--json",
    ]
    env = {"HOMESHIFT_CLUSTER_KEY": CLUSTER_KEY}
    checked = CliRunner().invoke(app, [*args, "--check"], env=env)
    assert checked.exit_code == 0, checked.output
    assert json.loads(checked.stdout)["asa-01"]["lines_sent"] == 0
    assert "tunnel-group HS-TG-HOMEOFFICE" not in converge_lab.running("asa-01")
    applied = CliRunner().invoke(app, args, env=env)
    assert applied.exit_code == 0, applied.output
    result = json.loads(applied.stdout)["asa-01"]
    assert result["saved"] and result["lines_sent"] > 15 and result["ssh_sessions"] == 1
    assert CLUSTER_KEY not in checked.output + applied.output
    assert "tunnel-group HS-TG-HOMEOFFICE" in converge_lab.running("asa-01")


def test_strict_host_key_policy(converge_lab: ConvergeLab, tmp_path: Path) -> None:
    import asyncssh

    from homeshift.asa.transport import AsaConnection, NetmikoAsaCli, TransportError

    host_vars = converge_lab.host_vars("asa-02")
    strict_unknown = AsaConnection.from_host_vars("asa-02", host_vars, ssh_strict=True)
    with pytest.raises(TransportError, match="cannot open SSH session"):
        NetmikoAsaCli(strict_unknown).show("show version")

    key = asyncssh.read_private_key(str(converge_lab.lab_dir / "asa" / "ssh_host_ed25519_key"))
    known = tmp_path / "known_hosts"
    public = key.export_public_key().decode().split()[:2]
    address = f"[{host_vars['ansible_host']}]:{host_vars['ansible_port']}"
    known.write_text(f"{address} {' '.join(public)}\n")
    trusted = AsaConnection.from_host_vars(
        "asa-02", host_vars, ssh_strict=True, known_hosts=str(known)
    )
    cli = NetmikoAsaCli(trusted)
    try:
        assert "Cisco Adaptive Security Appliance" in cli.show("show version")
    finally:
        cli.close()
