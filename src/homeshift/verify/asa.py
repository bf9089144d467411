"""Headend checks that read naturally in a test, on top of ``host.run`` (the ``asa://`` backend).

    def test_headend(host):
        assert pools_configured(host, ["HS-POOL-ASA-01"]) == []
        assert tunnel_group_present(host, "HOMESHIFT")
        assert cluster_member(host)
        assert free_capacity(host) >= 500

The parsers are pure functions over the CLI text (formats in asa-cli.md §2.2-2.5), tested on
captured output; the helpers only choose the command.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

_POOL = re.compile(
    r"^ip local pool (?P<name>\S+) (?P<first>[\d.]+)-(?P<last>[\d.]+)(?: mask (?P<mask>[\d.]+))?",
    re.MULTILINE,
)
_TUNNEL_GROUP = re.compile(r"^tunnel-group (?P<name>\S+) type (?P<type>\S+)", re.MULTILINE)
_ANYCONNECT = re.compile(r"^AnyConnect Client\s*:\s*(\d+)", re.MULTILINE)
_TOTAL_ACTIVE = re.compile(r"^Total Active and Inactive\s*:\s*(\d+)", re.MULTILINE)
_CAPACITY = re.compile(r"^Device Total VPN Capacity\s*:\s*(\d+)", re.MULTILINE)
_LOAD = re.compile(r"^Device Load\s*:\s*(\d+)%", re.MULTILINE)


class AsaCheckError(RuntimeError):
    """The headend answered with an error or output the parser does not know."""


@dataclass(frozen=True, slots=True)
class Pool:
    name: str
    first: str
    last: str
    mask: str | None


@dataclass(frozen=True, slots=True)
class SessionSummary:
    """``show vpn-sessiondb summary``: AnyConnect sessions against the device capacity."""

    active: int
    capacity: int
    load_pct: int | None = None

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.active)


@dataclass(frozen=True, slots=True)
class LoadBalancing:
    """``show vpn load-balancing``: whether this unit takes part in the cluster."""

    enabled: bool
    role: str
    peers: int


def parse_pools(text: str) -> dict[str, Pool]:
    return {
        m["name"]: Pool(m["name"], m["first"], m["last"], m["mask"]) for m in _POOL.finditer(text)
    }


def parse_tunnel_groups(text: str) -> dict[str, str]:
    """tunnel-group name -> type (``remote-access``)."""
    return {m["name"]: m["type"] for m in _TUNNEL_GROUP.finditer(text)}


def parse_session_summary(text: str) -> SessionSummary:
    capacity = _CAPACITY.search(text)
    if capacity is None:
        raise AsaCheckError("no 'Device Total VPN Capacity' line in show vpn-sessiondb summary")
    anyconnect = _ANYCONNECT.search(text)
    total = _TOTAL_ACTIVE.search(text)
    active = int(anyconnect.group(1)) if anyconnect else int(total.group(1)) if total else 0
    load = _LOAD.search(text)
    return SessionSummary(active, int(capacity.group(1)), int(load.group(1)) if load else None)


def parse_load_balancing(text: str) -> LoadBalancing:
    """The status row under the ``Status  Role  Failover  Encryption  Peers  Cluster IP`` header."""
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if re.match(r"^\s*Status\s+Role\s+", line):
            for row in lines[index + 1 :]:
                fields = row.split()
                if not fields or set(row.strip()) <= {"-"}:
                    continue
                peers = next((int(f) for f in fields[2:] if f.isdigit()), 0)
                return LoadBalancing(fields[0].lower() == "enabled", fields[1], peers)
    return LoadBalancing(False, "", 0)


def _show(host: Any, command: str) -> str:
    result = host.run(command)
    text = str(result.stdout)
    if result.rc != 0:
        first_error = next((line for line in text.splitlines() if "ERROR" in line), text[:120])
        raise AsaCheckError(f"{command!r} failed: {first_error.strip()}")
    return text


def pools(host: Any) -> dict[str, Pool]:
    return parse_pools(_show(host, "show running-config ip local pool"))


def pools_configured(host: Any, names: Iterable[str]) -> list[str]:
    """The pool names NOT configured on the headend (empty: all there)."""
    present = pools(host)
    return [name for name in names if name not in present]


def tunnel_group_present(host: Any, name: str, kind: str = "remote-access") -> bool:
    groups = parse_tunnel_groups(_show(host, "show running-config tunnel-group"))
    return groups.get(name) == kind


def session_summary(host: Any) -> SessionSummary:
    return parse_session_summary(_show(host, "show vpn-sessiondb summary"))


def free_capacity(host: Any) -> int:
    """Sessions the headend can still take (device capacity − active AnyConnect sessions)."""
    return session_summary(host).free


def load_balancing(host: Any) -> LoadBalancing:
    return parse_load_balancing(_show(host, "show vpn load-balancing"))


def cluster_member(host: Any) -> bool:
    """True when VPN load balancing is enabled on this unit (it takes part in the cluster)."""
    return load_balancing(host).enabled
