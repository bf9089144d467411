"""``tunnel-group NAME type|general-attributes|webvpn-attributes|ipsec-attributes``."""

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

#: Tunnel-groups that exist on every ASA and are never removed by ``overridden``.
BUILTIN = frozenset({"DefaultRAGroup", "DefaultWEBVPNGroup", "DefaultL2LGroup"})
TYPES = frozenset({"remote-access", "ipsec-l2l", "webvpn"})

GENERAL: tuple[Attr, ...] = (
    # the running-config may show an interface qualifier: "address-pool (outside) POOL"
    Attr("address-pool", "address_pool", "text"),
    Attr("authentication-server-group", "authentication_server_group", "text"),
    Attr("authorization-server-group", "authorization_server_group", "text"),
    Attr("accounting-server-group", "accounting_server_group", "text"),
    Attr("default-group-policy", "default_group_policy", "text"),
)
WEBVPN: tuple[Attr, ...] = (
    Attr("group-alias", "group_aliases", "multi"),
    Attr("group-url", "group_urls", "multi"),
)
GENERAL_KEYS = attr_keys(GENERAL)
WEBVPN_KEYS = attr_keys(WEBVPN)
SECTIONS = ("general-attributes", "webvpn-attributes", "ipsec-attributes")


@dataclass(frozen=True)
class TunnelGroup:
    name: str
    type: str = "remote-access"
    address_pool: str | None = None
    authentication_server_group: str | None = None
    authorization_server_group: str | None = None
    accounting_server_group: str | None = None
    default_group_policy: str | None = None
    #: ``group-alias NAME enable`` lines without the keyword, e.g. ``("STAFF enable",)``
    group_aliases: tuple[str, ...] = ()
    group_urls: tuple[str, ...] = ()
    #: ipsec-attributes lines, kept verbatim (secrets there are shown masked by the ASA)
    ipsec: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TunnelGroup:
        name = str(data.get("name") or "")
        if not name or " " in name:
            raise ValidationError(f"tunnel-group name {name!r} is not a single word")
        kind = str(data.get("type") or "remote-access")
        if kind not in TYPES:
            raise ValidationError(f"tunnel-group {name}: type must be one of {sorted(TYPES)}")
        rest = {k: v for k, v in data.items() if k not in ("type", "ipsec")}
        values = coerce_attrs(rest, GENERAL + WEBVPN, f"tunnel-group {name}")
        return cls(name=name, type=kind, **values)

    def general_lines(self) -> list[str]:
        return render_attrs(self, GENERAL)

    def webvpn_lines(self) -> list[str]:
        return render_attrs(self, WEBVPN)


def parse_section(name: str, section: str, children: Sequence[RawLine]) -> dict[str, Any]:
    """Fields of one ``tunnel-group NAME <section>`` block."""
    if section == "general-attributes":
        return parse_attrs(children, GENERAL, f"tunnel-group {name} general-attributes")
    if section == "webvpn-attributes":
        return parse_attrs(children, WEBVPN, f"tunnel-group {name} webvpn-attributes")
    return {"ipsec": tuple(raw.text for raw in children)}


def render(group: TunnelGroup) -> list[str]:
    lines = [f"tunnel-group {group.name} type {group.type}"]
    for section, body in (
        ("general-attributes", group.general_lines()),
        ("webvpn-attributes", group.webvpn_lines()),
        ("ipsec-attributes", list(group.ipsec)),
    ):
        if body:
            lines += [f"tunnel-group {group.name} {section}", *(f" {line}" for line in body)]
    return lines


def render_removal(name: str) -> str:
    return f"clear configure tunnel-group {name}"


def diff(
    want: Iterable[TunnelGroup],
    have: Iterable[TunnelGroup],
    *,
    replace: bool,
    remove_unlisted: bool,
) -> Changes:
    have_by_name = {g.name: g for g in have}
    want_names: set[str] = set()
    commands: list[str] = []
    removals: list[str] = []
    for group in want:
        want_names.add(group.name)
        current = have_by_name.get(group.name)
        if current is None:
            commands += render(group)
            continue
        if current.type != group.type:  # the type cannot be changed in place
            commands += [render_removal(group.name), *render(group)]
            continue
        for section, want_lines, have_lines, keys in (
            ("general-attributes", group.general_lines(), current.general_lines(), GENERAL_KEYS),
            ("webvpn-attributes", group.webvpn_lines(), current.webvpn_lines(), WEBVPN_KEYS),
        ):
            lines = diff_lines(
                want_lines,
                have_lines,
                lambda line, k=keys: attribute_key(line, k) or line,  # type: ignore[misc]
                remove_extra=replace,
            )
            if lines:
                commands += [f"tunnel-group {group.name} {section}", *(f" {x}" for x in lines)]
    if remove_unlisted:
        removals += unlisted_removals(have_by_name, want_names, BUILTIN, render_removal)
    return Changes(commands, removals)
