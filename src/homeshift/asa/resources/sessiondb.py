"""``vpn-sessiondb max-...-limit N``: session limits that feed the load-balancing load figure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from homeshift.asa.resources._block import (
    Attr,
    Changes,
    RawLine,
    coerce_attrs,
    parse_attrs,
    render_attrs,
)

PREFIX = "vpn-sessiondb"
ATTRS: tuple[Attr, ...] = (
    Attr(
        "vpn-sessiondb max-anyconnect-premium-or-essentials-limit",
        "max_anyconnect_premium_or_essentials_limit",
        "int",
    ),
    Attr("vpn-sessiondb max-other-vpn-limit", "max_other_vpn_limit", "int"),
)


@dataclass(frozen=True)
class SessionDb:
    max_anyconnect_premium_or_essentials_limit: int | None = None
    max_other_vpn_limit: int | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SessionDb:
        return cls(**coerce_attrs(data, ATTRS, "vpn-sessiondb"))

    def lines(self) -> list[str]:
        return render_attrs(self, ATTRS)


def parse(lines: list[RawLine]) -> SessionDb:
    return SessionDb(**parse_attrs(lines, ATTRS, "vpn-sessiondb"))


def _key(line: str) -> str:
    return " ".join(line.split()[:2])


def diff(want: SessionDb | None, have: SessionDb | None, *, replace: bool, delete: bool) -> Changes:
    current = {_key(line): line for line in (have.lines() if have else [])}
    if delete:
        return Changes([], [f"no {line}" for line in current.values()])
    if want is None:
        return Changes([], [])
    wanted = {_key(line): line for line in want.lines()}
    commands = [line for k, line in wanted.items() if current.get(k) != line]
    if replace:
        commands = [f"no {line}" for k, line in current.items() if k not in wanted] + commands
    return Changes(commands, [])
