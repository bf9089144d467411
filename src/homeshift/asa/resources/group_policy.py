"""``group-policy NAME internal`` + ``group-policy NAME attributes`` (config-group-policy)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from homeshift.asa.resources._block import (
    Attr,
    Changes,
    RawLine,
    ValidationError,
    attr_keys,
    attribute_key,
    coerce_attrs,
    diff_lines,
    parse_attrs,
    render_attrs,
    unlisted_removals,
)

#: Group-policies that exist on every ASA and are never removed by ``overridden``.
BUILTIN = frozenset({"DfltGrpPolicy"})

ATTRS: tuple[Attr, ...] = (
    Attr("vpn-tunnel-protocol", "vpn_tunnel_protocol", "words"),
    Attr("dns-server", "dns_servers", "value_list"),
    Attr("wins-server", "wins_servers", "value_list"),
    Attr("default-domain", "default_domain", "value"),
    Attr("split-tunnel-policy", "split_tunnel_policy", "text"),
    Attr("split-tunnel-network-list", "split_tunnel_network_list", "value"),
    Attr("address-pools", "address_pools", "value_list"),
    Attr("vpn-simultaneous-logins", "vpn_simultaneous_logins", "int"),
    Attr("vpn-idle-timeout", "vpn_idle_timeout", "text"),
    Attr("vpn-session-timeout", "vpn_session_timeout", "text"),
    Attr("banner", "banner", "value"),
)
KEYS = attr_keys(ATTRS)


@dataclass(frozen=True)
class GroupPolicy:
    name: str
    vpn_tunnel_protocol: tuple[str, ...] = ()
    dns_servers: tuple[str, ...] = ()
    wins_servers: tuple[str, ...] = ()
    default_domain: str | None = None
    split_tunnel_policy: str | None = None
    split_tunnel_network_list: str | None = None
    address_pools: tuple[str, ...] = ()
    vpn_simultaneous_logins: int | None = None
    vpn_idle_timeout: str | None = None
    vpn_session_timeout: str | None = None
    banner: str | None = None
    #: lines of the nested ``webvpn`` sub-mode, kept verbatim (not managed field by field)
    webvpn: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GroupPolicy:
        name = str(data.get("name") or "")
        if not name or " " in name:
            raise ValidationError(f"group-policy name {name!r} is not a single word")
        rest = {k: v for k, v in data.items() if k != "webvpn"}
        webvpn = tuple(str(line).strip() for line in data.get("webvpn") or ())
        return cls(name=name, webvpn=webvpn, **coerce_attrs(rest, ATTRS, f"group-policy {name}"))

    def attribute_lines(self) -> list[str]:
        return render_attrs(self, ATTRS)


def parse(name: str, children: Sequence[RawLine]) -> dict[str, Any]:
    """Fields of one ``attributes`` block (children with indent 1, nested webvpn at 2)."""
    own: list[RawLine] = []
    webvpn: list[str] = []
    in_webvpn = False
    for raw in children:
        if raw.indent == 1:
            in_webvpn = raw.text == "webvpn"
            if not in_webvpn:
                own.append(raw)
        elif in_webvpn:
            webvpn.append(raw.text)
        else:
            own.append(raw)  # deeper line outside webvpn: reported as unknown below
    values = parse_attrs(own, ATTRS, f"group-policy {name} attributes")
    if webvpn:
        values["webvpn"] = tuple(webvpn)
    return values


def _key(line: str) -> str:
    return attribute_key(line, KEYS) or line


def render(policy: GroupPolicy) -> list[str]:
    lines = [f"group-policy {policy.name} internal", f"group-policy {policy.name} attributes"]
    lines += [f" {line}" for line in policy.attribute_lines()]
    if policy.webvpn:
        lines += [" webvpn", *(f"  {line}" for line in policy.webvpn)]
    return lines


def render_removal(name: str) -> str:
    return f"clear configure group-policy {name}"


def diff(
    want: Iterable[GroupPolicy],
    have: Iterable[GroupPolicy],
    *,
    replace: bool,
    remove_unlisted: bool,
) -> Changes:
    have_by_name = {p.name: p for p in have}
    want_names: set[str] = set()
    commands: list[str] = []
    for policy in want:
        want_names.add(policy.name)
        current = have_by_name.get(policy.name)
        if current is None:
            commands += render(policy)
            continue
        own = diff_lines(
            policy.attribute_lines(), current.attribute_lines(), _key, remove_extra=replace
        )
        nested = diff_lines(policy.webvpn, current.webvpn, lambda line: line, remove_extra=replace)
        if own or nested:
            commands.append(f"group-policy {policy.name} attributes")
            commands += [f" {line}" for line in own]
            if nested:
                commands += [" webvpn", *(f"  {line}" for line in nested)]
    removals = []
    if remove_unlisted:
        removals = unlisted_removals(have_by_name, want_names, BUILTIN, render_removal)
    return Changes(commands, removals)
