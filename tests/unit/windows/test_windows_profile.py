"""VPN profile XML: golden files, well-formed, schema order, byte-identical re-renders."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET  # our own rendered XML, not untrusted input
from pathlib import Path

import pytest

from homeshift.windows.profile import (
    PROFILE_NAMESPACE,
    ProfileError,
    VpnProfile,
    client_generation,
    profile_path,
    render_profile,
)

FIXTURES = Path(__file__).parent / "fixtures" / "profile"
CASES = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())
NS = {"p": PROFILE_NAMESPACE}


def _render(case: str) -> str:
    return render_profile(
        VpnProfile.from_mapping(json.loads((FIXTURES / case / "input.json").read_text()))
    )


@pytest.mark.parametrize("case", CASES)
def test_golden(case: str) -> None:
    assert _render(case) == (FIXTURES / case / "expected.xml").read_text()


@pytest.mark.parametrize("case", CASES)
def test_well_formed_and_in_schema_order(case: str) -> None:
    root = ET.fromstring(_render(case).encode("utf-8"))  # noqa: S314
    assert root.tag == f"{{{PROFILE_NAMESPACE}}}AnyConnectProfile"
    # AnyConnectClientProfile is an xs:sequence: ClientInitialization, then ServerList
    assert [child.tag.split("}")[1] for child in root] == ["ClientInitialization", "ServerList"]
    init = root.find("p:ClientInitialization", NS)
    assert init is not None
    names = [child.tag.split("}")[1] for child in init]
    assert len(names) == len(set(names)), "xs:all allows each element at most once"
    entry = root.find("p:ServerList/p:HostEntry", NS)
    assert entry is not None
    order = [child.tag.split("}")[1] for child in entry]
    schema = ["HostName", "HostAddress", "UserGroup", "BackupServerList"]
    assert order == [name for name in schema if name in order]
    assert order[:2] == ["HostName", "HostAddress"]


def test_values_reach_the_xml() -> None:
    root = ET.fromstring(_render("cluster_with_backups").encode())  # noqa: S314
    assert (
        root.findtext("p:ServerList/p:HostEntry/p:HostAddress", namespaces=NS)
        == "vpn.homeshift.example"
    )
    assert root.findtext("p:ServerList/p:HostEntry/p:HostName", namespaces=NS) == "Homeshift VPN"
    backups = root.findall("p:ServerList/p:HostEntry/p:BackupServerList/p:HostAddress", NS)
    assert [b.text for b in backups] == ["198.51.100.21", "198.51.100.22"]
    assert root.findtext("p:ClientInitialization/p:UseStartBeforeLogon", namespaces=NS) == "true"
    assert root.findtext("p:ClientInitialization/p:AutoConnectOnStart", namespaces=NS) == "true"
    minimal = ET.fromstring(_render("minimal").encode())  # noqa: S314
    assert (
        minimal.findtext("p:ClientInitialization/p:UseStartBeforeLogon", namespaces=NS) == "false"
    )
    assert minimal.find("p:ServerList/p:HostEntry/p:BackupServerList", NS) is None


def test_rerender_is_byte_identical_and_has_no_timestamp() -> None:
    first = _render("cluster_with_backups").encode("utf-8")
    assert first == _render("cluster_with_backups").encode("utf-8")
    assert not first.startswith(b"\xef\xbb\xbf")
    assert b"2026" not in first and b"\r\n" not in first


def test_text_is_escaped() -> None:
    xml = render_profile(VpnProfile(cluster_address="vpn.example", user_group="A&B<C>"))
    root = ET.fromstring(xml.encode())  # noqa: S314
    assert root.findtext("p:ServerList/p:HostEntry/p:UserGroup", namespaces=NS) == "A&B<C>"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "cluster_address is required"),
        ({"cluster_address": "bad host"}, "not an address"),
        ({"cluster_address": "a.example", "backup_servers": "b.example"}, "must be a list"),
        ({"cluster_address": "a.example", "backup_servers": ["a.example"]}, "also listed"),
        ({"cluster_address": "a.example", "colour": "red"}, "unknown setting"),
        ({"cluster_address": "a.example", "certificate_store": "Nope"}, "certificate_store"),
        ({"cluster_address": "a.example", "authentication_timeout": 5}, "10..120"),
    ],
)
def test_invalid_settings(data: dict[str, object], message: str) -> None:
    with pytest.raises(ProfileError, match=message):
        VpnProfile.from_mapping(data)


def test_profile_path_follows_client_generation() -> None:
    assert client_generation("5.1.4.74") == 5
    assert profile_path("5.1.4.74", "homeshift.xml") == (
        "C:\\ProgramData\\Cisco\\Cisco Secure Client\\VPN\\Profile\\homeshift.xml"
    )
    assert profile_path("4.10.08029", "homeshift.xml").startswith(
        "C:\\ProgramData\\Cisco\\Cisco AnyConnect Secure Mobility Client\\Profile\\"
    )
    with pytest.raises(ProfileError):
        profile_path("6.0", "x.xml")
    with pytest.raises(ProfileError):
        profile_path("5.1", "..\\evil.xml")
