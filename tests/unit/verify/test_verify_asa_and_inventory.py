"""ASA check parsers (real-device samples), the asa:// backend registration, inventory targets."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
import testinfra
import yaml
from testinfra.backend import BACKENDS

from homeshift.verify.asa import (
    AsaCheckError,
    cluster_member,
    free_capacity,
    parse_load_balancing,
    parse_pools,
    parse_session_summary,
    pools_configured,
    tunnel_group_present,
)
from homeshift.verify.asa_backend import AsaNetmikoBackend
from homeshift.verify.expectations import check_headend, parse_headend_expectations
from homeshift.verify.inventory import InventoryError, load_targets

SUMMARY = """\
---------------------------------------------------------------------------
VPN Session Summary
---------------------------------------------------------------------------
                               Active : Cumulative : Peak Concur : Inactive
                             ----------------------------------------------
AnyConnect Client            :     38 :     330351 :         442 :        0
  SSL/TLS/DTLS               :     38 :     330351 :         442 :        0
Clientless VPN               :      0 :       1040 :           9
  Browser                    :      0 :       1040 :           9
---------------------------------------------------------------------------
Total Active and Inactive    :     38             Total Cumulative : 331391
Device Total VPN Capacity    :   5000
Device Load                  :     1%
---------------------------------------------------------------------------
"""
LOAD_BALANCING = """\
--------------------------------------------------------------------------
Status     Role     Failover   Encryption   Peers     Cluster IP
--------------------------------------------------------------------------
Enabled    Master   n/a        Enabled          1     cluster1

Peers:
--------------------------------------------------------------------------
Role    Pri  Model             Load-Balancing Version  Public IP
"""
RUNNING_POOLS = "ip local pool HS-POOL-ASA-01 10.64.16.1-10.64.47.254 mask 255.255.224.0\n"
RUNNING_TG = (
    "tunnel-group HOMESHIFT type remote-access\n"
    "tunnel-group HOMESHIFT general-attributes\n"
    " address-pool HS-POOL-ASA-01\n"
)


class FakeAsa:
    def __init__(self, outputs: dict[str, str]) -> None:
        self.outputs = outputs

    def run(self, command: str) -> SimpleNamespace:
        if command not in self.outputs:
            out = f"{command}\n      ^\nERROR: % Invalid input detected at '^' marker.\n"
            return SimpleNamespace(rc=1, stdout=out)
        return SimpleNamespace(rc=0, stdout=self.outputs[command])


HEALTHY = {
    "show vpn-sessiondb summary": SUMMARY,
    "show running-config ip local pool": RUNNING_POOLS,
    "show running-config tunnel-group": RUNNING_TG,
    "show vpn load-balancing": LOAD_BALANCING,
}


def test_parsers_read_real_device_samples() -> None:
    summary = parse_session_summary(SUMMARY)
    assert (summary.active, summary.capacity, summary.load_pct, summary.free) == (38, 5000, 1, 4962)
    assert parse_load_balancing(LOAD_BALANCING).enabled
    assert parse_load_balancing(LOAD_BALANCING).peers == 1
    assert not parse_load_balancing("").enabled
    pool = parse_pools(RUNNING_POOLS)["HS-POOL-ASA-01"]
    assert (pool.first, pool.last, pool.mask) == ("10.64.16.1", "10.64.47.254", "255.255.224.0")
    with pytest.raises(AsaCheckError, match="Device Total VPN Capacity"):
        parse_session_summary("nothing")


def test_helpers_read_naturally() -> None:
    asa = FakeAsa(HEALTHY)
    assert pools_configured(asa, ["HS-POOL-ASA-01", "HS-POOL-ASA-09"]) == ["HS-POOL-ASA-09"]
    assert tunnel_group_present(asa, "HOMESHIFT")
    assert not tunnel_group_present(asa, "OTHER")
    assert cluster_member(asa)
    assert free_capacity(asa) == 4962


def test_check_headend_reports_every_problem() -> None:
    expected = parse_headend_expectations(
        {
            "tunnel_group": "MISSING-TG",
            "pools": {"asa-01": ["HS-POOL-ASA-01", "HS-POOL-X"]},
            "cluster": True,
            "min_free_sessions": 4970,
            "load_threshold_pct": 80,
        }
    )
    findings, summary = check_headend(FakeAsa(HEALTHY), "asa-01", expected)
    assert summary is not None and summary.active == 38
    assert [str(f) for f in findings] == [
        "headend asa-01 has 4962 free sessions (minimum 4970)",
        "headend asa-01: pool HS-POOL-X is not configured",
        "headend asa-01: tunnel-group MISSING-TG (remote-access) is missing",
    ]


def test_check_headend_turns_cli_errors_into_findings() -> None:
    findings, summary = check_headend(FakeAsa({}), "asa-02", parse_headend_expectations({}))
    assert summary is None
    assert [f.area for f in findings] == ["unreachable"]
    assert "Invalid input" in str(findings[0])


def test_plan_adds_each_headends_pool() -> None:
    plan = {"capacity": {"headends": [{"name": "asa-01", "pool": {"name": "HS-POOL-ASA-01"}}]}}
    expected = parse_headend_expectations({"pools": ["COMMON"]}).with_plan(plan)
    assert expected.pools_for("asa-01") == ("COMMON", "HS-POOL-ASA-01")
    assert expected.pools_for("asa-02") == ("COMMON",)


def test_asa_scheme_is_registered_with_testinfra() -> None:
    assert BACKENDS["asa"] == "homeshift.verify.asa_backend.AsaNetmikoBackend"
    host = testinfra.get_host("asa://admin:s%40cret@127.1.0.9:2222")
    assert isinstance(host.backend, AsaNetmikoBackend)
    assert host.backend.get_pytest_id() == "asa://127.1.0.9"  # no credentials in test ids
    assert (host.backend.port, host.backend.host.password) == (2222, "s@cret")


def test_inventory_targets_for_desktops_and_headends(tmp_path: Path) -> None:
    inventory = tmp_path / "inventory.yml"
    inventory.write_text(
        yaml.safe_dump(
            {
                "all": {
                    "children": {
                        "desktops": {
                            "hosts": {"BER-D1": {"ansible_host": "127.2.0.1"}},
                            "vars": {
                                "ansible_connection": "winrm",
                                "ansible_winrm_scheme": "http",
                                "ansible_port": 5985,
                                "ansible_user": "hs-admin",
                                "ansible_password": "p@ss:word",
                                "homeshift_vpn_cluster_address": "vpn.example.com",
                            },
                        },
                        "headends": {
                            "hosts": {"asa-01": {"ansible_host": "127.1.0.1", "ansible_port": 22}},
                            "vars": {
                                "ansible_network_os": "cisco.asa.asa",
                                "ansible_user": "admin",
                                "ansible_password": "pw",
                                "ansible_become_password": "enable-pw",
                            },
                        },
                        "other": {"hosts": {"jump": {}}},
                    }
                }
            }
        )
    )
    desktop, headend = load_targets(inventory)
    assert (desktop.name, desktop.kind, desktop.key) == ("BER-D1", "desktop", "127.2.0.1:5985")
    assert desktop.spec == "winrm://hs-admin:p%40ss%3Aword@127.2.0.1:5985?no_ssl=true"
    assert "p@ss" not in repr(desktop)
    assert desktop.role_vars == {"homeshift_vpn_cluster_address": "vpn.example.com"}
    assert (headend.name, headend.kind, headend.spec) == (
        "asa-01",
        "headend",
        "asa://admin:pw@127.1.0.1:22",
    )
    assert headend.enable_secret == "enable-pw" and "enable-pw" not in repr(headend)
    assert [t.name for t in load_targets(inventory, limit="desktops")] == ["BER-D1"]
    with pytest.raises(InventoryError, match="does not exist"):
        load_targets(tmp_path / "missing.yml")


def test_https_desktops_hand_their_ca_bundle_to_the_runner() -> None:
    from homeshift.verify.inventory import target_for
    from homeshift.verify.runner import shared_ca_bundle

    https = {"ansible_user": "u", "ansible_winrm_scheme": "https", "ansible_port": 5986}
    a = target_for("A", "desktop", {**https, "ansible_winrm_ca_trust_path": "/lab/ca.pem"})
    b = target_for("B", "desktop", {**https, "ansible_winrm_ca_trust_path": "/lab/ca.pem"})
    plain = target_for(
        "C", "desktop", {**https, "ansible_winrm_scheme": "http", "ansible_port": 5985,
                         "ansible_winrm_ca_trust_path": "/ignored.pem"}
    )  # fmt: skip
    assert shared_ca_bundle([a, b, plain]) == "/lab/ca.pem"
    assert shared_ca_bundle([plain]) == ""
    other = target_for("D", "desktop", {**https, "ansible_winrm_ca_trust_path": "/other.pem"})
    with pytest.raises(InventoryError, match="different ansible_winrm_ca_trust_path"):
        shared_ca_bundle([a, other])
