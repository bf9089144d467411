"""VPN load-balancing cluster and simulated AnyConnect sessions.

Members of a cluster are headends whose running config has ``vpn load-balancing`` with the
cluster IP, ``participate`` and the director's ``cluster key``. The director is the
participating member with the highest priority, ties broken by the lowest outside address
[unverified election rule, asa-cli.md §3.3]. Each user goes to the least-loaded member
(load = active / limit, limit = min(licensed peers, ``vpn-sessiondb
max-anyconnect-premium-or-essentials-limit``, active + free pool addresses)).

Sessions are stored compactly: per member a dict index -> small tuple, and per pool a set of
used address offsets, so 20,000 sessions cost a few MB.
"""

from __future__ import annotations

import ipaddress
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from homeshift.lab.asa.model import AsaConfig, Pool, TunnelGroup, ip_to_int

if TYPE_CHECKING:
    from homeshift.lab.asa.device import Headend

#: simulated users' home addresses come from 100.64.0.0/10 (shared address space)
PUBLIC_BASE = int(ipaddress.IPv4Address("100.64.0.0"))
SESSION_LIMIT_KEY = "max-anyconnect-premium-or-essentials-limit"

#: Session = (username, assigned ip int, public ip int, login epoch, tunnel-group, group-policy,
#: pool name)
Session = tuple[str, int, int, float, str, str, str]

REFUSAL_REASONS = (
    "no_participating_member",
    "licence_exhausted",
    "pool_exhausted",
    "anyconnect_disabled",
    "no_tunnel_group",
    "no_address_pool",
    "ssl_client_not_allowed",
)


@dataclass
class MemberSessions:
    sessions: dict[int, Session] = field(default_factory=dict)
    pool_used: dict[str, set[int]] = field(default_factory=dict)
    pool_cursor: dict[str, int] = field(default_factory=dict)
    cumulative: int = 0
    peak: int = 0
    next_index: int = 1
    bytes_seed: int = 0

    @property
    def active(self) -> int:
        return len(self.sessions)


def sessions_of(device: Headend) -> MemberSessions:
    if device.sessions is None:
        device.sessions = MemberSessions()
    return device.sessions


def default_tunnel_group(config: AsaConfig) -> TunnelGroup | None:
    """The tunnel-group an AnyConnect user lands in when none is chosen."""
    remote = [t for t in config.tunnel_groups.values() if t.type == "remote-access"]
    with_alias = [t for t in remote if t.alias_enabled]
    candidates = with_alias or remote
    return candidates[0] if candidates else None


def session_pool(config: AsaConfig, tunnel_group: TunnelGroup) -> Pool | None:
    names = tunnel_group.address_pools
    if not names:
        policy = config.group_policies.get(tunnel_group.default_group_policy)
        names = policy.address_pools if policy else []
    for name in names:
        if name in config.pools:
            return config.pools[name]
    return None


def pool_free(device: Headend, pool: Pool) -> int:
    return pool.size - len(sessions_of(device).pool_used.get(pool.name, ()))


def configured_limit(device: Headend) -> int:
    limit = device.licensed_peers
    configured = device.config.sessiondb.get(SESSION_LIMIT_KEY)
    return min(limit, configured) if configured is not None else limit


def anyconnect_ready(config: AsaConfig) -> bool:
    wv = config.webvpn
    return wv.present and wv.anyconnect_enabled and "outside" in wv.enabled_on


@dataclass(frozen=True)
class Capacity:
    limit: int
    reason_when_full: str
    tunnel_group: TunnelGroup | None
    pool: Pool | None


def capacity(device: Headend, tunnel_group_name: str | None = None) -> Capacity:
    config = device.config
    active = sessions_of(device).active
    if not anyconnect_ready(config):
        return Capacity(active, "anyconnect_disabled", None, None)
    tg = (
        config.tunnel_groups.get(tunnel_group_name)
        if tunnel_group_name
        else default_tunnel_group(config)
    )
    if tg is None:
        return Capacity(active, "no_tunnel_group", None, None)
    policy = config.group_policies.get(tg.default_group_policy)
    protocols = policy.attributes.get("vpn-tunnel-protocol") if policy else None
    if protocols is not None and "ssl-client" not in protocols.split():
        return Capacity(active, "ssl_client_not_allowed", tg, None)
    pool = session_pool(config, tg)
    if pool is None:
        return Capacity(active, "no_address_pool", tg, None)
    licence = configured_limit(device)
    by_pool = active + pool_free(device, pool)
    if by_pool < licence:
        return Capacity(by_pool, "pool_exhausted", tg, pool)
    return Capacity(licence, "licence_exhausted", tg, pool)


def load_percent(device: Headend) -> int:
    """Load = active / configured limit (licence or vpn-sessiondb), in percent (unverified)."""
    limit = configured_limit(device)
    active = sessions_of(device).active
    return round(100 * active / limit) if limit else 0


def cpu_percent(device: Headend) -> int:
    """Synthetic CPU: 1 % idle plus 0.6 % per percent of load (a lab model, not measured)."""
    return min(99, 1 + (load_percent(device) * 6) // 10)


class Cluster:
    """All headends of the lab, and the sessions the control interface simulates."""

    def __init__(self, headends: list[Headend]) -> None:
        self.headends = headends
        self.refusals: Counter[str] = Counter()

    def by_name(self, name: str) -> Headend:
        for device in self.headends:
            if device.name == name:
                return device
        raise ValueError(f"unknown headend {name!r}; known: {[d.name for d in self.headends]}")

    # ---- membership --------------------------------------------------------------------------
    def cluster_ips(self) -> list[str]:
        seen: list[str] = []
        for device in self.headends:
            lb = device.config.load_balancing
            if lb.present and lb.participate and lb.cluster_ip and lb.cluster_ip not in seen:
                seen.append(lb.cluster_ip)
        return seen

    def members(self, cluster_ip: str) -> tuple[Headend | None, list[Headend]]:
        """(director, members) of the cluster at ``cluster_ip``."""
        candidates = []
        for device in self.headends:
            lb = device.config.load_balancing
            if lb.present and lb.participate and lb.cluster_ip == cluster_ip:
                candidates.append(device)
        if not candidates:
            return None, []
        director = min(
            candidates,
            key=lambda d: (-d.config.load_balancing.effective_priority, ip_to_int(d.outside_ip)),
        )
        key = director.config.load_balancing.cluster_key
        members = [d for d in candidates if d.config.load_balancing.cluster_key == key]
        return director, members

    def cluster_of(self, device: Headend) -> tuple[Headend | None, list[Headend]]:
        lb = device.config.load_balancing
        if not (lb.present and lb.cluster_ip):
            return None, []
        return self.members(lb.cluster_ip)

    # ---- users -------------------------------------------------------------------------------
    def connect_users(
        self,
        count: int,
        cluster_ip: str | None = None,
        prefix: str = "user",
        tunnel_group: str | None = None,
    ) -> dict[str, Any]:
        if count < 0:
            raise ValueError("count must be >= 0")
        if cluster_ip is None:
            ips = self.cluster_ips()
            cluster_ip = ips[0] if ips else None
        _, members = self.members(cluster_ip) if cluster_ip else (None, [])
        refusals: Counter[str] = Counter()
        placement: Counter[str] = Counter()
        caps = {d.name: capacity(d, tunnel_group) for d in members}
        now = time.time()
        for _ in range(count):
            if not members:
                refusals["no_participating_member"] += 1
                continue
            best: Headend | None = None
            best_load = 2.0
            for device in members:
                cap = caps[device.name]
                active = sessions_of(device).active
                if active >= cap.limit:
                    continue
                load = active / cap.limit
                if load < best_load:
                    best, best_load = device, load
            if best is None:
                reasons = [caps[d.name].reason_when_full for d in members]
                refusals[max(set(reasons), key=reasons.count)] += 1
                continue
            cap = caps[best.name]
            assert cap.pool is not None and cap.tunnel_group is not None
            self._open_session(best, cap, prefix, now)
            placement[best.name] += 1
        self.refusals.update(refusals)
        return {
            "cluster_ip": cluster_ip,
            "connected": sum(placement.values()),
            "refused": sum(refusals.values()),
            "refusals_by_reason": dict(refusals),
            "placement": dict(placement),
        }

    def _open_session(self, device: Headend, cap: Capacity, prefix: str, now: float) -> None:
        assert cap.pool is not None and cap.tunnel_group is not None
        state = sessions_of(device)
        used = state.pool_used.setdefault(cap.pool.name, set())
        offset = state.pool_cursor.get(cap.pool.name, 0)
        for _ in range(cap.pool.size):  # next free address after the last one handed out
            if offset >= cap.pool.size:
                offset = 0
            if offset not in used:
                break
            offset += 1
        used.add(offset)
        state.pool_cursor[cap.pool.name] = offset + 1
        index = state.next_index
        state.next_index += 1
        public = PUBLIC_BASE + ((device.index * 7919 + index * 104729) & 0x3FFFFF)
        state.sessions[index] = (
            f"{prefix}{device.index + 1:02d}{index:05d}",
            cap.pool.first + offset,
            public,
            now,
            cap.tunnel_group.name,
            cap.tunnel_group.default_group_policy,
            cap.pool.name,
        )
        state.cumulative += 1
        state.peak = max(state.peak, state.active)

    def disconnect_users(
        self, count: int | None = None, member: str | None = None
    ) -> dict[str, Any]:
        targets = [self.by_name(member)] if member else list(self.headends)
        removed: Counter[str] = Counter()
        remaining = count
        for device in targets:
            state = sessions_of(device)
            for index in list(state.sessions):
                if remaining is not None and remaining <= 0:
                    break
                self._close_session(device, index)
                removed[device.name] += 1
                if remaining is not None:
                    remaining -= 1
        return {"disconnected": sum(removed.values()), "per_member": dict(removed)}

    def logoff(self, device: Headend, field: str | None = None, value: str | None = None) -> int:
        """``vpn-sessiondb logoff``: end the sessions matching ``field`` (name/tunnel-group/
        index) = ``value``, or all; returns how many ended."""
        column = {"name": 0, "tunnel-group": 4}.get(field or "")
        state = sessions_of(device)
        doomed = [
            index
            for index, session in state.sessions.items()
            if field is None
            or (field == "index" and str(index) == value)
            or (column is not None and session[column] == value)
        ]
        for index in doomed:
            self._close_session(device, index)
        return len(doomed)

    def _close_session(self, device: Headend, index: int) -> None:
        state = sessions_of(device)
        session = state.sessions.pop(index)
        pool = device.config.pools.get(session[6])
        used = state.pool_used.get(session[6])
        if used is not None:
            first = pool.first if pool else session[1]
            used.discard(session[1] - first)

    def drop_all(self, device: Headend) -> None:
        state = sessions_of(device)
        state.sessions.clear()
        state.pool_used.clear()
        state.pool_cursor.clear()

    def sessions(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for device in self.headends:
            state = sessions_of(device)
            cap = capacity(device)
            pool_info = {}
            for pool in device.config.pools.values():
                used = len(state.pool_used.get(pool.name, ()))
                pool_info[pool.name] = {"used": used, "free": pool.size - used}
            out[device.name] = {
                "active": state.active,
                "cumulative": state.cumulative,
                "peak": state.peak,
                "load_percent": load_percent(device),
                "limit": cap.limit,
                "licensed_peers": device.licensed_peers,
                "pools": pool_info,
                "cpu_percent": cpu_percent(device),
            }
        clusters = {}
        for ip in self.cluster_ips():
            director, members = self.members(ip)
            clusters[ip] = {
                "director": director.name if director else None,
                "members": [m.name for m in members],
            }
        return {"members": out, "clusters": clusters, "refusals_by_reason": dict(self.refusals)}
