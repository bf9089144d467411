"""The gates in front of one wave: who may move now, who is held back and why.

Pure and deterministic: the plan's wave, the roster, consent, desktop preflight verdicts and
live headend loads in, a :class:`WaveGate` out. No Ansible, no I/O (the plugin
``homeshift.core.wave_gate`` gathers the inputs and records the result in the state store).

An agent of the wave goes when all three gates pass:

* **declaration**: a signed data-protection declaration on file (store first, else roster);
* **desktop**: the preflight of the agent's desktop succeeded (missing = unreachable);
* **capacity**: the headends have room for the agents about to move. The rule is
  :func:`homeshift.readiness.assess_wave_capacity` (the board's rule, not a second one); a red
  wave holds *every* agent of the wave not moved yet, all with the capacity reason.

Agents already moved are neither gated nor moved again (``already_moved``). Nobody is dropped:
every agent of the wave ends in exactly one of ``go``, ``held`` or ``already_moved``.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from homeshift.readiness import (
    DesktopVerdict,
    HeadendLoad,
    Light,
    Thresholds,
    WaveDemand,
    assess_wave_capacity,
)
from homeshift.roster import Roster

NO_DECLARATION = "no signed data-protection declaration on file"
UNREACHABLE = "desktop unreachable"
NOT_IN_ROSTER = "not in the roster"


class GateError(ValueError):
    """The wave cannot be gated at all (unknown wave, agents missing from the roster...)."""


@dataclass(frozen=True, slots=True)
class PlannedWaveDemand:
    """The plan's view of one wave: its agents and the concurrent sessions they add."""

    number: int
    agents: tuple[str, ...]
    sessions: int


@dataclass(frozen=True, slots=True)
class GoAgent:
    employee_id: str
    desktop: str


@dataclass(frozen=True, slots=True)
class HeldAgent:
    employee_id: str
    desktop: str
    reason: str


@dataclass(frozen=True, slots=True)
class WaveGate:
    """The gate verdict of one wave.

    ``blocked`` is set when the wave cannot run at all (no headend facts); then every agent not
    moved yet is held with that reason.
    """

    wave: int
    go: tuple[GoAgent, ...]
    held: tuple[HeldAgent, ...]
    already_moved: tuple[str, ...]
    sessions_needed: int = 0
    sessions_free: int = 0
    capacity_light: Light = Light.GREEN
    capacity_notes: tuple[str, ...] = ()
    blocked: str | None = None

    @property
    def go_hosts(self) -> tuple[str, ...]:
        return tuple(a.desktop for a in self.go)


def _sessions_for(wave: PlannedWaveDemand, moving: int) -> int:
    """The plan's sessions scaled to the agents moving in this run (at least 1 per mover set).

    A plan's ``sessions`` already applies the concurrency ratio to the whole wave; when some
    agents are held or moved before, only the share of the movers is needed now.
    """
    if moving <= 0 or not wave.agents:
        return 0
    return max(1, math.ceil(wave.sessions * moving / len(wave.agents)))


def gate_wave(
    wave_number: int,
    plan: Sequence[PlannedWaveDemand],
    roster: Roster,
    consent: Mapping[str, date | None],
    desktop_preflight: Mapping[str, DesktopVerdict],
    headend_loads: Sequence[HeadendLoad],
    moved: Collection[str] = (),
    thresholds: Thresholds | None = None,
) -> WaveGate:
    """Gate ``wave_number`` of ``plan``; see the module docstring for the rules.

    ``consent`` maps employee id to the signing date or None; an id absent from it falls back
    to the roster's ``consent_date``. ``desktop_preflight`` is keyed by desktop hostname
    (case-insensitive). Raises :class:`GateError` for a wave the plan does not have.
    """
    thresholds = thresholds or Thresholds()
    wave = next((w for w in plan if w.number == wave_number), None)
    if wave is None:
        known = ", ".join(str(w.number) for w in plan) or "none"
        raise GateError(f"wave {wave_number} is not in the plan (waves: {known})")
    verdicts = {host.upper(): v for host, v in desktop_preflight.items()}
    moved_set = set(moved)

    already: list[str] = []
    candidates: list[GoAgent] = []
    held: list[HeldAgent] = []
    for employee_id in wave.agents:
        agent = roster.get(employee_id)
        if employee_id in moved_set:
            already.append(employee_id)
            continue
        if agent is None:
            held.append(HeldAgent(employee_id, "", NOT_IN_ROSTER))
            continue
        signed = consent.get(employee_id, agent.consent_date)
        verdict = verdicts.get(agent.desktop.upper())
        if signed is None:
            held.append(HeldAgent(employee_id, agent.desktop, NO_DECLARATION))
        elif verdict is None:
            held.append(HeldAgent(employee_id, agent.desktop, UNREACHABLE))
        elif not verdict.ok:
            why = "; ".join(verdict.failures) or "unknown reason"
            held.append(HeldAgent(employee_id, agent.desktop, f"desktop preflight failed: {why}"))
        else:
            candidates.append(GoAgent(employee_id, agent.desktop))

    needed = _sessions_for(wave, len(candidates))
    if not headend_loads:
        reason = "headend capacity unknown: no live facts from any headend"
        return WaveGate(
            wave_number,
            (),
            tuple(held) + tuple(HeldAgent(a.employee_id, a.desktop, reason) for a in candidates),
            tuple(already),
            needed,
            0,
            Light.RED,
            (reason,),
            blocked=reason,
        )
    (capacity,) = assess_wave_capacity(
        [WaveDemand(wave_number, tuple(a.employee_id for a in candidates), needed)],
        headend_loads,
        thresholds,
    )
    if capacity.light is Light.RED and candidates:
        reason = f"headend capacity: wave needs {capacity.demand} sessions, {capacity.free} free"
        extra = [n for n in capacity.reasons if "needs" not in n]
        if extra:
            reason += f" ({'; '.join(extra)})"
        # the whole wave waits, with one reason: moving part of a team is not an option
        everyone = [(a.employee_id, a.desktop) for a in held] + [
            (a.employee_id, a.desktop) for a in candidates
        ]
        held = [HeldAgent(employee_id, desktop, reason) for employee_id, desktop in everyone]
        held.sort(key=lambda a: wave.agents.index(a.employee_id))
        candidates = []
    return WaveGate(
        wave_number,
        tuple(candidates),
        tuple(held),
        tuple(already),
        needed,
        capacity.free,
        capacity.light,
        capacity.reasons,
    )
