"""Live facts of a headend from show commands: model, version, licence, sessions, pools, cluster.

Line parsers (asa-cli.md §2.4-2.5). Each raises :class:`FactsError` naming the command when the
output does not have the expected shape, instead of silently returning nothing.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any


class FactsError(ValueError):
    """Device output did not look like the command's documented output."""


@dataclass(frozen=True)
class VersionFacts:
    version: str
    model: str
    hostname: str | None
    serial: str | None
    licensed_peers: int | None  # "Total VPN Peers" (else "AnyConnect Premium Peers")
    anyconnect_premium_peers: int | None
    load_balancing_licensed: bool | None


@dataclass(frozen=True)
class SessionSummary:
    anyconnect_active: int
    anyconnect_cumulative: int
    anyconnect_peak: int
    total_active: int
    capacity: int | None
    load_percent: int | None


@dataclass(frozen=True)
class PoolUsage:
    name: str
    begin: str
    end: str
    mask: str
    free: int
    held: int
    in_use: int


@dataclass(frozen=True)
class ClusterPeer:
    role: str
    priority: int
    model: str
    public_ip: str
    is_self: bool


@dataclass(frozen=True)
class PeerLoad:
    public_ip: str
    anyconnect_limit: int
    anyconnect_used: int
    anyconnect_load_percent: int


@dataclass(frozen=True)
class LoadBalancingFacts:
    status: str
    role: str
    encryption: str | None
    peers_count: int
    cluster_ip: str | None
    peers: tuple[ClusterPeer, ...] = ()
    loads: tuple[PeerLoad, ...] = field(default=())

    @property
    def participating(self) -> bool:
        return self.status.lower() == "enabled"


def _int(text: str) -> int:
    return int(text.replace(",", ""))


def parse_show_version(text: str) -> VersionFacts:
    version = re.search(r"(?:Software|Appliance Software) Version (\S+)", text) or re.search(
        r"Version (\S+)", text
    )
    if not version:
        raise FactsError("show version: no 'Version' line")
    model = re.search(r"^Model Id:\s+(\S+)", text, re.M) or re.search(
        r"^Hardware:\s+([\w-]+)", text, re.M
    )
    hostname = re.search(r"^(\S+) up ", text, re.M)
    serial = re.search(r"^Serial Number:\s*(\S+)", text, re.M)
    total = re.search(r"^Total VPN Peers\s*:\s*(\d+)", text, re.M)
    premium = re.search(r"^AnyConnect Premium Peers\s*:\s*(\d+)", text, re.M)
    lb = re.search(r"^VPN Load Balancing\s*:\s*(\w+)", text, re.M)
    premium_peers = _int(premium.group(1)) if premium else None
    return VersionFacts(
        version=version.group(1),
        model=model.group(1) if model else "unknown",
        hostname=hostname.group(1) if hostname else None,
        serial=serial.group(1) if serial else None,
        licensed_peers=_int(total.group(1)) if total else premium_peers,
        anyconnect_premium_peers=premium_peers,
        load_balancing_licensed=(lb.group(1).lower() == "enabled") if lb else None,
    )


def parse_vpn_sessiondb_summary(text: str) -> SessionSummary:
    """``show vpn-sessiondb [summary]``: AnyConnect counters, capacity and load."""
    anyconnect = re.search(r"^AnyConnect Client\s*:\s*(\d+)\s*:\s*(\d+)\s*:\s*(\d+)", text, re.M)
    if "VPN Session Summary" not in text:
        raise FactsError("show vpn-sessiondb summary: no 'VPN Session Summary' table")
    total = re.search(r"^Total Active and Inactive\s*:\s*(\d+)", text, re.M)
    capacity = re.search(r"^Device Total VPN Capacity\s*:\s*(\d+)", text, re.M)
    load = re.search(r"^Device Load\s*:\s*(\d+)%", text, re.M)
    active, cumulative, peak = (
        (int(anyconnect.group(1)), int(anyconnect.group(2)), int(anyconnect.group(3)))
        if anyconnect
        else (0, 0, 0)
    )
    return SessionSummary(
        anyconnect_active=active,
        anyconnect_cumulative=cumulative,
        anyconnect_peak=peak,
        total_active=int(total.group(1)) if total else active,
        capacity=int(capacity.group(1)) if capacity else None,
        load_percent=int(load.group(1)) if load else None,
    )


_POOL_ROW = re.compile(
    r"^(?P<begin>\d+\.\d+\.\d+\.\d+)\s+(?P<end>\d+\.\d+\.\d+\.\d+)\s+"
    r"(?P<mask>\d+\.\d+\.\d+\.\d+)\s+(?P<free>\d+)\s+(?P<held>\d+)\s+(?P<in_use>\d+)\s*$"
)


def parse_ip_local_pool(name: str, text: str) -> PoolUsage:
    """``show ip local pool NAME``: the range row (address lists are ignored)."""
    for line in text.splitlines():
        match = _POOL_ROW.match(line.strip())
        if match:
            return PoolUsage(
                name=name,
                begin=match["begin"],
                end=match["end"],
                mask=match["mask"],
                free=int(match["free"]),
                held=int(match["held"]),
                in_use=int(match["in_use"]),
            )
    raise FactsError(f"show ip local pool {name}: no 'Begin End Mask Free Held In use' row")


def parse_vpn_load_balancing(text: str) -> LoadBalancingFacts:
    """``show vpn load-balancing``: status row, peers table and licence load table."""
    lines = [line.rstrip() for line in text.splitlines()]
    status = None
    peers: list[ClusterPeer] = []
    loads: list[PeerLoad] = []
    section = "status"
    for line in lines:
        stripped = line.strip()
        if not stripped or set(stripped) <= {"-", " "}:
            continue
        if stripped.startswith("Peers:"):
            section = "peers"
            continue
        if stripped.startswith("Total License Load"):
            section = "load"
            continue
        words = stripped.split()
        if section == "status" and words[0] in ("Enabled", "Disabled") and len(words) >= 5:
            status = words
        elif section == "peers" and len(words) >= 5 and words[1].isdigit():
            ip = words[-1]
            peers.append(
                ClusterPeer(
                    role=words[0],
                    priority=int(words[1]),
                    model=words[2],
                    public_ip=ip.rstrip("*"),
                    is_self=ip.endswith("*"),
                )
            )
        elif section == "load" and len(words) >= 7 and words[0].isdigit():
            loads.append(
                PeerLoad(
                    public_ip=words[-1].rstrip("*"),
                    anyconnect_limit=int(words[0]),
                    anyconnect_used=int(words[1]),
                    anyconnect_load_percent=int(words[2].rstrip("%")),
                )
            )
    if status is None:
        raise FactsError("show vpn load-balancing: no status row (Enabled/Disabled ...)")
    return LoadBalancingFacts(
        status=status[0],
        role=status[1],
        encryption=status[3] if len(status) > 5 else None,
        peers_count=int(status[-2]) if status[-2].isdigit() else len(peers),
        cluster_ip=status[-1],
        peers=tuple(peers),
        loads=tuple(loads),
    )


@dataclass(frozen=True)
class HeadendFacts:
    version: VersionFacts
    sessions: SessionSummary
    pools: tuple[PoolUsage, ...]
    load_balancing: LoadBalancingFacts | None

    @property
    def cluster_role(self) -> str | None:
        return self.load_balancing.role if self.load_balancing else None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["cluster_role"] = self.cluster_role
        return data
