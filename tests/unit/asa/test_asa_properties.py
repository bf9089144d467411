"""Property tests: render/parse round trip, idempotent diff, undo of a full push; and a
cross-check of the session-summary parser against ntc-templates' TextFSM template."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from ntc_templates.parse import parse_output

from homeshift.asa.config import (
    RavpnConfig,
    State,
    diff,
    inverse,
    parse_running_config,
    render_config,
)
from homeshift.asa.facts import parse_vpn_sessiondb_summary

FIXTURES = Path(__file__).parent.parent / "fixtures" / "asa"
names = st.from_regex(r"[A-Z][A-Z0-9-]{0,10}", fullmatch=True)
words = st.from_regex(r"[a-z0-9][a-z0-9.]{0,8}", fullmatch=True)


@st.composite
def configs(draw: st.DrawFn) -> RavpnConfig:
    pool_names = draw(st.lists(names, max_size=3, unique=True))
    pools = [
        {"name": n, "first": f"10.{i}.0.1", "last": f"10.{i}.0.{draw(st.integers(1, 254))}"}
        for i, n in enumerate(pool_names)
    ]
    policy_names = draw(st.lists(names, max_size=3, unique=True))
    policies = [
        {
            "name": n,
            "dns_servers": draw(st.lists(st.sampled_from(["10.1.1.10", "10.1.1.11"]), max_size=2)),
            "vpn_tunnel_protocol": draw(
                st.sampled_from([[], ["ssl-client"], ["ikev2", "ssl-client"]])
            ),
            "vpn_idle_timeout": draw(st.sampled_from([None, "30", "none"])),
            "default_domain": draw(st.none() | words),
        }
        for n in policy_names
    ]
    groups = [
        {
            "name": f"TG-{n}",
            "address_pool": draw(st.none() | st.sampled_from(pool_names)) if pool_names else None,
            "default_group_policy": draw(st.sampled_from(policy_names)) if policy_names else None,
            "group_aliases": [f"{n} enable"] if draw(st.booleans()) else [],
        }
        for n in draw(st.lists(names, max_size=2, unique=True))
    ]
    data: dict[str, Any] = {"pools": pools, "group_policies": policies, "tunnel_groups": groups}
    if draw(st.booleans()):
        data["webvpn"] = {
            "enable_interfaces": ["outside"],
            "anyconnect_enable": draw(st.booleans()),
        }
    if draw(st.booleans()):
        data["load_balancing"] = {
            "priority": draw(st.integers(1, 10)),
            "cluster_ip": "198.51.100.200",
            "cluster_key": "Prop-Key-1",
            "participate": draw(st.booleans()),
        }
    if draw(st.booleans()):
        data["sessiondb"] = {
            "max_anyconnect_premium_or_essentials_limit": draw(st.integers(1, 500))
        }
    return RavpnConfig.from_dict(data)


@settings(max_examples=60, deadline=None)
@given(configs())
def test_render_parse_round_trip_and_idempotent_diff(config: RavpnConfig) -> None:
    parsed = parse_running_config("\n".join(render_config(config)))
    assert parsed == config
    for state in (State.MERGED, State.REPLACED, State.OVERRIDDEN):
        assert diff(config, parsed, state) == []


@settings(max_examples=60, deadline=None)
@given(configs())
def test_undo_of_a_full_push_removes_every_created_object(config: RavpnConfig) -> None:
    empty = RavpnConfig()
    undo = inverse(diff(config, empty, "merged"), empty)
    for pool in config.pools:
        assert f"no ip local pool {pool.name}" in undo
    for policy in config.group_policies:
        assert f"clear configure group-policy {policy.name}" in undo
    for group in config.tunnel_groups:
        assert f"clear configure tunnel-group {group.name}" in undo
    # dependents go first: a tunnel-group is cleared before the pool it uses
    for group in config.tunnel_groups:
        if group.address_pool:
            assert undo.index(f"clear configure tunnel-group {group.name}") < undo.index(
                f"no ip local pool {group.address_pool}"
            )
    assert "Prop-Key-1" not in " ".join(undo)  # a new cluster block is cleared whole


def test_session_summary_agrees_with_ntc_templates() -> None:
    text = (FIXTURES / "show_vpn-sessiondb_summary" / "ntc_sample" / "input.txt").read_text()
    ntc = parse_output(platform="cisco_asa", command="show vpn-sessiondb", data=text)[0]
    ours = parse_vpn_sessiondb_summary(text)
    assert ours.anyconnect_active == int(ntc["vpn_session_active"][0])
    assert ours.anyconnect_cumulative == int(ntc["vpn_session_cumulative"][0])
    assert ours.capacity == int(ntc["device_total_vpn_capacity"])
    assert ours.load_percent == int(ntc["device_load_percent"])
