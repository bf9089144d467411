"""Resources -> contract document, validation with clear errors, diff descriptions."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import pytest

from homeshift.windows.resources import (
    RESOURCE_TYPES,
    BitLocker,
    ComplianceCheck,
    Document,
    File,
    MsiPackage,
    PowerSetting,
    RegistryValue,
    ResourceError,
    Service,
    resources_from_list,
)
from homeshift.windows.results import ResourceResult

CORE = MsiPackage(
    id="vpn-core",
    product_code="{be8f3867-5727-5edc-8e72-452069abbe61}",
    version="5.1.4.74",
    display_name="Cisco Secure Client - AnyConnect VPN",
    source="\\\\fs01\\deploy\\cisco\\core.msi",
    stop_on_error=True,
)


def test_msi_document_matches_contract() -> None:
    doc = CORE.to_document()
    assert doc == {
        "id": "vpn-core",
        "type": "msi_package",
        "product_code": "{BE8F3867-5727-5EDC-8E72-452069ABBE61}",
        "version": "5.1.4.74",
        "display_name": "Cisco Secure Client - AnyConnect VPN",
        "source": "\\\\fs01\\deploy\\cisco\\core.msi",
        "arguments": ["/qn", "/norestart"],
        "log_path": "C:\\Windows\\Temp\\homeshift-vpn-core.log",
        "state": "present",
        "stop_on_error": True,
    }


def test_file_document_carries_bytes_and_hash() -> None:
    resource = File.from_text("profile", "C:\\ProgramData\\x\\p.xml", "<a>é</a>\n")
    doc = resource.to_document()
    raw = base64.b64decode(doc["content_b64"])
    assert raw == "<a>é</a>\n".encode()
    assert doc["sha256"] == hashlib.sha256(raw).hexdigest()
    assert File("gone", "C:\\x.txt", state="absent").to_document().keys() >= {"path", "state"}
    assert "content_b64" not in File("gone", "C:\\x.txt", state="absent").to_document()


def test_registry_document_uses_value_type() -> None:
    doc = RegistryValue(
        "cached-logons",
        "HKLM:\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon",
        "CachedLogonsCount",
        "string",
        "25",
    ).to_document()
    assert doc["type"] == "registry_value"
    assert doc["value_type"] == "string"
    assert doc["data"] == "25"
    multi = RegistryValue("m", "HKLM:\\SOFTWARE\\X", "v", "multistring", ("a", "b")).to_document()
    assert multi["data"] == ["a", "b"]


def test_compliance_document_has_only_its_parameters() -> None:
    check = ComplianceCheck("disk", "free_disk_gb_min", drive="C:", gb=20)
    assert check.to_document() == {
        "id": "disk",
        "type": "compliance",
        "check": "free_disk_gb_min",
        "drive": "C:",
        "gb": 20,
    }
    assert ComplianceCheck("tpm", "tpm_present").to_document() == {
        "id": "tpm",
        "type": "compliance",
        "check": "tpm_present",
    }


def test_document_is_json_and_restrictable() -> None:
    resources = (
        CORE,
        Service("svc", "csc_vpnagent"),
        PowerSetting("standby", "SUB_SLEEP", "STANDBYIDLE", ac=0, dc=1800),
        BitLocker("bitlocker"),
    )
    document = Document(resources, check_mode=True, diff=True)
    data = json.loads(json.dumps(document.to_json_data()))
    assert data["contract"] == 1
    assert data["check_mode"] is True
    assert [r["id"] for r in data["resources"]] == ["vpn-core", "svc", "standby", "bitlocker"]
    subset = document.only({"svc"})
    assert [r.id for r in subset.resources] == ["svc"]
    assert subset.check_mode is True
    assert subset.gather_facts is False


@pytest.mark.parametrize(
    ("factory", "message"),
    [
        (lambda: MsiPackage("x", "not-a-guid", "1", "n", "C:\\a.msi"), "product_code"),
        (lambda: MsiPackage("x", CORE.product_code, "1", "n", "C:\\a.exe"), ".msi"),
        (
            lambda: MsiPackage("x", CORE.product_code, "1", "n", "C:\\a.msi", arguments=("/l*v",)),
            "set by the agent",
        ),
        (lambda: File("f", "relative\\path.txt"), "absolute"),
        (lambda: RegistryValue("r", "SOFTWARE\\X", "v", "string", "1"), "HKLM"),
        (lambda: RegistryValue("r", "HKLM:\\X", "v", "dword", 2**32), "dword"),
        (lambda: RegistryValue("r", "HKLM:\\X", "v", "dword", "1"), "dword"),
        (lambda: RegistryValue("r", "HKLM:\\X", "v", "string", 5), "string"),
        (lambda: Service("s", "svc", state="running", start_mode="disabled"), "disabled"),
        (lambda: PowerSetting("p", "sub sleep", "STANDBYIDLE", 0, 0), "subgroup"),
        (lambda: PowerSetting("p", "SUB_SLEEP", "STANDBYIDLE", -1, 0), "ac"),
        (lambda: BitLocker("b", mount_point="C"), "mount_point"),
        (lambda: ComplianceCheck("c", "os_build_min"), "build"),
        (lambda: ComplianceCheck("c", "free_disk_gb_min", gb=10), "drive"),
        (lambda: Service("bad id!", "svc"), "resource id"),
    ],
)
def test_invalid_resources_are_refused_with_their_name(factory: Any, message: str) -> None:
    with pytest.raises(ResourceError, match=message):
        factory()


def test_from_mapping_round_trip_for_every_type() -> None:
    items: list[dict[str, Any]] = [
        {**CORE.to_document(), "arguments": ["/qn", "/norestart", "LOCKDOWN=1"]},
        {"type": "file", "id": "f", "path": "C:\\p.xml", "content": "hello"},
        {
            "type": "registry_value",
            "id": "r",
            "path": "HKLM:\\SOFTWARE\\X",
            "name": "v",
            "value_type": "dword",
            "data": "0x10",
        },
        {"type": "service", "id": "s", "name": "csc_vpnagent"},
        {
            "type": "power_setting",
            "id": "p",
            "subgroup": "SUB_SLEEP",
            "setting": "STANDBYIDLE",
            "ac": 0,
            "dc": 900,
        },
        {"type": "bitlocker", "id": "b"},
        {"type": "compliance", "id": "c", "check": "network_adapter", "kind": "wired"},
    ]
    resources = resources_from_list(items)
    assert {r.type for r in resources} == set(RESOURCE_TYPES)
    assert resources[0].to_document()["arguments"][-1] == "LOCKDOWN=1"
    assert isinstance(resources[1], File) and resources[1].content == b"hello"
    assert isinstance(resources[2], RegistryValue) and resources[2].data == 16


@pytest.mark.parametrize(
    ("items", "message"),
    [
        ([{"type": "nope", "id": "a"}], r"resource #1 \('a'\): unknown type 'nope'"),
        (
            [{"type": "service", "id": "a", "name": "x", "colour": "red"}],
            r"unknown option\(s\) \['colour'\]",
        ),
        ([{"type": "service", "id": "a"}], r"resource #1 \('a', service\)"),
        (
            [
                {"type": "service", "id": "a", "name": "x"},
                {"type": "service", "id": "a", "name": "y"},
            ],
            "used twice",
        ),
        (["not a mapping"], "must be a mapping"),
        ([{"type": "file", "id": "f", "path": "C:\\a", "content_b64": "***"}], "not base64"),
    ],
)
def test_bad_lists_name_the_position(items: list[Any], message: str) -> None:
    with pytest.raises(ResourceError, match=message):
        resources_from_list(items)


def test_msi_diff_descriptions() -> None:
    fresh = ResourceResult(
        "vpn-core",
        "msi_package",
        changed=True,
        before={"installed": False, "version": None},
        after={"installed": True, "version": "5.1.4.74"},
    )
    assert CORE.describe_diff(fresh) == (
        "msi_package vpn-core: Cisco Secure Client - AnyConnect VPN absent -> 5.1.4.74"
    )
    failed = ResourceResult(
        "vpn-core", "msi_package", error="fatal error", exit_code=1603, log_excerpt="Return value 3"
    )
    assert "exit 1603" in CORE.describe_diff(failed)
    assert "Return value 3" in CORE.describe_diff(failed)


def test_file_diff_is_unified_text() -> None:
    resource = File.from_text("profile", "C:\\p.xml", "<a>new</a>\n")
    result = ResourceResult(
        "profile",
        "file",
        changed=True,
        before={"exists": True, "content": "<a>old</a>\n"},
        after={"exists": True, "content": "<a>new</a>\n"},
    )
    text = resource.describe_diff(result)
    assert "-<a>old</a>" in text
    assert "+<a>new</a>" in text
    assert "C:\\p.xml" in text


def test_registry_and_compliance_diffs() -> None:
    reg = RegistryValue("cl", "HKLM:\\SOFTWARE\\W", "CachedLogonsCount", "string", "25")
    text = reg.describe_diff(
        ResourceResult(
            "cl", "registry_value", changed=True, before={"data": "10"}, after={"data": "25"}
        )
    )
    assert text.startswith("registry HKLM:\\SOFTWARE\\W\\CachedLogonsCount")
    assert "'10' -> '25'" in text
    check = ComplianceCheck("bl", "bitlocker_protected", mount_point="C:")
    red = check.describe_diff(ResourceResult("bl", "compliance", compliant=False, observed="Off"))
    assert "NOT COMPLIANT" in red
    assert "'Off'" in red
