"""Typed facts the migration loop decides on: live platform metrics and wave outcomes.

Everything here is a frozen value; the loop in :mod:`homeshift.migration.engine` reads
snapshots through small protocols, so the decision rules can be tested without a device.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any


@dataclass(frozen=True, slots=True)
class HeadendMetrics:
    """One headend as the live session counters show it (``show vpn-sessiondb summary``...)."""

    name: str
    active: int
    limit: int
    participating: bool = True
    pool_used: int = 0
    pool_size: int = 0
    refused: int = 0
    cpu_pct: float = 0.0

    @property
    def load_pct(self) -> float:
        return 100.0 * self.active / self.limit if self.limit else 100.0

    @property
    def pool_use_pct(self) -> float:
        return 100.0 * self.pool_used / self.pool_size if self.pool_size else 0.0


@dataclass(frozen=True, slots=True)
class PlatformSnapshot:
    """All headends of the cluster at one moment."""

    headends: tuple[HeadendMetrics, ...]
    refused_since_last: int = 0

    @property
    def members(self) -> tuple[HeadendMetrics, ...]:
        return tuple(h for h in self.headends if h.participating)

    @property
    def active(self) -> int:
        return sum(h.active for h in self.members)

    @property
    def capacity(self) -> int:
        return sum(h.limit for h in self.members)

    @property
    def load_pct(self) -> float:
        return 100.0 * self.active / self.capacity if self.capacity else 100.0

    @property
    def max_member_load_pct(self) -> float:
        return max((h.load_pct for h in self.members), default=100.0)

    @property
    def max_pool_use_pct(self) -> float:
        return max((h.pool_use_pct for h in self.members), default=0.0)

    def with_added_sessions(self, sessions: int) -> PlatformSnapshot:
        """The cluster as if ``sessions`` more users had connected, spread like the director
        spreads them: each to the least-loaded participating member (dry-run projections)."""
        members = [h for h in self.headends if h.participating and h.limit > 0]
        if not members or sessions <= 0:
            return self
        active = {h.name: h.active for h in members}
        per_member = sessions // len(members)
        for h in members:  # spread evenly first (cheap), then the remainder by least load
            active[h.name] += per_member
        for _ in range(sessions - per_member * len(members)):
            name = min(members, key=lambda h: active[h.name] / h.limit).name
            active[name] += 1
        return PlatformSnapshot(
            tuple(replace(h, active=active.get(h.name, h.active)) for h in self.headends),
            self.refused_since_last,
        )

    def free_sessions(self, max_utilisation: float) -> int:
        """Sessions the cluster can still take while staying under ``max_utilisation``."""
        return max(0, int(self.capacity * max_utilisation) - self.active)


@dataclass(frozen=True, slots=True)
class VerificationSummary:
    """Desktops verified after provisioning in the wave just finished."""

    verified: int = 0
    failed: int = 0

    @property
    def failed_pct(self) -> float:
        total = self.verified + self.failed
        return 100.0 * self.failed / total if total else 0.0


@dataclass(frozen=True, slots=True)
class StabilityPolicy:
    """When the platform counts as stable after a soak window (all configurable)."""

    max_member_load_pct: float = 80.0
    max_pool_use_pct: float = 80.0
    max_refused: int = 0
    max_failed_pct: float = 2.0
    max_utilisation: float = 0.8


@dataclass(frozen=True, slots=True)
class StabilityVerdict:
    stable: bool
    reasons: tuple[str, ...]


class WaveState(StrEnum):
    PLANNED = "planned"
    RUNNING = "running"
    DONE = "done"
    HELD = "held"


@dataclass(frozen=True, slots=True)
class WaveOutcome:
    """What one wave run did: who moved, who was held back and why."""

    number: int
    moved: tuple[str, ...]
    held: tuple[tuple[str, str], ...] = ()  # (employee_id, reason)
    failed_hosts: tuple[str, ...] = ()
    verification: VerificationSummary = field(default_factory=VerificationSummary)
    ok: bool = True
    message: str = ""


class Action(StrEnum):
    CONTINUE = "continue"
    MERGE = "merge"
    HOLD = "hold"
    SCALE_OUT = "scale_out"
    FINISHED = "finished"


@dataclass(frozen=True, slots=True)
class Decision:
    """What the loop does next, and why, in words an operator can act on."""

    action: Action
    reasons: tuple[str, ...]
    remaining_waves: tuple[tuple[str, ...], ...] = ()  # team lists of the waves still to run
    scale_out_sessions: int = 0

    def details(self) -> dict[str, Any]:
        """JSON form of everything but the action (the store keeps the action in a column)."""
        return {
            "reasons": list(self.reasons),
            "remaining_waves": [list(teams) for teams in self.remaining_waves],
            "scale_out_sessions": self.scale_out_sessions,
        }
