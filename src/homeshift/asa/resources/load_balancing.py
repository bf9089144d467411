"""``vpn load-balancing`` (config-load-balancing): cluster membership of a headend.

The cluster key is a secret. A device that shows it masked (``cluster key *****``) cannot be
compared, so a masked key counts as "present and equal"; the key is then only sent when it is
missing. Everything returned to callers renders the key as ``*****``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from homeshift.asa.resources._block import (
    MASK,
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
)

HEADER = "vpn load-balancing"
CLEAR = "clear configure vpn load-balancing"
ATTRS: tuple[Attr, ...] = (
    Attr("interface lbpublic", "interface_public", "text"),
    Attr("interface lbprivate", "interface_private", "text"),
    Attr("nat", "nat", "text"),
    Attr("priority", "priority", "int"),
    Attr("cluster ip address", "cluster_ip", "text"),
    Attr("cluster port", "cluster_port", "int"),
    Attr("cluster key", "cluster_key", "text"),
    Attr("cluster encryption", "cluster_encryption", "flag"),
    # last: a unit only joins once the cluster settings above are in place
    Attr("participate", "participate", "flag"),
)
KEYS = attr_keys(ATTRS)


@dataclass(frozen=True)
class LoadBalancing:
    interface_public: str | None = None
    interface_private: str | None = None
    nat: str | None = None
    priority: int | None = None
    cluster_ip: str | None = None
    cluster_port: int | None = None
    cluster_key: str | None = None
    cluster_encryption: bool = False
    participate: bool = False

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LoadBalancing:
        config = cls(**coerce_attrs(data, ATTRS, "vpn load-balancing"))
        if config.priority is not None and not 1 <= config.priority <= 10:
            raise ValidationError(f"vpn load-balancing: priority {config.priority} not in 1-10")
        return config

    def lines(self) -> list[str]:
        return render_attrs(self, ATTRS)

    def secrets(self) -> list[str]:
        return [self.cluster_key] if self.cluster_key and self.cluster_key != MASK else []


def parse(children: Sequence[RawLine]) -> LoadBalancing:
    return LoadBalancing(**parse_attrs(children, ATTRS, "vpn load-balancing"))


def render(config: LoadBalancing) -> list[str]:
    return [HEADER, *(f" {line}" for line in config.lines())]


def key(line: str) -> str:
    return attribute_key(line, KEYS) or line


def _same(want_line: str, have_line: str) -> bool:
    if key(want_line) == "cluster key" and have_line == f"cluster key {MASK}":
        return True
    return want_line == have_line


def diff(
    want: LoadBalancing | None, have: LoadBalancing | None, *, replace: bool, delete: bool
) -> Changes:
    current = have.lines() if have else []
    if delete:
        return Changes([], [CLEAR] if have is not None else [])
    if want is None:
        return Changes([], [])
    lines = diff_lines(want.lines(), current, key, remove_extra=replace, same=_same)
    return Changes([HEADER, *(f" {x}" for x in lines)] if lines else [], [])
