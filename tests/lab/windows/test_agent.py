"""The desktop agent contract over the model (fast) and over the wire (real pywinrm)."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import pytest
from windows_lab_support import AGENT_STUB, WindowsLab, run_agent

from homeshift.lab.windows import share
from homeshift.lab.windows.agent import run_agent as apply_document
from homeshift.lab.windows.desktop import Desktop
from homeshift.lab.windows.faults import DesktopFaults, apply_fault

CORE = share.find_package("secure-client", "core-vpn", "5.1.4.74")
SBL = share.find_package("secure-client", "sbl", "5.1.4.74")
PROFILE = "C:\\ProgramData\\Cisco\\Cisco Secure Client\\VPN\\Profile\\corp.xml"
WINLOGON = "HKLM:\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon"


def msi(package: share.MsiPackage, **extra: Any) -> dict[str, Any]:
    return {
        "id": f"{package.module}",
        "type": "msi_package",
        "product_code": package.product_code,
        "version": package.version,
        "display_name": package.display_name,
        "source": package.unc_path,
        "log_path": f"C:\\Windows\\Temp\\{package.module}.log",
        "state": "present",
        **extra,
    }


def profile_file(text: str = "<AnyConnectProfile/>") -> dict[str, Any]:
    data = text.encode()
    return {
        "id": "profile",
        "type": "file",
        "path": PROFILE,
        "content_b64": base64.b64encode(data).decode(),
        "sha256": hashlib.sha256(data).hexdigest(),
        "state": "present",
    }


def doc(*resources: dict[str, Any], check: bool = False, facts: bool = False) -> dict[str, Any]:
    return {
        "contract": 1,
        "check_mode": check,
        "diff": True,
        "gather_facts": facts,
        "resources": list(resources),
    }


def apply(desktop: Desktop, document: dict[str, Any], faults: DesktopFaults | None = None) -> Any:
    return apply_document(json.dumps(document), desktop.view, desktop.edit, faults)


@pytest.fixture
def desktop() -> Desktop:
    return Desktop(3, "BER-D0000004", 11)


def test_install_then_idempotent_second_run(desktop: Desktop) -> None:
    resources = (
        msi(CORE, stop_on_error=True),
        profile_file(),
        {
            "id": "logons",
            "type": "registry_value",
            "path": WINLOGON,
            "name": "CachedLogonsCount",
            "value_type": "string",
            "data": "25",
        },
        {
            "id": "agent",
            "type": "service",
            "name": "csc_vpnagent",
            "state": "running",
            "start_mode": "auto",
        },
        {
            "id": "sleep",
            "type": "power_setting",
            "subgroup": "SUB_SLEEP",
            "setting": "STANDBYIDLE",
            "ac": 0,
            "dc": 1800,
        },
    )
    first = apply(desktop, doc(*resources))
    assert first.exit_code == 0
    assert [r["changed"] for r in first.result["results"]] == [True, True, True, False, True]
    assert first.result["results"][0]["after"] == {"installed": True, "version": CORE.version}
    second = apply(desktop, doc(*resources))
    assert second.exit_code == 0
    assert second.result["changed"] is False
    state = desktop.view()
    assert state.service("csc_vpnagent") is not None
    assert state.reg_get(WINLOGON, "CachedLogonsCount").data == "25"  # type: ignore[union-attr]
    assert state.power_value("SUB_SLEEP", "STANDBYIDLE") == [0, 1800]


def test_check_mode_changes_nothing(desktop: Desktop) -> None:
    run = apply(desktop, doc(msi(CORE), profile_file(), check=True))
    assert run.result["changed"] is True
    assert run.result["results"][1]["after"]["content"] == "<AnyConnectProfile/>"
    assert not desktop.materialised


def test_sbl_before_core_fails_with_log_excerpt_and_stop_on_error_skips(desktop: Desktop) -> None:
    run = apply(desktop, doc(msi(SBL, stop_on_error=True), profile_file()))
    assert run.exit_code == 1
    sbl, prof = run.result["results"]
    assert sbl["exit_code"] == 1603
    assert "Return value 3" in sbl["log_excerpt"]
    assert sbl["after"] == sbl["before"]
    assert prof["skipped"] is True


def test_sbl_after_core_requires_a_reboot(desktop: Desktop) -> None:
    run = apply(desktop, doc(msi(CORE), msi(SBL)))
    assert run.result["results"][1]["exit_code"] == 3010
    assert run.result["reboot_required"] is True
    assert desktop.view().pending_reboot is True


def test_secure_client_replaces_legacy_anyconnect() -> None:
    legacy = next(
        d
        for d in (Desktop(i, f"WS-{i}", 11) for i in range(200))
        if d.view().service("vpnagent") is not None
    )
    run = apply(legacy, doc(msi(CORE), facts=True))
    facts = run.result["facts"]
    assert [p["display_version"] for p in facts["products"]] == [CORE.version]
    assert [s["name"] for s in facts["services"]] == ["csc_vpnagent"]


def test_missing_source_is_1619_without_running_msiexec(desktop: Desktop) -> None:
    resource = msi(CORE, source="\\\\fs01\\deploy\\missing.msi")
    entry = apply(desktop, doc(resource)).result["results"][0]
    assert (entry["exit_code"], entry["changed"]) == (1619, False)
    assert entry["error"].startswith("installer not found")


def test_msi_faults_count_down(desktop: Desktop) -> None:
    faults = DesktopFaults()
    apply_fault(faults, "msi_1618", {"count": 2})
    codes = [apply(desktop, doc(msi(CORE)), faults).result["results"][0] for _ in range(3)]
    assert [c["exit_code"] for c in codes] == [1618, 1618, 0]
    assert codes[0]["retryable"] is True


def test_msi_exit_3010_for_one_product_only(desktop: Desktop) -> None:
    faults = DesktopFaults()
    apply_fault(faults, "msi_exit", {"code": 3010, "product_code": CORE.product_code})
    run = apply(desktop, doc(msi(CORE)), faults)
    assert run.result["results"][0]["exit_code"] == 3010
    assert run.result["results"][0]["after"]["installed"] is True


def test_document_errors_exit_2(desktop: Desktop) -> None:
    bad = apply_document("{not json", desktop.view, desktop.edit, None)
    assert bad.exit_code == 2
    dup = apply(desktop, doc(profile_file(), profile_file()))
    assert dup.exit_code == 2
    assert "used twice" in dup.result["document_error"]


def test_corrupted_file_content_is_an_error(desktop: Desktop) -> None:
    broken = {**profile_file(), "sha256": "0" * 64}
    entry = apply(desktop, doc(broken)).result["results"][0]
    assert entry["error"] == "content does not match its sha256 (document corrupted in transit)"


def test_compliance_checks_report_observed_values(desktop: Desktop) -> None:
    state = desktop.view()
    checks = [
        {"id": "build", "type": "compliance", "check": "os_build_min", "build": 19045},
        {"id": "tpm", "type": "compliance", "check": "tpm_present"},
        {"id": "wifi", "type": "compliance", "check": "network_adapter", "kind": "wireless"},
        {"id": "disk", "type": "compliance", "check": "free_disk_gb_min", "drive": "C:", "gb": 10},
    ]
    results = apply(desktop, doc(*checks)).result["results"]
    assert results[0]["observed"] == state.build
    assert results[0]["compliant"] is (state.build >= 19045)
    assert results[1]["compliant"] is state.tpm_present
    assert results[2]["compliant"] is any(a["kind"] == "wireless" for a in state.adapters)
    assert results[3]["compliant"] is (state.volumes["C:"].free_gb >= 10)
    assert all(r["changed"] is False for r in results)


@pytest.mark.lab
def test_agent_contract_over_pywinrm_with_the_real_bootstrap(windows_lab: WindowsLab) -> None:
    name = windows_lab.name(3)
    before = windows_lab.call("stats", host=name)
    document = doc(msi(CORE), profile_file("<big>" + "x" * 300_000 + "</big>"), facts=True)
    result, err, code = run_agent(windows_lab, 3, document)
    assert (code, err) == (0, b"")
    assert result is not None
    assert result["hostname"] == name
    assert result["results"][0]["after"]["installed"] is True
    model = windows_lab.call("desktop", host=name)
    assert CORE.uninstall_key in model["registry"]
    assert model["facts"]["services"][0]["name"] == "csc_vpnagent"
    after = windows_lab.call("stats", host=name)
    assert after["agent_runs"] - before["agent_runs"] == 1
    stdin_size = len(AGENT_STUB) + 24 + len(json.dumps(document))
    sends = -(-stdin_size // 200_000)
    assert sends == 3
    # 3 NTLM handshake + Create + Command + Sends + Receive + Signal + Delete
    assert after["http_requests"] - before["http_requests"] == 8 + sends


@pytest.mark.lab
def test_stdin_without_the_marker_is_refused(windows_lab: WindowsLab) -> None:
    result, err, code = run_agent(windows_lab, 3, doc(), script="Write-Host 'not the agent'\n")
    assert result is None
    assert code == 1
    assert b"does not start with the agent marker" in err


@pytest.mark.lab
def test_the_projects_agent_package_drives_the_lab(windows_lab: WindowsLab) -> None:
    """When the provisioning package is present, its own command line and stdin work here."""
    agent = pytest.importorskip("homeshift.windows.agent")
    protocol = windows_lab.protocol(2)
    shell = protocol.open_shell()
    command_name, args = agent.command_line()
    command = protocol.run_command(shell, command_name, args)
    protocol.send_command_input(shell, command, agent.build_stdin(doc(profile_file())), end=True)
    out, _err, code = protocol.get_command_output(shell, command)
    protocol.cleanup_command(shell, command)
    protocol.close_shell(shell)
    assert code == 0
    assert b"HOMESHIFT-RESULT " in out


def test_uninstall_and_absent_is_idempotent(desktop: Desktop) -> None:
    apply(desktop, doc(msi(CORE)))
    removed = apply(desktop, doc(msi(CORE, state="absent"))).result["results"][0]
    assert (removed["changed"], removed["after"]["installed"]) == (True, False)
    assert desktop.view().service("csc_vpnagent") is None
    again = apply(desktop, doc(msi(CORE, state="absent"))).result["results"][0]
    assert again["changed"] is False


def test_service_disabled_cannot_be_started(desktop: Desktop) -> None:
    entry = apply(
        desktop,
        doc(
            {
                "id": "s",
                "type": "service",
                "name": "Spooler",
                "state": "running",
                "start_mode": "disabled",
            }
        ),
    ).result["results"][0]
    assert "cannot be started because it is disabled" in entry["error"]
    missing = apply(desktop, doc({"id": "m", "type": "service", "name": "nope"}))
    assert missing.result["results"][0]["error"] == "service nope is not installed"


def test_bitlocker_enables_with_tpm_and_fails_without() -> None:
    fleet = [Desktop(i, f"WS-{i}", 11) for i in range(300)]
    off_with_tpm = next(
        d
        for d in fleet
        if d.view().tpm_present and d.view().volumes["C:"].protection_status == "Off"
    )
    no_tpm = next(d for d in fleet if not d.view().tpm_present)
    resource = {
        "id": "bl",
        "type": "bitlocker",
        "mount_point": "C:",
        "encryption_method": "XtsAes256",
        "protector": "tpm",
    }
    entry = apply(off_with_tpm, doc(resource)).result["results"][0]
    assert entry["after"] == {"protection_status": "On", "volume_status": "EncryptionInProgress"}
    assert apply(off_with_tpm, doc(resource)).result["changed"] is False
    failed = apply(no_tpm, doc(resource)).result["results"][0]
    assert "Trusted Platform Module" in failed["error"]


def test_registry_dword_and_absent(desktop: Desktop) -> None:
    key = "HKLM:\\SOFTWARE\\Policies\\Microsoft\\Windows\\WindowsUpdate\\AU"
    dword = {
        "id": "d",
        "type": "registry_value",
        "path": key,
        "name": "UseWUServer",
        "value_type": "dword",
        "data": 0,
    }
    assert apply(desktop, doc(dword)).result["results"][0]["before"]["data"] == 1
    assert apply(desktop, doc(dword)).result["changed"] is False
    gone = apply(desktop, doc({**dword, "state": "absent"})).result["results"][0]
    assert gone["after"] == {"exists": False, "value_type": None, "data": None}
    assert desktop.view().reg_get(key, "UseWUServer") is None


def test_pending_reboot_shows_as_the_cbs_key(desktop: Desktop) -> None:
    from homeshift.lab.windows.commands import Session, run_powershell

    desktop.edit().pending_reboot = True
    session = Session(view=desktop.view, edit=desktop.edit, user="hs-admin")
    key = "HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Component Based Servicing"
    run_powershell(session, f"Test-Path -LiteralPath '{key}\\RebootPending'")
    assert session.out == ["True"]
