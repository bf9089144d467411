"""ansible-playbook playbooks/desktops.yml against the Windows lab (real pywinrm, real WinRM wire).

Each test owns distinct desktops of the shared lab, so the tests are independent under xdist.
Every run's stdout/stderr is checked for the lab password by the helper (secrets never leak).
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from desktops_lab_support import (
    CLUSTER_ADDRESS,
    DesktopLab,
    PlaybookRun,
    run_adhoc,
    run_desktops_playbook,
)

pytestmark = [pytest.mark.lab, pytest.mark.playbook]

PROFILE_PATH = "C:\\ProgramData\\Cisco\\Cisco Secure Client\\VPN\\Profile\\homeshift.xml"


def play(lab: DesktopLab, tmp_path: Path, hosts: list[str], *extra: str, **kw: Any) -> PlaybookRun:
    run = run_desktops_playbook(lab, tmp_path, *extra, limit=",".join(hosts), **kw)
    password = lab.vars["ansible_password"]
    assert password not in run.output, "the WinRM password leaked into ansible output"
    assert password not in repr(run.results)
    return run


def agent_runs(lab: DesktopLab, host: str) -> int:
    return int(lab.stats(host)["agent_runs"])


def test_fresh_desktops_converge_then_second_run_changes_nothing(
    desktop_lab: DesktopLab, tmp_path: Path
) -> None:
    hosts = desktop_lab.hosts[0:2]
    first = play(desktop_lab, tmp_path, hosts)
    assert first.returncode == 0, first.output[-3000:]
    for host in hosts:
        result = first.results[host]
        assert result["changed"] is True
        assert not result.get("failed")
        assert {"vpn-core", "vpn-sbl", "vpn-profile", "cached-logons"} <= set(
            result["changed_resources"]
        )
        # the lab's SBL module exits 3010: reported, not failed
        assert result["reboot_required"] is True
        sbl = next(r for r in result["results"] if r["id"] == "vpn-sbl")
        assert sbl["exit_code"] == 3010
        assert first.stats[host]["changed"] == 1
    state = desktop_lab.call("desktop", host=hosts[0])
    assert state["services"]["csc_vpnagent"]["status"].lower() == "running"
    assert (
        state["registry"]["HKLM:\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon"][
            "CachedLogonsCount"
        ]["data"]
        == "25"
    )

    before = {h: agent_runs(desktop_lab, h) for h in hosts}
    second = play(desktop_lab, tmp_path, hosts)
    assert second.returncode == 0, second.output[-3000:]
    for host in hosts:
        assert second.stats[host]["changed"] == 0
        assert second.results[host]["changed_resources"] == []
        assert second.results[host]["agent_runs"] == 1
        assert agent_runs(desktop_lab, host) - before[host] == 1  # exactly one invocation


def _profile_text(lab: DesktopLab, host: str) -> str:
    state = lab.call("desktop", host=host)
    assert PROFILE_PATH in state["files"], sorted(state["files"])
    return str(state["files"][PROFILE_PATH]["sha256"])


def test_check_mode_shows_profile_diff_changes_nothing_and_drift_is_repaired(
    desktop_lab: DesktopLab, tmp_path: Path
) -> None:
    host = desktop_lab.hosts[2]
    assert play(desktop_lab, tmp_path, [host]).returncode == 0
    converged_hash = _profile_text(desktop_lab, host)
    drifted = "<AnyConnectProfile><ServerList><HostEntry><HostAddress>old.example</HostAddress>"
    desktop_lab.call(
        "mutate",
        host=host,
        action="set_file",
        path=PROFILE_PATH,
        content_b64=base64.b64encode(drifted.encode()).decode(),
    )
    drift_hash = _profile_text(desktop_lab, host)
    assert drift_hash != converged_hash

    check = play(desktop_lab, tmp_path, [host], "--check", "--diff")
    assert check.returncode == 0, check.output[-3000:]
    result = check.results[host]
    assert result["changed_resources"] == ["vpn-profile"]
    assert _profile_text(desktop_lab, host) == drift_hash  # check mode changed nothing
    diff = result["diff"][0]
    assert "old.example" in diff["before"]
    assert CLUSTER_ADDRESS in diff["after"]
    assert f"+\t\t\t<HostAddress>{CLUSTER_ADDRESS}</HostAddress>" in check.stdout  # --diff output

    repair = play(desktop_lab, tmp_path, [host])
    assert repair.results[host]["changed_resources"] == ["vpn-profile"]
    assert _profile_text(desktop_lab, host) == converged_hash


def test_msiexec_1618_is_retried_and_then_succeeds(desktop_lab: DesktopLab, tmp_path: Path) -> None:
    host = desktop_lab.hosts[3]
    desktop_lab.call("inject_fault", host=host, fault="msi_1618", count=1)
    run = play(desktop_lab, tmp_path, [host])
    assert run.returncode == 0, run.output[-3000:]
    result = run.results[host]
    assert not result.get("failed")
    assert result["agent_runs"] == 2
    core = next(r for r in result["results"] if r["id"] == "vpn-core")
    assert core["error"] is None
    assert core["after"]["installed"] is True


def test_msiexec_1603_fails_the_host_with_the_installer_log(
    desktop_lab: DesktopLab, tmp_path: Path
) -> None:
    host, healthy = desktop_lab.hosts[4], desktop_lab.hosts[5]
    desktop_lab.call("inject_fault", host=host, fault="msi_1603")
    try:
        run = play(
            desktop_lab,
            tmp_path,
            [host, healthy],
            extra_vars={"homeshift_max_fail_percentage": 100},
        )
    finally:
        desktop_lab.call("clear_faults", host=host)
    assert run.returncode == 2
    result = run.results[host]
    assert result["_status"] == "failed"
    assert "vpn-core (msi_package)" in result["msg"]
    assert "1603" in result["msg"]
    assert "installer log excerpt" in result["msg"]
    assert "Return value 3" in result["msg"]
    assert result["agent_runs"] == 1  # 1603 is not retried
    skipped = [r["id"] for r in result["results"] if r["skipped"]]
    assert "vpn-sbl" in skipped  # core has stop_on_error
    assert not run.results[healthy].get("failed")  # the other desktop carried on


def test_401_is_a_clear_authentication_error_without_retries(
    desktop_lab: DesktopLab, tmp_path: Path
) -> None:
    host = desktop_lab.hosts[6]
    desktop_lab.call("inject_fault", host=host, fault="auth_401")
    before = int(desktop_lab.stats(host)["http_requests"])
    try:
        run = play(desktop_lab, tmp_path, [host])
    finally:
        desktop_lab.call("clear_faults", host=host)
    result = run.results[host]
    assert result["_status"] == "failed"
    assert "authentication failed for user 'hs-admin'" in result["msg"]
    assert "attempts" not in result["msg"]
    requests = int(desktop_lab.stats(host)["http_requests"]) - before
    assert 1 <= requests <= 3, requests  # one NTLM handshake attempt, never repeated
    assert agent_runs(desktop_lab, host) == 0


def test_unreachable_desktop_does_not_stop_the_others(
    desktop_lab: DesktopLab, tmp_path: Path
) -> None:
    down, up = desktop_lab.hosts[7], desktop_lab.hosts[8]
    desktop_lab.call("inject_fault", host=down, fault="unreachable")
    try:
        run = play(
            desktop_lab,
            tmp_path,
            [down, up],
            extra_vars={
                "homeshift_max_fail_percentage": 100,
                "homeshift_winrm_connection_retries": 2,
            },
        )
    finally:
        desktop_lab.call("clear_faults", host=down)
    assert run.results[down]["_status"] == "unreachable"
    assert "cannot connect to WinRM" in run.results[down]["msg"]
    assert "after 2 attempts" in run.results[down]["msg"]
    assert run.stats[down]["unreachable"] == 1
    assert not run.results[up].get("failed")
    assert run.results[up]["changed"] is True


def test_non_compliant_desktop_is_reported_red(desktop_lab: DesktopLab, tmp_path: Path) -> None:
    host = desktop_lab.hosts[9]
    desktop_lab.call("mutate", host=host, action="set_bitlocker", protection_status="Off")
    has_tpm = bool(desktop_lab.call("desktop", host=host)["tpm_present"])
    run = play(desktop_lab, tmp_path, [host], "--tags", "compliance")
    assert run.returncode == 0, run.output[-3000:]
    result = run.results[host]
    assert result["red"] is True
    assert result["ansible_facts"]["homeshift_desktop_red"] is True
    assert any(reason.startswith("bitlocker-protected") for reason in result["red_reasons"])
    assert [r["type"] for r in result["results"]] == ["compliance"] * len(result["results"])
    assert host in run.custom.get("homeshift_red_desktops", {})

    enforced = play(
        desktop_lab,
        tmp_path,
        [host],
        "--tags",
        "compliance",
        extra_vars={"homeshift_bitlocker_enforce": True},
    )
    bitlocker = next(r for r in enforced.results[host]["results"] if r["id"] == "bitlocker")
    if has_tpm:
        assert bitlocker["changed"] is True, bitlocker
        assert bitlocker["after"]["protection_status"] == "On"
    else:  # Enable-BitLocker -TpmProtector cannot work without a TPM: a clear per-host error
        assert "Trusted Platform Module" in bitlocker["error"]
        assert enforced.results[host]["_status"] == "failed"


def test_secrets_stay_out_of_verbose_output_diff_and_log(
    desktop_lab: DesktopLab, tmp_path: Path
) -> None:
    host = desktop_lab.hosts[10]
    log = tmp_path / "ansible.log"
    run = play(
        desktop_lab,
        tmp_path,
        [host],
        "-vvv",
        "--diff",
        extra_vars={},
        env={"ANSIBLE_LOG_PATH": str(log)},
    )
    assert run.returncode == 0, run.output[-3000:]
    password = desktop_lab.vars["ansible_password"]
    assert log.exists() and log.stat().st_size > 0
    assert password not in log.read_text()
    assert password not in run.results_file.read_text()
    assert "ESTABLISH" not in run.stdout  # no connection plugin: pywinrm is driven by the core
    assert run.results[host]["diff"], "a fresh desktop shows a diff"


def test_desktop_facts_preflight(desktop_lab: DesktopLab, tmp_path: Path) -> None:
    host = desktop_lab.hosts[10]
    proc = run_adhoc(desktop_lab, tmp_path, host, "homeshift.core.desktop_facts")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert desktop_lab.vars["ansible_password"] not in proc.stdout + proc.stderr
    payload = json.loads(proc.stdout.split("=>", 1)[1])
    facts = payload["ansible_facts"]["homeshift_desktop"]
    assert facts["hostname"].upper() == host.upper()
    assert facts["os"]["build"] > 0
    assert payload["changed"] is False
