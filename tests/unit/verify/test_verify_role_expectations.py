"""Expectations from the desktop_remote role defaults, per-host expectation files."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from homeshift.verify.desktop import ExpectationsError, load_expectation_set
from homeshift.verify.role import (
    ROLE_DEFAULTS,
    expectations_document,
    load_role_defaults,
    role_resources,
)
from homeshift.windows.profile import VpnProfile, profile_path, render_profile


def test_role_defaults_give_client_profile_and_cached_logons() -> None:
    assert ROLE_DEFAULTS.is_file()
    defaults = load_role_defaults()
    resources = role_resources("D1", {"homeshift_vpn_cluster_address": "vpn.example.com"}, defaults)
    by_id = {r["id"]: r for r in resources}
    assert set(by_id) == {
        "vpn-core",
        "vpn-sbl",
        "vpn-agent-service",
        "vpn-profile",
        "cached-logons",
    }
    assert by_id["vpn-core"]["version"] == defaults["homeshift_vpn_client_version"]
    assert by_id["vpn-agent-service"]["name"] == "csc_vpnagent"
    version = str(defaults["homeshift_vpn_client_version"])
    assert by_id["vpn-profile"]["path"] == profile_path(version, "homeshift.xml")
    expected_text = render_profile(VpnProfile(cluster_address="vpn.example.com"))
    import base64

    assert base64.b64decode(by_id["vpn-profile"]["content_b64"]).decode() == expected_text
    assert by_id["cached-logons"]["data"] == str(defaults["homeshift_cached_logons_count"])
    assert all("sha256" not in r for r in resources)


def test_host_vars_override_defaults_and_no_cluster_means_no_profile() -> None:
    defaults = load_role_defaults()
    resources = role_resources(
        "D1",
        {
            "homeshift_vpn_client_version": "4.10.08029",
            "homeshift_cached_logons_count": "50",
            "ansible_password": "not-taken",
        },
        defaults,
    )
    by_id = {r["id"]: r for r in resources}
    assert "vpn-profile" not in by_id
    assert by_id["vpn-agent-service"]["name"] == "vpnagent"
    assert by_id["cached-logons"]["data"] == "50"
    with pytest.raises(ExpectationsError, match="host D2: role variables"):
        role_resources("D2", {"homeshift_vpn_client_version": "9.9"}, defaults)


def test_expectations_document_is_shared_or_per_host(tmp_path: Path) -> None:
    defaults = load_role_defaults()
    same = role_resources("A", {}, defaults)
    other = role_resources("B", {"homeshift_cached_logons_count": "3"}, defaults)
    assert expectations_document({"A": same, "B": same}) == {"desktop": {"resources": same}}
    doc = expectations_document({"a-d1": same, "B": other})
    path = tmp_path / "expect.yml"
    path.write_text(yaml.safe_dump(doc))
    loaded = load_expectation_set(path)
    assert loaded.default.empty
    assert loaded.for_host("A-D1").registry_values[0].data == str(
        defaults["homeshift_cached_logons_count"]
    )
    assert loaded.for_host("b").registry_values[0].data == "3"
    assert loaded.for_host("unknown").empty
    path.write_text(yaml.safe_dump({"desktop": {"hosts": {"X": {"resources": "nope"}}}}))
    with pytest.raises(ExpectationsError, match=r"desktop\.hosts\.X\.resources must be a list"):
        load_expectation_set(path)
