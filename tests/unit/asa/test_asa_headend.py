"""Desired config from a plan entry, and scale-out planning/summary next to live members."""

from __future__ import annotations

import ipaddress

import pytest

from homeshift.asa.config import RavpnConfig, ValidationError, validate
from homeshift.asa.headend import (
    HeadendSettings,
    desired_config,
    other_pools,
    plan_entry,
    with_cluster_key,
)
from homeshift.asa.resources.pools import Pool
from homeshift.asa.scale_out import LiveMember, ScaleOutError, added, plan_scale_out, summary

ENTRY = {
    "name": "asa-01",
    "session_limit": 750,
    "priority": 10,
    "pool": {
        "name": "HS-POOL-ASA-01",
        "first": "10.64.0.1",
        "last": "10.64.3.254",
        "mask": "255.255.252.0",
    },
}
SETTINGS = HeadendSettings(cluster_ip="198.51.100.200", dns_servers=("10.1.1.10",))


def test_desired_config_follows_the_plan_entry() -> None:
    config = RavpnConfig.from_dict(with_cluster_key(desired_config(ENTRY, SETTINGS), "k3y"))
    validate(config)
    assert config.pools[0].name == "HS-POOL-ASA-01" and config.pools[0].size == 1022
    assert config.tunnel_groups[0].address_pool == "HS-POOL-ASA-01"
    assert config.tunnel_groups[0].default_group_policy == "HS-GP-HOMEOFFICE"
    assert config.group_policies[0].vpn_tunnel_protocol == ("ssl-client",)
    assert config.group_policies[0].dns_servers == ("10.1.1.10",)
    assert config.load_balancing is not None
    assert config.load_balancing.priority == 10 and config.load_balancing.participate
    assert config.load_balancing.cluster_key == "k3y"
    assert config.sessiondb is not None
    assert config.sessiondb.max_anyconnect_premium_or_essentials_limit == 750
    assert "cluster_key" not in desired_config(ENTRY, SETTINGS)["load_balancing"]


def test_plan_problems_name_the_host() -> None:
    with pytest.raises(ValidationError, match="asa-09 is not in the plan"):
        plan_entry([ENTRY], "asa-09")
    with pytest.raises(ValidationError, match="plan entry for asa-01: missing 'priority'"):
        desired_config({k: v for k, v in ENTRY.items() if k != "priority"}, SETTINGS)
    with pytest.raises(ValidationError, match="cluster_ip is required"):
        HeadendSettings.from_dict({})
    assert other_pools([ENTRY], "asa-02")[0]["name"] == "HS-POOL-ASA-01"
    assert other_pools([ENTRY], "asa-01") == []


def _members() -> list[LiveMember]:
    return [
        LiveMember("asa-01", "ASAv30", 750, {**ENTRY["pool"]}),  # type: ignore[dict-item]
        LiveMember(
            "asa-02",
            "ASAv30",
            750,
            {
                "name": "LEGACY",
                "first": "10.64.4.1",
                "last": "10.64.7.254",
                "mask": "255.255.252.0",
            },
        ),
    ]


def test_scale_out_keeps_live_pools_and_new_pools_avoid_them() -> None:
    document = plan_scale_out(_members(), ["asa-03", "asa-04"], add_headends=2)
    new = added(document.capacity)
    assert [h.name for h in new] == ["asa-03", "asa-04"]
    existing = {h.name: h.pool for h in document.capacity.headends if h.existing}
    assert existing["asa-02"].name == "LEGACY" and existing["asa-02"].first == "10.64.4.1"
    live = [
        Pool.from_dict(vars_)
        for vars_ in (
            ENTRY["pool"],
            {"name": "LEGACY", "first": "10.64.4.1", "last": "10.64.7.254"},
        )
    ]  # type: ignore[arg-type]
    for planned in new:
        pool = Pool.from_dict(
            {"name": planned.pool.name, "first": planned.pool.first, "last": planned.pool.last}
        )
        assert not any(pool.overlaps(other) for other in live)
        assert pool.size >= planned.session_limit
        assert ipaddress.IPv4Address(planned.pool.first) in ipaddress.IPv4Network("10.64.0.0/12")


def test_scale_out_by_target_users_adds_only_what_is_needed() -> None:
    document = plan_scale_out(_members(), ["asa-03", "asa-04"], target_users=1500)
    assert [h.name for h in added(document.capacity)] == ["asa-03"]
    assert plan_scale_out(_members(), ["asa-03"], target_users=100).capacity.headends_to_add == 0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "exactly one of"),
        ({"target_users": 10, "add_headends": 1}, "exactly one of"),
        ({"add_headends": 3}, "only 2 spare"),
        ({"target_users": 100000}, "new headend\\(s\\) needed"),
        ({"add_headends": 0}, "must be >= 1"),
    ],
)
def test_scale_out_refuses_impossible_requests(kwargs: dict[str, int], message: str) -> None:
    with pytest.raises(ScaleOutError, match=message):
        plan_scale_out(_members(), ["asa-03", "asa-04"], **kwargs)


def test_summary_reports_capacity_and_failures() -> None:
    document = plan_scale_out(_members(), ["asa-03"], add_headends=1)
    ok = summary(document, converged=["asa-03"], sessions={"asa-03": 12})
    assert ok["ok"] and ok["added_headends"] == ["asa-03"]
    assert ok["capacity_before"]["session_limit"] == 1500
    assert ok["capacity_after"]["session_limit"] == 2250
    assert ok["sessions_on_new_members"] == {"asa-03": 12}
    assert ok["pools"]["asa-03"]["name"] == "HS-POOL-ASA-03"
    failed = summary(document, converged=[], failed=["asa-03"])
    assert failed["ok"] is False and failed["failed"] == ["asa-03"]
    assert summary(document)["ok"] is False  # nothing converged is not success
