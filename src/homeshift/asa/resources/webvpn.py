"""Global ``webvpn`` (config-webvpn): AnyConnect on an interface, image, profile, group list."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from homeshift.asa.resources._block import (
    Attr,
    Changes,
    RawLine,
    attr_keys,
    attribute_key,
    coerce_attrs,
    diff_lines,
    parse_attrs,
    render_attrs,
)

HEADER = "webvpn"
CLEAR = "clear configure webvpn"
ATTRS: tuple[Attr, ...] = (
    Attr("enable", "enable_interfaces", "multi"),  # "enable outside"
    # "anyconnect image disk0:/anyconnect-win-4.10.pkg 1" -> "disk0:/anyconnect-win-4.10.pkg 1"
    Attr("anyconnect image", "anyconnect_images", "multi"),
    # "anyconnect profiles HS-PROFILE disk0:/hs.xml" -> "HS-PROFILE disk0:/hs.xml"
    Attr("anyconnect profiles", "anyconnect_profiles", "multi"),
    Attr("anyconnect enable", "anyconnect_enable", "flag"),
    Attr("tunnel-group-list enable", "tunnel_group_list_enable", "flag"),
)
KEYS = attr_keys(ATTRS)


@dataclass(frozen=True)
class Webvpn:
    enable_interfaces: tuple[str, ...] = ()
    anyconnect_images: tuple[str, ...] = ()
    anyconnect_profiles: tuple[str, ...] = ()
    anyconnect_enable: bool = False
    tunnel_group_list_enable: bool = False

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Webvpn:
        return cls(**coerce_attrs(data, ATTRS, "webvpn"))

    def lines(self) -> list[str]:
        return render_attrs(self, ATTRS)


def parse(children: Sequence[RawLine]) -> Webvpn:
    return Webvpn(**parse_attrs(children, ATTRS, "webvpn"))


def render(config: Webvpn) -> list[str]:
    return [HEADER, *(f" {line}" for line in config.lines())]


def key(line: str) -> str:
    return attribute_key(line, KEYS) or line


def diff(want: Webvpn | None, have: Webvpn | None, *, replace: bool, delete: bool) -> Changes:
    current = have.lines() if have else []
    if delete:
        return Changes([], [CLEAR] if have is not None else [])
    if want is None:
        return Changes([], [])
    lines = diff_lines(want.lines(), current, key, remove_extra=replace)
    return Changes([HEADER, *(f" {x}" for x in lines)] if lines else [], [])
