"""The command interpreter over the desktop model (no sockets): one row per supported shape."""

from __future__ import annotations

import json

import pytest

from homeshift.lab.windows import share
from homeshift.lab.windows.commands import Session, parse_invocation, run_cmd_line, run_powershell
from homeshift.lab.windows.desktop import Desktop, desktop_profile

CORE = share.find_package("secure-client", "core-vpn", "5.1.4.74")


def _desktop(seed: int = 11, index: int = 0) -> Desktop:
    return Desktop(index, "BER-D0000001", seed)


def _ps(desktop: Desktop, script: str) -> tuple[str, list[str], int]:
    session = Session(view=desktop.view, edit=desktop.edit, user="hs-admin")
    code = run_powershell(session, script)
    return "\r\n".join(session.out), session.errors, code


def _cmd(desktop: Desktop, line: str) -> tuple[str, list[str], int]:
    session = Session(view=desktop.view, edit=desktop.edit, user="hs-admin")
    code = run_cmd_line(session, line)
    return "\r\n".join(session.out), session.errors, code


@pytest.mark.parametrize(
    ("line", "expected", "code"),
    [
        ("hostname", "BER-D0000001", 0),
        ("whoami", "ber-d0000001\\hs-admin", 0),
        ("echo %COMPUTERNAME%", "BER-D0000001", 0),
        ("exit /b 3", "", 3),
        ("powercfg /query SCHEME_CURRENT SUB_SLEEP STANDBYIDLE", "0x00000708", 0),
        ("powercfg /bogus", "Invalid Parameters", 1),
    ],
)
def test_cmd_builtins(line: str, expected: str, code: int) -> None:
    out, _errors, exit_code = _cmd(_desktop(), line)
    assert exit_code == code
    assert expected in out


def test_ver_reports_the_build() -> None:
    desktop = _desktop()
    out, _, _ = _cmd(desktop, "ver")
    assert f"10.0.{desktop.view().build}" in out


def test_unknown_cmd_is_not_recognized() -> None:
    out, errors, code = _cmd(_desktop(), "ipconfig /all")
    assert (out, code) == ("", 1)
    assert "'ipconfig' is not recognized" in errors[0]


def test_get_service_json_uses_enum_numbers() -> None:
    out, _, code = _ps(
        _desktop(), "Get-Service -Name WinRM | Select-Object Name,Status,StartType | ConvertTo-Json"
    )
    assert code == 0
    assert json.loads(out) == {"Name": "WinRM", "Status": 4, "StartType": 2}


def test_missing_service_errors_and_silently_continue_still_fails() -> None:
    _out, errors, code = _ps(_desktop(), "Get-Service -Name csc_vpnagent")
    assert code == 1
    assert "Cannot find any service with service name 'csc_vpnagent'." in errors[0]
    out, errors, code = _ps(_desktop(), "Get-Service -Name nope -ErrorAction SilentlyContinue")
    assert (out, errors, code) == ("", [], 1)


def test_testinfra_service_shape() -> None:
    out, _, code = _ps(_desktop(), "Get-Service 'WinRM' | Select -ExpandProperty Status")
    assert (out, code) == ("Running", 0)


def test_get_item_property_cached_logons() -> None:
    desktop = _desktop()
    expected = desktop_profile(11, 0).cached_logons
    out, _, code = _ps(
        desktop,
        "Get-ItemProperty -Path 'HKLM:\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon'"
        " -Name CachedLogonsCount | ConvertTo-Json",
    )
    data = json.loads(out)
    assert code == 0
    assert data["CachedLogonsCount"] == expected
    assert data["PSChildName"] == "Winlogon"


def test_get_item_property_missing_value_and_key() -> None:
    key = "HKLM:\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon"
    _, errors, code = _ps(_desktop(), f"Get-ItemProperty -Path '{key}' -Name Nope")
    assert code == 1
    assert "Property Nope does not exist at path HKEY_LOCAL_MACHINE" in errors[0]
    _, errors, code = _ps(_desktop(), "Get-ItemProperty -Path 'HKLM:\\SOFTWARE\\Nope'")
    assert code == 1
    assert "Cannot find path 'HKLM:\\SOFTWARE\\Nope' because it does not exist." in errors[0]


def test_share_file_hash_and_test_path() -> None:
    desktop = _desktop()
    out, _, code = _ps(
        desktop, f"(Get-FileHash -LiteralPath '{CORE.unc_path}' -Algorithm SHA256).Hash"
    )
    assert (out, code) == (CORE.sha256, 0)
    assert _ps(desktop, f"Test-Path -LiteralPath '{CORE.unc_path}'")[0] == "True"
    assert _ps(desktop, "Test-Path -LiteralPath '\\\\fs01\\deploy\\nope.msi'")[0] == "False"
    assert _ps(desktop, "Test-Path -Path 'C:\\Windows\\System32' -PathType Container")[0] == "True"


def test_get_content_raw_and_missing_file() -> None:
    desktop = _desktop()
    desktop.edit().write_file("C:\\Temp\\a.txt", b"line1\r\nline2")
    out, _, code = _ps(desktop, "Get-Content -Raw -LiteralPath 'C:\\Temp\\a.txt'")
    assert (out, code) == ("line1\r\nline2", 0)
    _, errors, code = _ps(desktop, "Get-Content -Raw -LiteralPath 'C:\\Temp\\b.txt'")
    assert code == 1
    assert "Cannot find path 'C:\\Temp\\b.txt'" in errors[0]


def test_uninstall_key_lookup_by_product_code_and_by_name() -> None:
    desktop = _desktop()
    from homeshift.lab.windows.desktop import install_package_effects

    install_package_effects(desktop.edit(), CORE)
    out, _, code = _ps(
        desktop,
        f"Get-ItemProperty -Path '{CORE.uninstall_key}' | "
        "Select-Object DisplayName,DisplayVersion | ConvertTo-Json -Compress",
    )
    assert code == 0
    assert json.loads(out) == {"DisplayName": CORE.display_name, "DisplayVersion": CORE.version}
    out, _, code = _ps(
        desktop,
        f"Get-ChildItem -Path '{share.UNINSTALL_KEY}' | Get-ItemProperty | "
        "Where-Object { $_.DisplayName -like 'Cisco*' } | "
        "Select-Object PSChildName,DisplayVersion | ConvertTo-Json",
    )
    assert json.loads(out) == {"PSChildName": CORE.product_code, "DisplayVersion": CORE.version}


def test_bitlocker_and_os_queries() -> None:
    desktop = _desktop()
    state = desktop.view()
    out, _, code = _ps(
        desktop,
        "Get-BitLockerVolume -MountPoint C: | Select-Object "
        "MountPoint,VolumeStatus,ProtectionStatus,EncryptionPercentage | ConvertTo-Json",
    )
    volume = state.volumes["C:"]
    assert code == 0
    assert json.loads(out) == {
        "MountPoint": "C:",
        "VolumeStatus": 1 if volume.volume_status == "FullyEncrypted" else 0,
        "ProtectionStatus": 1 if volume.protection_status == "On" else 0,
        "EncryptionPercentage": volume.encryption_percentage,
    }
    out, _, _ = _ps(
        desktop,
        "Get-CimInstance Win32_OperatingSystem | "
        "Select-Object Caption,BuildNumber | ConvertTo-Json",
    )
    assert json.loads(out) == {"Caption": state.os_caption, "BuildNumber": str(state.build)}


def test_unknown_cmdlet_fails_the_run_even_when_later_statements_succeed() -> None:
    out, errors, code = _ps(_desktop(), "Foo-Bar\nhostname")
    assert out == "BER-D0000001"
    assert code == 1  # the lab never turns an unknown command into a success
    assert errors[0].startswith("Foo-Bar : The term 'Foo-Bar' is not recognized")


def test_exit_code_follows_the_last_statement_for_known_errors() -> None:
    script = "Get-Service -Name nope -ErrorAction SilentlyContinue\nhostname"
    assert _ps(_desktop(), script)[2] == 0
    assert _ps(_desktop(), "hostname\nGet-Service -Name nope")[2] == 1


def test_reads_never_materialise_a_desktop() -> None:
    desktop = _desktop()
    _ps(desktop, "Get-Service -Name WinRM | ConvertTo-Json")
    assert not desktop.materialised
    _cmd(desktop, "powercfg /setacvalueindex SCHEME_CURRENT SUB_SLEEP STANDBYIDLE 0")
    assert desktop.materialised
    assert desktop.view().power_value("SUB_SLEEP", "STANDBYIDLE")[0] == 0


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("hostname", "cmd"),
        ("powershell -encodedcommand aABvAHMAdABuAGEAbQBlAA==", "powershell"),
        (
            "PowerShell -NoProfile -NonInteractive -ExecutionPolicy Unrestricted "
            "-EncodedCommand aABvAHMAdABuAGEAbQBlAA==",
            "powershell",
        ),
        ("powershell -command \\\"Test-Path 'C:\\'\\\"", "powershell"),
        ("powershell -Command -", "ps_stdin"),
    ],
)
def test_invocation_shapes(line: str, kind: str) -> None:
    invocation = parse_invocation(line)
    assert invocation.kind == kind
    if kind == "powershell" and "aABvAHMA" in line:
        assert invocation.text == "hostname"


def test_silently_continue_swallows_a_missing_key_but_fails_the_statement() -> None:
    script = (
        "Get-ItemProperty -LiteralPath 'HKLM:\\SOFTWARE\\WOW6432Node\\Nope' "
        "-ErrorAction SilentlyContinue | Select-Object DisplayName | ConvertTo-Json -Compress"
    )
    assert _ps(_desktop(), script) == ("", [], 1)


def test_get_content_raw_to_json_carries_note_properties_like_powershell_5() -> None:
    desktop = _desktop()
    desktop.edit().write_file("C:\\ProgramData\\p.xml", b"<a/>")
    out, _, code = _ps(
        desktop, "Get-Content -LiteralPath 'C:\\ProgramData\\p.xml' -Raw | ConvertTo-Json -Compress"
    )
    data = json.loads(out)
    assert code == 0
    assert data["value"] == "<a/>"
    assert data["PSChildName"] == "p.xml"


def test_select_object_with_a_quoted_property_name() -> None:
    key = "HKLM:\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon"
    out, _, _ = _ps(
        _desktop(),
        f"Get-ItemProperty -LiteralPath '{key}' -Name 'Shell' | Select-Object 'Shell' | "
        "ConvertTo-Json -Compress",
    )
    assert json.loads(out) == {"Shell": "explorer.exe"}


@pytest.mark.parametrize(
    "script",
    [
        "Get-ItemProperty -Path 'XYZ:\\nope'",
        "Test-Path",
        "Get-Content -Raw -LiteralPath 'relative\\path.txt'",
        "powercfg /setacvalueindex SCHEME_CURRENT SUB_SLEEP STANDBYIDLE notanumber",
        "Get-Service -Name WinRM | Select-Object -First x",
        "(Get-Service -Name WinRM)..",
    ],
)
def test_bad_input_is_an_error_not_a_crash(script: str) -> None:
    out, errors, code = _ps(_desktop(), script)
    assert code == 1
    assert errors or "Invalid Parameters" in out


def test_get_item_and_testinfra_is_file_shapes() -> None:
    desktop = _desktop()
    desktop.edit().write_file("C:\\Temp\\a.txt", b"abc")
    assert _ps(desktop, "(Get-Item 'C:/Temp/a.txt') -is [System.IO.FileInfo]")[0] == "True"
    assert _ps(desktop, "(Get-Item 'C:/Temp') -is [System.IO.DirectoryInfo]")[0] == "True"
    assert _ps(desktop, "(Get-Item 'C:/Temp') -is [System.IO.FileInfo]")[0] == "False"
    assert _ps(desktop, "(Get-Item -LiteralPath 'C:\\Temp\\a.txt').Length")[0] == "3"
    out, _, code = _ps(
        desktop,
        "Get-Item -LiteralPath 'HKLM:\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon'"
        " | Select-Object -ExpandProperty Property",
    )
    assert code == 0
    assert "CachedLogonsCount" in out.split("\r\n")
    _, errors, code = _ps(desktop, "Get-Item -LiteralPath 'C:\\nope.txt'")
    assert code == 1
    assert "Cannot find path" in errors[0]


def test_reg_query_sc_query_net_user() -> None:
    desktop = _desktop()
    key = "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\WindowsUpdate\\AU"
    out, _, code = _cmd(desktop, f'reg query "{key}" /v UseWUServer')
    assert code == 0
    assert "    UseWUServer    REG_DWORD    0x1" in out
    assert f"HKEY_LOCAL_MACHINE\\{key[5:]}" in out
    _, errors, code = _cmd(desktop, f'reg query "{key}" /v Nope')
    assert code == 1
    assert errors == ["ERROR: The system was unable to find the specified registry key or value."]
    out, _, code = _cmd(desktop, "sc query WinRM")
    assert code == 0
    assert "STATE              : 4  RUNNING" in out
    out, _, code = _cmd(desktop, "sc query csc_vpnagent")
    assert code == 1060
    assert "FAILED 1060" in out
    out, _, code = _cmd(desktop, "net user hs-admin")
    assert code == 0
    assert "*Administrators" in out
    assert _cmd(desktop, "net user mallory")[2] == 2


def test_tpm_adapters_and_logical_disk() -> None:
    desktop = _desktop()
    state = desktop.view()
    out, _, _ = _ps(desktop, "(Get-Tpm).TpmPresent")
    assert out == str(state.tpm_present)
    out, _, _ = _ps(desktop, "Get-NetAdapter -Physical | Select-Object -ExpandProperty Name")
    assert out.split("\r\n") == [a["name"] for a in state.adapters]
    out, _, code = _ps(
        desktop,
        "Get-CimInstance -ClassName Win32_LogicalDisk -Filter \"DeviceID='C:'\" | "
        "Select-Object DeviceID,FreeSpace | ConvertTo-Json -Compress",
    )
    data = json.loads(out)
    assert code == 0
    assert data["DeviceID"] == "C:"
    assert abs(data["FreeSpace"] / 1024**3 - state.volumes["C:"].free_gb) < 0.01
