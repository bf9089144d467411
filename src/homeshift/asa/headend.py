"""Desired RA-VPN configuration of one headend, built from its plan-file entry.

The plan (docs/plan-file.md) gives each headend its pool, session limit and priority; the
settings give what is the same on every member (names, DNS, AnyConnect image, cluster address).
The cluster key is *not* part of the settings: callers add it at the last moment
(:meth:`HeadendSettings.with_cluster_key`) so it never travels through facts or logs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from homeshift.asa.config import RavpnConfig, ValidationError

GROUP_POLICY = "HS-GP-HOMEOFFICE"
TUNNEL_GROUP = "HS-TG-HOMEOFFICE"


@dataclass(frozen=True)
class HeadendSettings:
    """What every cluster member shares (role defaults / inventory variables)."""

    cluster_ip: str
    group_policy: str = GROUP_POLICY
    tunnel_group: str = TUNNEL_GROUP
    group_alias: str | None = "HOMEOFFICE"
    dns_servers: tuple[str, ...] = ()
    default_domain: str | None = None
    split_tunnel_policy: str = "tunnelall"
    split_tunnel_network_list: str | None = None
    outside_interface: str = "outside"
    inside_interface: str | None = None
    anyconnect_image: str | None = None
    anyconnect_profile_name: str | None = None
    anyconnect_profile_path: str | None = None
    cluster_port: int | None = None
    cluster_encryption: bool = True
    max_other_vpn_limit: int | None = None
    extra_group_policy: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> HeadendSettings:
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValidationError(f"headend settings: unknown keys {unknown}")
        if not data.get("cluster_ip"):
            raise ValidationError("headend settings: cluster_ip is required")
        values = dict(data)
        values["dns_servers"] = tuple(str(x) for x in values.get("dns_servers") or ())
        return cls(**values)


def _entry_value(entry: Mapping[str, Any], key: str, host: str) -> Any:
    if key not in entry or entry[key] is None:
        raise ValidationError(f"plan entry for {host}: missing {key!r}")
    return entry[key]


def desired_config(entry: Mapping[str, Any], settings: HeadendSettings) -> dict[str, Any]:
    """Config mapping (``RavpnConfig.from_dict`` shape, no cluster key) for one plan entry."""
    host = str(entry.get("name", "?"))
    pool = _entry_value(entry, "pool", host)
    if not isinstance(pool, Mapping):
        raise ValidationError(f"plan entry for {host}: pool must be a mapping")
    pool_name = str(_entry_value(pool, "name", host))
    policy: dict[str, Any] = {
        "name": settings.group_policy,
        "vpn_tunnel_protocol": ["ssl-client"],
        "split_tunnel_policy": settings.split_tunnel_policy,
        **({"dns_servers": list(settings.dns_servers)} if settings.dns_servers else {}),
        **({"default_domain": settings.default_domain} if settings.default_domain else {}),
        **(
            {"split_tunnel_network_list": settings.split_tunnel_network_list}
            if settings.split_tunnel_network_list
            else {}
        ),
        **dict(settings.extra_group_policy),
    }
    group: dict[str, Any] = {
        "name": settings.tunnel_group,
        "type": "remote-access",
        "address_pool": pool_name,
        "default_group_policy": settings.group_policy,
    }
    if settings.group_alias:
        group["group_aliases"] = [f"{settings.group_alias} enable"]
    webvpn: dict[str, Any] = {
        "enable_interfaces": [settings.outside_interface],
        "anyconnect_enable": True,
        "tunnel_group_list_enable": True,
    }
    if settings.anyconnect_image:
        webvpn["anyconnect_images"] = [f"{settings.anyconnect_image} 1"]
    if settings.anyconnect_profile_name and settings.anyconnect_profile_path:
        webvpn["anyconnect_profiles"] = [
            f"{settings.anyconnect_profile_name} {settings.anyconnect_profile_path}"
        ]
    load_balancing: dict[str, Any] = {
        "interface_public": settings.outside_interface,
        "priority": int(_entry_value(entry, "priority", host)),
        "cluster_ip": settings.cluster_ip,
        "cluster_encryption": settings.cluster_encryption,
        "participate": True,
    }
    if settings.inside_interface:
        load_balancing["interface_private"] = settings.inside_interface
    if settings.cluster_port:
        load_balancing["cluster_port"] = settings.cluster_port
    sessiondb: dict[str, Any] = {
        "max_anyconnect_premium_or_essentials_limit": int(
            _entry_value(entry, "session_limit", host)
        )
    }
    if settings.max_other_vpn_limit is not None:
        sessiondb["max_other_vpn_limit"] = settings.max_other_vpn_limit
    config = {
        "pools": [
            {
                "name": pool_name,
                "first": _entry_value(pool, "first", host),
                "last": _entry_value(pool, "last", host),
                "mask": pool.get("mask"),
            }
        ],
        "group_policies": [policy],
        "tunnel_groups": [group],
        "webvpn": webvpn,
        "load_balancing": load_balancing,
        "sessiondb": sessiondb,
    }
    RavpnConfig.from_dict(config)  # fail here, naming the host, rather than at the device
    return config


def with_cluster_key(config: Mapping[str, Any], cluster_key: str | None) -> dict[str, Any]:
    """``config`` with the cluster key added to ``load_balancing`` (when given)."""
    result = dict(config)
    if cluster_key and result.get("load_balancing") is not None:
        result["load_balancing"] = {**result["load_balancing"], "cluster_key": cluster_key}
    return result


def plan_entry(headends: Sequence[Mapping[str, Any]], host: str) -> Mapping[str, Any]:
    for entry in headends:
        if entry.get("name") == host:
            return entry
    names = [str(e.get("name")) for e in headends]
    raise ValidationError(f"{host} is not in the plan's capacity.headends ({', '.join(names)})")


def other_pools(headends: Sequence[Mapping[str, Any]], host: str) -> list[dict[str, Any]]:
    """Pools the plan gives the other members (must never overlap this host's)."""
    return [
        {"name": e["pool"]["name"], "first": e["pool"]["first"], "last": e["pool"]["last"]}
        for e in headends
        if e.get("name") != host and isinstance(e.get("pool"), Mapping)
    ]
