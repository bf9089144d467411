"""``ip local pool NAME FIRST-LAST [mask MASK]``: the address pool of a headend.

Pools must be unique per headend in a load-balancing cluster (Cisco: "IP address pools must be
unique for each device"), so overlap is refused before anything is sent.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from homeshift.asa.resources._block import Changes, ParseError, RawLine, ValidationError

PREFIX = "ip local pool "


@dataclass(frozen=True)
class Pool:
    name: str
    first: ipaddress.IPv4Address
    last: ipaddress.IPv4Address
    mask: ipaddress.IPv4Address | None = None

    @property
    def size(self) -> int:
        return int(self.last) - int(self.first) + 1

    def overlaps(self, other: Pool) -> bool:
        return int(self.first) <= int(other.last) and int(other.first) <= int(self.last)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Pool:
        try:
            pool = cls(
                name=str(data["name"]),
                first=ipaddress.IPv4Address(str(data["first"])),
                last=ipaddress.IPv4Address(str(data["last"])),
                mask=ipaddress.IPv4Address(str(data["mask"])) if data.get("mask") else None,
            )
        except (KeyError, ValueError) as exc:
            raise ValidationError(f"pool {data.get('name', '?')!r}: {exc}") from None
        if pool.last < pool.first:
            raise ValidationError(
                f"pool {pool.name}: last {pool.last} is before first {pool.first}"
            )
        if " " in pool.name or not pool.name:
            raise ValidationError(f"pool name {pool.name!r} is not a single word")
        return pool

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "first": str(self.first),
            "last": str(self.last),
            "mask": str(self.mask) if self.mask else None,
            "size": self.size,
        }


def parse(raw: RawLine) -> Pool:
    """Parse one ``ip local pool`` line."""
    words = raw.text.split()
    if len(words) not in (5, 7) or words[:3] != ["ip", "local", "pool"]:
        raise ParseError(raw.line_no, raw.text, "malformed ip local pool")
    first, sep, last = words[4].partition("-")
    try:
        mask = None
        if len(words) == 7:
            if words[5] != "mask":
                raise ValueError("expected 'mask'")
            mask = ipaddress.IPv4Address(words[6])
        pool = Pool(words[3], ipaddress.IPv4Address(first), ipaddress.IPv4Address(last), mask)
    except ValueError as exc:
        raise ParseError(raw.line_no, raw.text, f"bad address range ({exc})") from None
    if not sep:
        raise ParseError(raw.line_no, raw.text, "range needs FIRST-LAST")
    return pool


def render(pool: Pool) -> str:
    mask = f" mask {pool.mask}" if pool.mask else ""
    return f"{PREFIX}{pool.name} {pool.first}-{pool.last}{mask}"


def render_removal(pool: Pool) -> str:
    return f"no {PREFIX}{pool.name}"


def check_overlaps(
    pools: Iterable[Pool], others: Iterable[Pool] = (), others_are: str = "of another headend"
) -> None:
    """Refuse pools that overlap each other or any pool in ``others`` (described by
    ``others_are``, e.g. "of another headend")."""
    mine = list(pools)
    for index, pool in enumerate(mine):
        for other in mine[index + 1 :]:
            if pool.overlaps(other):
                raise ValidationError(
                    f"pool {pool.name} ({pool.first}-{pool.last}) overlaps pool {other.name} "
                    f"({other.first}-{other.last})"
                )
        for other in others:
            if other.name != pool.name and pool.overlaps(other):
                raise ValidationError(
                    f"pool {pool.name} ({pool.first}-{pool.last}) overlaps {other.name} "
                    f"({other.first}-{other.last}) {others_are}"
                )


def diff(want: Iterable[Pool], have: Iterable[Pool], *, remove_unlisted: bool) -> Changes:
    """Commands to add/replace pools in ``want``; with ``remove_unlisted`` drop the others.

    A changed range is removed and re-added (the ASA does not edit a pool in place).
    """
    have_by_name = {pool.name: pool for pool in have}
    want_names = set()
    commands: list[str] = []
    removals: list[str] = []
    for pool in want:
        want_names.add(pool.name)
        current = have_by_name.get(pool.name)
        if current == pool:
            continue
        if current is not None:
            commands.append(render_removal(current))
        commands.append(render(pool))
    if remove_unlisted:
        removals += [render_removal(p) for n, p in have_by_name.items() if n not in want_names]
    return Changes(commands, removals)
