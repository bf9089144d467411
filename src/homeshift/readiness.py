"""Traffic lights: is each agent ready to work from home, and is their wave?

Pure and deterministic: plain typed values in (roster, waves, desktop verdicts, headend loads),
a :class:`Readiness` out. No I/O; loaders live in :mod:`homeshift.readiness_inputs`.

An agent's light is the worst of three checks, each with a reason when it is not green:

* **desktop**: verified and every check passed -> green; failed -> red (the failing checks are
  the reasons); no verdict yet -> yellow.
* **consent**: a signed data-protection declaration on file -> green; none -> red.
* **capacity** of the agent's wave (see :func:`assess_wave_capacity`); an agent in no wave is
  yellow ("not scheduled"), one the planner left out is red with the planner's reason.

A group (team, site, operating office, wave) takes the worst light of its members; the counts
say how many are in each colour. The rules and thresholds are documented in docs/readiness.md.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from homeshift.roster import Agent


class Light(enum.Enum):
    """A traffic light; ``rank`` orders them so the worst of a group is ``max``."""

    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"

    @property
    def rank(self) -> int:
        return _RANK[self]

    def __str__(self) -> str:
        return self.value


_RANK = {Light.GREEN: 0, Light.YELLOW: 1, Light.RED: 2}


def worst(lights: Iterable[Light]) -> Light:
    """The most severe light; green for an empty group (nothing is wrong with nobody)."""
    return max(lights, key=lambda light: light.rank, default=Light.GREEN)


@dataclass(frozen=True, slots=True)
class DesktopVerdict:
    """The outcome of the desktop verification suite for one host."""

    host: str
    ok: bool
    failures: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class HeadendLoad:
    """Live sessions on one headend against its session limit (licence or configured)."""

    name: str
    active: int
    limit: int

    @property
    def load_pct(self) -> float:
        return 100.0 * self.active / self.limit if self.limit > 0 else 0.0


@dataclass(frozen=True, slots=True)
class WaveDemand:
    """A planned wave: who moves and how many concurrent sessions it adds.

    ``moved`` waves are already at home: their sessions are part of the headends' ``active``
    counts, so they add no further demand.
    """

    number: int
    agents: tuple[str, ...]
    sessions: int
    moved: bool = False


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Knobs of the capacity rule (docs/readiness.md).

    ``max_utilisation``: share of a headend's limit the plan may use (the planner's budget).
    ``headroom``: a wave whose demand fits but leaves less than this share of the demand spare
    is yellow. ``load_threshold_pct``: a headend above this load is overloaded.
    """

    max_utilisation: float = 0.8
    headroom: float = 0.1
    load_threshold_pct: float = 80.0

    def __post_init__(self) -> None:
        if not 0 < self.max_utilisation <= 1:
            raise ValueError(f"max_utilisation {self.max_utilisation} must be in (0, 1]")
        if self.headroom < 0:
            raise ValueError(f"headroom {self.headroom} must not be negative")
        if not 0 < self.load_threshold_pct <= 100:
            raise ValueError(f"load_threshold_pct {self.load_threshold_pct} must be in (0, 100]")


@dataclass(frozen=True, slots=True)
class WaveCapacity:
    """The capacity verdict of one wave."""

    number: int
    sessions: int
    demand: int
    free: int
    light: Light
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AgentReadiness:
    employee_id: str
    team: str
    site: str
    office: str
    wave: int | None
    desktop: str
    light: Light
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Rollup:
    """One group's light (worst member) and how many members are in each colour."""

    key: str
    green: int
    yellow: int
    red: int
    light: Light

    @property
    def total(self) -> int:
        return self.green + self.yellow + self.red


#: Rollup dimensions, in display order, and how an agent's key is read for each.
DIMENSIONS: Mapping[str, Callable[[AgentReadiness], str]] = {
    "wave": lambda a: f"wave {a.wave}" if a.wave is not None else "unscheduled",
    "site": lambda a: a.site,
    "office": lambda a: a.office,
    "team": lambda a: a.team,
}


@dataclass(frozen=True)
class Readiness:
    """Everything the board and the report show."""

    agents: tuple[AgentReadiness, ...]
    rollups: Mapping[str, tuple[Rollup, ...]]
    waves: tuple[WaveCapacity, ...]
    headends: tuple[HeadendLoad, ...]
    thresholds: Thresholds = field(default_factory=Thresholds)

    def count(self, light: Light) -> int:
        return sum(1 for a in self.agents if a.light is light)

    @property
    def light(self) -> Light:
        return worst(a.light for a in self.agents)

    @property
    def red_list(self) -> tuple[AgentReadiness, ...]:
        return tuple(a for a in self.agents if a.light is Light.RED)


# ---- capacity -----------------------------------------------------------------------------


def member_budget(load: HeadendLoad, thresholds: Thresholds) -> int:
    """Sessions the plan may place on a headend: its limit times the utilisation cap."""
    return math.floor(load.limit * thresholds.max_utilisation)


def _overloaded(load: HeadendLoad, thresholds: Thresholds) -> bool:
    """Above the load threshold, or holding sessions with no capacity at all (limit 0).

    A headend with limit 0 and no sessions (a spare, not yet configured) simply adds nothing.
    """
    if load.limit <= 0:
        return load.active > 0
    return load.load_pct > thresholds.load_threshold_pct


def assess_wave_capacity(
    waves: Sequence[WaveDemand], loads: Sequence[HeadendLoad], thresholds: Thresholds
) -> tuple[WaveCapacity, ...]:
    """The capacity light of every wave.

    ``free`` = sum over participating headends of ``floor(limit × max_utilisation) − active``
    (never below 0 per headend). A wave's ``demand`` is its sessions plus those of every earlier
    wave not moved yet (they will be connected first). Green: ``free ≥ demand × (1 + headroom)``;
    yellow: it fits without that headroom; red: it does not fit. An overloaded headend (load above
    ``load_threshold_pct``) sheds its excess to the others: if the rest can absorb the excess and
    the demand, unmoved waves are at least yellow, otherwise red. Moved waves have no demand
    and only turn yellow/red when a headend is overloaded.
    """
    ordered = sorted(waves, key=lambda w: w.number)
    if not loads:
        return tuple(
            WaveCapacity(
                w.number,
                w.sessions,
                0 if w.moved else w.sessions,
                0,
                Light.YELLOW,
                ("headend load unknown (no headend data)",),
            )
            for w in ordered
        )
    overloaded = [h for h in loads if _overloaded(h, thresholds)]
    healthy = [h for h in loads if not _overloaded(h, thresholds)]
    free = sum(max(0, member_budget(h, thresholds) - h.active) for h in loads)
    excess = sum(max(0, h.active - member_budget(h, thresholds)) for h in overloaded)
    rebalance_room = sum(max(0, member_budget(h, thresholds) - h.active) for h in healthy) - excess
    overload_notes = tuple(
        f"headend {h.name} over its load threshold "
        f"({h.load_pct:.0f}% > {thresholds.load_threshold_pct:.0f}%)"
        if h.limit > 0
        else f"headend {h.name} has {h.active} sessions but no session capacity"
        for h in overloaded
    )

    results: list[WaveCapacity] = []
    pending = 0
    for wave in ordered:
        demand = 0 if wave.moved else pending + wave.sessions
        if not wave.moved:
            pending = demand
        reasons: list[str] = []
        light = Light.GREEN
        if demand > free:
            light = Light.RED
            reasons.append(f"wave {wave.number} needs {demand} sessions, cluster has {free} free")
        elif demand > 0 and free < demand * (1 + thresholds.headroom):
            light = Light.YELLOW
            reasons.append(
                f"wave {wave.number} fits without headroom ({demand} of {free} free sessions)"
            )
        if overloaded:
            if rebalance_room >= demand:
                light = worst((light, Light.YELLOW))
                reasons.extend(f"{note}; the cluster can rebalance" for note in overload_notes)
            else:
                light = Light.RED
                reasons.extend(f"{note}; no room to rebalance" for note in overload_notes)
        results.append(
            WaveCapacity(wave.number, wave.sessions, demand, free, light, tuple(reasons))
        )
    return tuple(results)


# ---- agents and rollups ---------------------------------------------------------------------


def _rollup(
    agents: Sequence[AgentReadiness], key_of: Callable[[AgentReadiness], str]
) -> tuple[Rollup, ...]:
    groups: dict[str, list[AgentReadiness]] = {}
    for agent in agents:
        groups.setdefault(key_of(agent), []).append(agent)
    rollups = []
    for key, members in groups.items():
        counts = {light: sum(1 for m in members if m.light is light) for light in Light}
        rollups.append(
            Rollup(
                key,
                counts[Light.GREEN],
                counts[Light.YELLOW],
                counts[Light.RED],
                worst(m.light for m in members),
            )
        )
    return tuple(sorted(rollups, key=lambda r: _natural_key(r.key)))


def _natural_key(text: str) -> tuple[int, int, str]:
    """``wave 2`` before ``wave 10``; other keys alphabetically; ``unscheduled`` last."""
    if text == "unscheduled":
        return (2, 0, text)
    head, _, tail = text.rpartition(" ")
    if head == "wave" and tail.isdigit():
        return (0, int(tail), text)
    return (1, 0, text)


def rollups_of(agents: Sequence[AgentReadiness]) -> dict[str, tuple[Rollup, ...]]:
    return {name: _rollup(agents, key_of) for name, key_of in DIMENSIONS.items()}


def assess(
    agents: Iterable[Agent],
    waves: Sequence[WaveDemand],
    verdicts: Mapping[str, DesktopVerdict],
    headend_loads: Sequence[HeadendLoad],
    thresholds: Thresholds | None = None,
    *,
    consents: Mapping[str, date | None] | None = None,
    unschedulable: Mapping[str, str] | None = None,
) -> Readiness:
    """Assess every agent and roll the lights up.

    ``verdicts`` is keyed by desktop hostname (case-insensitive). ``consents`` (employee id ->
    date or None), when given, overrides the roster's ``consent_date`` (the state store is newer
    than the CSV). ``unschedulable`` maps employee ids the planner left out to its reason.
    """
    thresholds = thresholds or Thresholds()
    capacity = {w.number: w for w in assess_wave_capacity(waves, headend_loads, thresholds)}
    wave_of: dict[str, int] = {}
    for wave in waves:
        for employee_id in wave.agents:
            wave_of.setdefault(employee_id, wave.number)
    verdict_of = {host.upper(): verdict for host, verdict in verdicts.items()}
    left_out = unschedulable or {}

    assessed: list[AgentReadiness] = []
    for agent in agents:
        lights: list[Light] = []
        reasons: list[str] = []

        verdict = verdict_of.get(agent.desktop.upper())
        if verdict is None:
            lights.append(Light.YELLOW)
            reasons.append(f"desktop {agent.desktop} not verified yet")
        elif not verdict.ok:
            lights.append(Light.RED)
            failures = verdict.failures or ("verification failed",)
            reasons.extend(f"desktop {agent.desktop}: {failure}" for failure in failures)

        consent = (
            consents.get(agent.employee_id, agent.consent_date)
            if consents is not None
            else agent.consent_date
        )
        if consent is None:
            lights.append(Light.RED)
            reasons.append("no signed data-protection declaration on file")

        number = wave_of.get(agent.employee_id)
        if number is None:
            if agent.employee_id in left_out:
                lights.append(Light.RED)
                reasons.append(f"not schedulable: {left_out[agent.employee_id]}")
            else:
                lights.append(Light.YELLOW)
                reasons.append("not in any wave of the plan")
        else:
            wave_capacity = capacity[number]
            lights.append(wave_capacity.light)
            reasons.extend(wave_capacity.reasons)

        assessed.append(
            AgentReadiness(
                employee_id=agent.employee_id,
                team=agent.team,
                site=agent.site,
                office=agent.operating_office,
                wave=number,
                desktop=agent.desktop,
                light=worst(lights),
                reasons=tuple(reasons),
            )
        )
    return Readiness(
        agents=tuple(assessed),
        rollups=rollups_of(assessed),
        waves=tuple(capacity[n] for n in sorted(capacity)),
        headends=tuple(headend_loads),
        thresholds=thresholds,
    )
