"""Windows testinfra-style modules and the desktop check, against a fake host."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest
from fake_windows import FakeWindowsHost

from homeshift.verify.desktop import (
    ExpectationsError,
    check_desktop,
    expectations_from_resources,
)
from homeshift.verify.windows import (
    Batch,
    FileHash,
    MsiProduct,
    RegistryValue,
    VpnProfile,
    WindowsProbeError,
    WindowsServiceState,
    decode_json,
    first_difference,
    powershell_command,
    split_sections,
)

WINLOGON = "HKLM:\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon"
PROFILE = "C:\\ProgramData\\Cisco\\Cisco Secure Client\\VPN\\Profile\\homeshift.xml"
CORE = "{BE8F3867-5727-5EDC-8E72-452069ABBE61}"
PROFILE_TEXT = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<AnyConnectProfile>\n'
    "  <ServerList><HostEntry><HostName>VPN</HostName>"
    "<HostAddress>vpn.example.com</HostAddress></HostEntry></ServerList>\n"
    "</AnyConnectProfile>\n"
)
RESOURCES = [
    {
        "type": "msi_package",
        "id": "vpn-core",
        "product_code": CORE,
        "version": "5.1.4.74",
        "display_name": "Cisco Secure Client - AnyConnect VPN",
        "source": "\\\\fs01\\deploy\\core.msi",
    },
    {"type": "service", "id": "svc", "name": "csc_vpnagent"},
    {
        "type": "registry_value",
        "id": "cached-logons",
        "path": WINLOGON,
        "name": "CachedLogonsCount",
        "value_type": "string",
        "data": "25",
    },
    {"type": "file", "id": "vpn-profile", "path": PROFILE, "content": PROFILE_TEXT},
    {
        "type": "power_setting",
        "id": "p",
        "subgroup": "SUB_SLEEP",
        "setting": "STANDBYIDLE",
        "ac": 0,
        "dc": 1800,
    },
]


def answers_for_converged() -> dict[str, str]:
    host = FakeWindowsHost()
    digest = hashlib.sha256(PROFILE_TEXT.encode()).hexdigest().upper()
    return {
        MsiProduct(host, CORE).script().split("\n")[0]: json.dumps(
            {"DisplayName": "Cisco Secure Client - AnyConnect VPN", "DisplayVersion": "5.1.4.74"}
        ),
        WindowsServiceState(host, "csc_vpnagent").script(): json.dumps(
            {"Name": "csc_vpnagent", "Status": 4, "StartType": 2}
        ),
        RegistryValue(host, WINLOGON, "CachedLogonsCount").script(): json.dumps(
            {"CachedLogonsCount": "25"}
        ),
        FileHash(host, PROFILE).script(): json.dumps({"Hash": digest}),
        VpnProfile(host, PROFILE).script(): json.dumps(PROFILE_TEXT),
    }


def test_powershell_command_is_encoded_and_quoting_free() -> None:
    command = powershell_command("Write-Output 'it''s'")
    encoded = command.rsplit(" ", 1)[1]
    assert base64.b64decode(encoded).decode("utf-16-le") == "Write-Output 'it''s'"
    assert "'" not in command and '"' not in command


def test_converged_desktop_has_no_findings_in_one_command() -> None:
    host = FakeWindowsHost(answers_for_converged())
    findings = check_desktop(host, expectations_from_resources(RESOURCES))
    assert findings == []
    assert len(host.commands) == 1  # every probe batched


def test_stopped_service_and_changed_profile_are_named() -> None:
    answers = answers_for_converged()
    host = FakeWindowsHost()
    answers[WindowsServiceState(host, "csc_vpnagent").script()] = json.dumps(
        {"Name": "csc_vpnagent", "Status": 1, "StartType": 3}
    )
    changed = PROFILE_TEXT.replace("vpn.example.com", "evil.example.net")
    answers[FileHash(host, PROFILE).script()] = json.dumps(
        {"Hash": hashlib.sha256(changed.encode()).hexdigest()}
    )
    answers[VpnProfile(host, PROFILE).script()] = json.dumps(
        {"value": changed, "PSPath": "Microsoft.PowerShell.Core\\FileSystem::" + PROFILE}
    )
    findings = check_desktop(FakeWindowsHost(answers), expectations_from_resources(RESOURCES))
    messages = [str(f) for f in findings]
    assert messages[0] == "service csc_vpnagent is Stopped (expected Running)"
    assert messages[1] == "service csc_vpnagent start type is Manual (expected Automatic)"
    assert messages[2].startswith(f"VPN profile {PROFILE} changed: line 3 is ")
    assert "evil.example.net" in messages[2]
    assert [f.area for f in findings] == ["service", "service", "file"]


def test_missing_things_are_reported_as_missing() -> None:
    findings = check_desktop(FakeWindowsHost({}), expectations_from_resources(RESOURCES))
    assert [str(f) for f in findings] == [
        "MSI Cisco Secure Client - AnyConnect VPN is not installed (expected 5.1.4.74)",
        "service csc_vpnagent is missing",
        f"registry {WINLOGON}\\CachedLogonsCount is missing",
        f"VPN profile {PROFILE} is missing",
    ]


def test_msi_product_found_in_the_32_bit_view() -> None:
    host = FakeWindowsHost()
    wow_line = MsiProduct(host, CORE.lower()).script().split("\n")[1]
    assert "WOW6432Node" in wow_line and CORE in wow_line
    host.answers[wow_line] = json.dumps({"DisplayName": "x", "DisplayVersion": "5.1.3.62"})
    product = MsiProduct(host, CORE)
    assert product.version == "5.1.3.62" and product.installed
    findings = check_desktop(host, expectations_from_resources(RESOURCES[:1]))
    assert [str(f) for f in findings] == [
        "MSI Cisco Secure Client - AnyConnect VPN is at 5.1.3.62, expected 5.1.4.74"
    ]


def test_modules_used_alone_run_one_command_each_and_cache() -> None:
    host = FakeWindowsHost(answers_for_converged())
    service = WindowsServiceState(host, "csc_vpnagent")
    assert (service.exists, service.status, service.start_type) == (True, "Running", "Automatic")
    assert service.status == "Running"
    assert len(host.commands) == 1
    assert RegistryValue(host, WINLOGON, "CachedLogonsCount").value == "25"
    assert VpnProfile(host, PROFILE).host_addresses == ("vpn.example.com",)
    assert len(host.commands) == 3


def test_string_enums_from_powershell_7_are_kept() -> None:
    host = FakeWindowsHost()
    host.answers[WindowsServiceState(host, "x").script()] = (
        '{"Status":"Running","StartType":"Manual"}'
    )
    assert WindowsServiceState(host, "x").start_type == "Manual"


def test_paths_with_quotes_are_quoted_once() -> None:
    probe = RegistryValue(FakeWindowsHost(), "HKLM:\\SOFTWARE\\O'Brien", "it's")
    assert "-LiteralPath 'HKLM:\\SOFTWARE\\O''Brien' -Name 'it''s'" in probe.script()


def test_batch_without_end_marker_is_an_error() -> None:
    class DeadHost:
        def run(self, command: str, *args: str) -> object:
            from types import SimpleNamespace

            return SimpleNamespace(rc=1, stdout="", stderr="connection refused")

    batch = Batch(DeadHost())
    batch.add(FileHash(DeadHost(), "C:\\x"))
    with pytest.raises(WindowsProbeError, match=r"exit 1.*connection refused"):
        batch.run()


def test_sections_and_json_decoding() -> None:
    text = 'noise\r\n##HOMESHIFT-PROBE## 0\r\n{"a":1}\r\n##HOMESHIFT-PROBE## 1\r\n\r\n'
    assert split_sections(text) == {"0": '{"a":1}', "1": ""}
    assert decode_json("") is None
    assert decode_json("garbage") is None
    assert decode_json('{"x":1}\n{"y":2}') == {"x": 1}
    assert first_difference("a\nb\n", "a\nc\n") == "line 2 is 'c', expected 'b'"


def test_expectations_reject_bad_resources_naming_the_entry() -> None:
    with pytest.raises(ExpectationsError, match=r"expect\.yml: resource 1"):
        expectations_from_resources(
            [{"type": "service", "id": "s", "name": "bad name!"}], "expect.yml"
        )
    assert expectations_from_resources(RESOURCES[4:]).empty


def test_win_fixture_facade_binds_the_modules_to_the_host() -> None:
    from homeshift.verify.pytest_plugin import Windows

    host = FakeWindowsHost(answers_for_converged())
    win = Windows(host)
    batch = win.batch()
    service = batch.add(win.service("csc_vpnagent"))
    product = batch.add(win.msi_product(CORE))
    value = batch.add(win.registry_value(WINLOGON, "CachedLogonsCount"))
    digest = batch.add(win.file_hash(PROFILE))
    profile = batch.add(win.vpn_profile(PROFILE))
    batch.run()
    assert len(host.commands) == 1
    assert (service.status, product.version, value.value) == ("Running", "5.1.4.74", "25")
    assert digest.sha256 == hashlib.sha256(PROFILE_TEXT.encode()).hexdigest()
    assert profile.content == PROFILE_TEXT


def test_prefetch_reads_every_desktop_once_in_parallel() -> None:
    from types import SimpleNamespace

    from homeshift.verify.desktop import DesktopExpectationSet
    from homeshift.verify.expectations import HeadendExpectations
    from homeshift.verify.pytest_plugin import DesktopPrefetch, Expectations

    class Host(FakeWindowsHost):
        def __init__(self, name: str, answers: dict[str, str]) -> None:
            super().__init__(answers)
            spec = SimpleNamespace(name=name, port=5985)
            self.backend = SimpleNamespace(
                host=spec, get_pytest_id=lambda: f"winrm://{name}", get_hostname=lambda: name
            )

    class DeadHost(Host):
        def run(self, command: str, *args: str) -> SimpleNamespace:
            raise ConnectionRefusedError("refused")

    hosts = [Host(f"10.0.0.{i}", answers_for_converged()) for i in range(5)]
    dead = DeadHost("10.0.0.99", {})
    prefetch = DesktopPrefetch(concurrency=4)
    for host in [*hosts, dead]:
        prefetch.hosts[DesktopPrefetch.key(host)] = host
    expectations = Expectations(
        DesktopExpectationSet(expectations_from_resources(RESOURCES)), HeadendExpectations()
    )
    assert prefetch.findings(hosts[0], expectations) == []
    assert [len(h.commands) for h in hosts] == [1] * 5  # all read on first use
    assert prefetch.findings(hosts[3], expectations) == []
    assert [len(h.commands) for h in hosts] == [1] * 5  # and never again
    (finding,) = prefetch.findings(dead, expectations)
    assert finding.area == "unreachable"
    assert str(finding) == "not reachable: ConnectionRefusedError: refused"
