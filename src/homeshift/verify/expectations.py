"""Headend expectations and the headend check (the desktop side is :mod:`.desktop`).

In the expectations file, next to ``desktop.resources``::

    headend:
      tunnel_group: HOMESHIFT          # must exist, type remote-access
      pools:                           # per headend (from the plan), or a list for every one
        asa-01: [HS-POOL-ASA-01]
      cluster: true                    # vpn load-balancing enabled on every headend
      min_free_sessions: 100           # free capacity must stay at or above this
      load_threshold_pct: 80           # a headend above this load fails verification
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from homeshift.verify.asa import (
    AsaCheckError,
    SessionSummary,
    cluster_member,
    pools_configured,
    session_summary,
    tunnel_group_present,
)
from homeshift.verify.desktop import ExpectationsError


@dataclass(frozen=True)
class HeadendExpectations:
    tunnel_group: str | None = None
    pools: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    pools_everywhere: tuple[str, ...] = ()
    cluster: bool = False
    min_free_sessions: int = 0
    load_threshold_pct: float = 100.0

    def pools_for(self, headend: str) -> tuple[str, ...]:
        return self.pools_everywhere + tuple(self.pools.get(headend, ()))

    def with_plan(self, plan: Mapping[str, Any]) -> HeadendExpectations:
        """Add each headend's pool from a plan file (``capacity.headends[].pool.name``)."""
        pools = dict(self.pools)
        for entry in (plan.get("capacity") or {}).get("headends") or []:
            if isinstance(entry, Mapping) and isinstance(entry.get("pool"), Mapping):
                name = entry["pool"].get("name")
                if isinstance(name, str) and isinstance(entry.get("name"), str):
                    pools[entry["name"]] = (*pools.get(entry["name"], ()), name)
        return replace(self, pools=pools)


def parse_headend_expectations(data: Any, source: str = "<memory>") -> HeadendExpectations:
    if data is None:
        return HeadendExpectations()
    if not isinstance(data, Mapping):
        raise ExpectationsError(f"{source}: 'headend' must be a mapping")
    raw_pools = data.get("pools") or {}
    pools: dict[str, tuple[str, ...]] = {}
    everywhere: tuple[str, ...] = ()
    if isinstance(raw_pools, list) and all(isinstance(p, str) for p in raw_pools):
        everywhere = tuple(raw_pools)
    elif isinstance(raw_pools, Mapping):
        for name, value in raw_pools.items():
            names = [value] if isinstance(value, str) else value
            if not isinstance(names, list) or not all(isinstance(p, str) for p in names):
                raise ExpectationsError(f"{source}: headend.pools.{name} must be pool names")
            pools[str(name)] = tuple(names)
    else:
        raise ExpectationsError(f"{source}: headend.pools must be a list or a mapping")
    tunnel_group = data.get("tunnel_group")
    if tunnel_group is not None and not isinstance(tunnel_group, str):
        raise ExpectationsError(f"{source}: headend.tunnel_group must be a name")
    min_free = data.get("min_free_sessions", 0)
    if not isinstance(min_free, int) or isinstance(min_free, bool) or min_free < 0:
        raise ExpectationsError(f"{source}: headend.min_free_sessions must be an integer >= 0")
    threshold = data.get("load_threshold_pct", 100)
    if not isinstance(threshold, int | float) or not 0 < threshold <= 100:
        raise ExpectationsError(f"{source}: headend.load_threshold_pct must be in (0, 100]")
    return HeadendExpectations(
        tunnel_group,
        pools,
        everywhere,
        bool(data.get("cluster", False)),
        min_free,
        float(threshold),
    )


def load_headend_expectations(path: str | Path) -> HeadendExpectations:
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ExpectationsError(f"{path}: cannot read expectations ({exc})") from exc
    if not isinstance(data, Mapping):
        return HeadendExpectations()
    expectations = parse_headend_expectations(data.get("headend"), str(path))
    return expectations


@dataclass(frozen=True, slots=True)
class HeadendFinding:
    area: str  # "pools" | "tunnel_group" | "cluster" | "capacity" | "unreachable"
    message: str

    def __str__(self) -> str:
        return self.message


def check_headend(
    host: Any, name: str, expected: HeadendExpectations
) -> tuple[list[HeadendFinding], SessionSummary | None]:
    """Every way headend ``name`` differs from ``expected``, plus its session counters."""
    findings: list[HeadendFinding] = []
    summary: SessionSummary | None = None
    try:
        summary = session_summary(host)
        if summary.free < expected.min_free_sessions:
            findings.append(
                HeadendFinding(
                    "capacity",
                    f"headend {name} has {summary.free} free sessions "
                    f"(minimum {expected.min_free_sessions})",
                )
            )
        load = 100.0 * summary.active / summary.capacity if summary.capacity else 100.0
        if load > expected.load_threshold_pct:
            findings.append(
                HeadendFinding(
                    "capacity",
                    f"headend {name} is at {load:.0f}% load "
                    f"(threshold {expected.load_threshold_pct:.0f}%)",
                )
            )
        missing = pools_configured(host, expected.pools_for(name))
        findings.extend(
            HeadendFinding("pools", f"headend {name}: pool {pool} is not configured")
            for pool in missing
        )
        if expected.tunnel_group and not tunnel_group_present(host, expected.tunnel_group):
            findings.append(
                HeadendFinding(
                    "tunnel_group",
                    f"headend {name}: tunnel-group {expected.tunnel_group} "
                    "(remote-access) is missing",
                )
            )
        if expected.cluster and not cluster_member(host):
            findings.append(
                HeadendFinding("cluster", f"headend {name} is not in the load-balancing cluster")
            )
    except AsaCheckError as exc:
        findings.append(HeadendFinding("unreachable", f"headend {name}: {exc}"))
    return findings, summary
