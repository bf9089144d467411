"""diff / inverse / validate on the pure model: ordering, states, rollback, secrets."""

from __future__ import annotations

import json

import pytest

from homeshift.asa.config import (
    RavpnConfig,
    ValidationError,
    diff,
    inverse,
    parse_running_config,
    redact,
    render_config,
    validate,
)
from homeshift.asa.resources.pools import Pool

from .conftest import CLUSTER_KEY, desired

EMPTY = RavpnConfig()


def _index(commands: list[str], text: str) -> int:
    return next(i for i, line in enumerate(commands) if line.strip().startswith(text))


def test_empty_to_full_is_dependency_ordered() -> None:
    commands = diff(desired(), EMPTY, "merged")
    assert commands[0].startswith("ip local pool HS-POOL-ASA-01 10.64.16.1-10.64.17.254")
    assert _index(commands, "group-policy HS-GP-HOMEOFFICE internal") < _index(
        commands, "tunnel-group HS-TG-HOMEOFFICE type remote-access"
    )
    assert _index(commands, "ip local pool") < _index(commands, "address-pool HS-POOL-ASA-01")
    assert commands[-1] == " participate"  # joins the cluster last
    assert " cluster key " + CLUSTER_KEY in commands  # the wire carries the real key
    assert " address-pool HS-POOL-ASA-01" in commands
    assert "vpn-sessiondb max-anyconnect-premium-or-essentials-limit 500" in commands


@pytest.mark.parametrize("state", ["merged", "replaced", "overridden"])
def test_rendered_config_parses_back_to_no_change(state: str) -> None:
    want = desired()
    have = parse_running_config("\n".join(render_config(want)))
    assert have == want
    assert diff(want, have, state) == []


def test_masked_cluster_key_counts_as_equal() -> None:
    text = "\n".join(render_config(desired())).replace(CLUSTER_KEY, "*****")
    assert diff(desired(), parse_running_config(text), "replaced") == []


def test_drift_merged_resends_only_the_changed_line() -> None:
    text = "\n".join(render_config(desired())).replace("10.1.1.11", "10.9.9.9")
    commands = diff(desired(), parse_running_config(text), "merged")
    assert commands == [
        "group-policy HS-GP-HOMEOFFICE attributes",
        " dns-server value 10.1.1.10 10.1.1.11",
    ]


def test_replaced_removes_extra_attributes_merged_keeps_them() -> None:
    text = "\n".join(render_config(desired())).replace(
        " split-tunnel-policy tunnelall", " split-tunnel-policy tunnelall\n vpn-idle-timeout 30"
    )
    have = parse_running_config(text)
    assert diff(desired(), have, "merged") == []
    assert diff(desired(), have, "replaced") == [
        "group-policy HS-GP-HOMEOFFICE attributes",
        " no vpn-idle-timeout 30",
    ]


def test_overridden_removes_unmanaged_in_reverse_dependency_order() -> None:
    extra = (
        "ip local pool OLD 172.16.0.1-172.16.0.254\n"
        "group-policy DfltGrpPolicy attributes\n vpn-idle-timeout 30\n"
        "group-policy OLD-GP internal\ngroup-policy OLD-GP attributes\n vpn-idle-timeout 10\n"
        "tunnel-group OLD-TG type remote-access\n"
        "tunnel-group OLD-TG general-attributes\n address-pool OLD\n default-group-policy OLD-GP\n"
        "tunnel-group DefaultRAGroup type remote-access\n"
    )
    have = parse_running_config("\n".join(render_config(desired())) + "\n" + extra)
    assert diff(desired(), have, "merged") == []
    commands = diff(desired(), have, "overridden")
    assert commands == [
        "clear configure tunnel-group OLD-TG",
        "clear configure group-policy OLD-GP",
        "no ip local pool OLD",
    ]


def test_deleted_names_and_everything() -> None:
    have = parse_running_config("\n".join(render_config(desired())))
    only_tg = RavpnConfig.from_dict({"tunnel_groups": [{"name": "HS-TG-HOMEOFFICE"}]})
    assert diff(only_tg, have, "deleted") == ["clear configure tunnel-group HS-TG-HOMEOFFICE"]
    everything = diff(EMPTY, have, "deleted")
    assert everything[0] == "clear configure vpn load-balancing"  # leave the cluster first
    assert "clear configure webvpn" in everything
    assert _index(everything, "clear configure tunnel-group") < _index(
        everything, "clear configure group-policy"
    )
    assert everything[-1] == "no ip local pool HS-POOL-ASA-01"


def test_changed_pool_range_is_removed_then_added() -> None:
    have = parse_running_config("ip local pool HS-POOL-ASA-01 10.64.16.1-10.64.16.254\n")
    want = desired(group_policies=[], tunnel_groups=[], webvpn=None, load_balancing=None)
    commands = diff(want, have, "merged")
    assert commands[:2] == [
        "no ip local pool HS-POOL-ASA-01",
        "ip local pool HS-POOL-ASA-01 10.64.16.1-10.64.17.254 mask 255.255.254.0",
    ]


def test_inverse_of_full_push_from_empty_undoes_in_reverse() -> None:
    commands = diff(desired(), EMPTY, "merged")
    undo = inverse(commands, EMPTY)
    # blocks this run created are cleared as a whole (no empty "webvpn" is left behind)
    assert undo[0] == "clear configure vpn load-balancing"
    assert "clear configure webvpn" in undo and not any(x.startswith(" no ") for x in undo)
    assert "clear configure tunnel-group HS-TG-HOMEOFFICE" in undo
    assert _index(undo, "clear configure tunnel-group") < _index(
        undo, "clear configure group-policy"
    )
    assert undo[-1] == "no ip local pool HS-POOL-ASA-01"
    # children of objects this run created are not undone line by line
    assert not any(line.startswith(" no dns-server") for line in undo)


def test_inverse_of_partial_push_touches_only_applied_lines() -> None:
    commands = diff(desired(), EMPTY, "merged")
    applied = commands[: _index(commands, "tunnel-group HS-TG-HOMEOFFICE type")]
    undo = inverse(applied, EMPTY)
    assert not any(
        line.startswith(("tunnel-group ", "clear configure tunnel-group")) for line in undo
    )
    assert "clear configure group-policy HS-GP-HOMEOFFICE" in undo
    assert undo[-1] == "no ip local pool HS-POOL-ASA-01"


def test_inverse_restores_changed_and_removed_lines() -> None:
    have = parse_running_config(
        "\n".join(render_config(desired()))
        .replace(
            " split-tunnel-policy tunnelall",
            " split-tunnel-policy tunnelall\n vpn-idle-timeout 30",
        )
        .replace("10.1.1.11", "10.9.9.9")
    )
    commands = diff(desired(), have, "replaced")
    assert commands == [
        "group-policy HS-GP-HOMEOFFICE attributes",
        " no vpn-idle-timeout 30",
        " dns-server value 10.1.1.10 10.1.1.11",
    ]
    assert inverse(commands, have) == [
        "group-policy HS-GP-HOMEOFFICE attributes",
        " dns-server value 10.1.1.10 10.9.9.9",
        " vpn-idle-timeout 30",
    ]


def test_inverse_of_clear_configure_rebuilds_the_object() -> None:
    have = parse_running_config(
        "group-policy OLD internal\ngroup-policy OLD attributes\n vpn-idle-timeout 10\n"
    )
    undo = inverse(["clear configure group-policy OLD"], have)
    assert undo == [
        "group-policy OLD internal",
        "group-policy OLD attributes",
        " vpn-idle-timeout 10",
    ]


def test_nested_group_policy_webvpn_is_left_explicitly() -> None:
    want = RavpnConfig.from_dict(
        {
            "group_policies": [{"name": "GP", "webvpn": ["anyconnect keep-installer installed"]}],
            "webvpn": {"anyconnect_enable": True},
        }
    )
    undo = inverse(diff(want, EMPTY, "merged"), EMPTY)
    # undo order: group-policy cleared, then global webvpn; no ambiguity possible
    assert undo == ["clear configure group-policy GP", "clear configure webvpn"]
    forward = diff(
        want,
        parse_running_config("group-policy GP internal\ngroup-policy GP attributes\n"),
        "merged",
    )
    assert forward[:3] == ["webvpn", " anyconnect enable", "group-policy GP attributes"]
    have = parse_running_config(
        "webvpn\n enable outside\ngroup-policy GP internal\ngroup-policy GP attributes\n"
    )
    mixed = inverse(
        [
            "webvpn",
            " anyconnect enable",
            "group-policy GP attributes",
            " webvpn",
            "  anyconnect keep-installer installed",
        ],
        have,
    )
    # undo runs in reverse: out of group-policy -> webvpn explicitly before the global webvpn
    assert mixed == [
        "group-policy GP attributes",
        " webvpn",
        "  no anyconnect keep-installer installed",
        " exit",
        "exit",
        "webvpn",
        " no anyconnect enable",
    ]


def test_validate_refuses_overlaps_small_pools_and_dangling_references() -> None:
    validate(desired())
    with pytest.raises(ValidationError, match="overlaps pool"):
        validate(
            desired(
                pools=[
                    {"name": "A", "first": "10.0.0.1", "last": "10.0.0.100"},
                    {"name": "B", "first": "10.0.0.50", "last": "10.0.1.100"},
                ],
                tunnel_groups=[],
            )
        )
    neighbour = Pool.from_dict(
        {"name": "HS-POOL-ASA-02", "first": "10.64.17.1", "last": "10.64.18.1"}
    )
    with pytest.raises(ValidationError, match="of another headend"):
        validate(desired(), other_pools=[neighbour])
    with pytest.raises(ValidationError, match="fewer than the session limit 5000"):
        validate(desired(sessiondb={"max_anyconnect_premium_or_essentials_limit": 5000}))
    with pytest.raises(ValidationError, match="address-pool NOPE is not a configured pool"):
        validate(desired(tunnel_groups=[{"name": "TG", "address_pool": "NOPE"}]))
    with pytest.raises(ValidationError, match="default-group-policy GHOST"):
        validate(desired(tunnel_groups=[{"name": "TG", "default_group_policy": "GHOST"}]))
    device = parse_running_config("ip local pool LEGACY 10.64.16.100-10.64.16.200\n")
    with pytest.raises(ValidationError, match="LEGACY"):
        validate(desired(), device)
    validate(desired(), device, state="overridden")  # LEGACY would be removed


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"bogus": 1}, "unknown keys"),
        ({"pools": [{"name": "P", "first": "10.0.0.x", "last": "10.0.0.9"}]}, "pool 'P'"),
        ({"pools": [{"name": "P", "first": "10.0.0.9", "last": "10.0.0.1"}]}, "before first"),
        ({"load_balancing": {"priority": 11}}, "priority 11 not in 1-10"),
        ({"group_policies": [{"name": "G", "default_domain": "a\nhostname evil"}]}, "single line"),
        ({"group_policies": [{"name": "G", "colour": "red"}]}, "unknown option 'colour'"),
        ({"group_policies": [{"name": "G"}, {"name": "G"}]}, "listed twice"),
        ({"tunnel_groups": [{"name": "T", "type": "magic"}]}, "type must be one of"),
        ({"sessiondb": {"max_other_vpn_limit": "lots"}}, "must be a number"),
    ],
)
def test_bad_input_is_a_clear_validation_error(data: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        RavpnConfig.from_dict(data)


def test_to_dict_and_redact_hide_the_cluster_key() -> None:
    want = desired()
    assert CLUSTER_KEY not in json.dumps(want.to_dict())
    shown = redact("\n".join(diff(want, EMPTY, "merged")), want.secrets())
    assert CLUSTER_KEY not in shown
    assert " cluster key *****" in shown


def test_tunnel_group_type_change_is_recreated_and_undone() -> None:
    have = parse_running_config(
        "tunnel-group T type ipsec-l2l\ntunnel-group T general-attributes\n"
        " default-group-policy DfltGrpPolicy\n"
    )
    want = RavpnConfig.from_dict({"tunnel_groups": [{"name": "T", "type": "remote-access"}]})
    commands = diff(want, have, "merged")
    assert commands == ["clear configure tunnel-group T", "tunnel-group T type remote-access"]
    assert inverse(commands, have) == [
        "clear configure tunnel-group T",
        "tunnel-group T type ipsec-l2l",
        "tunnel-group T general-attributes",
        " default-group-policy DfltGrpPolicy",
    ]
