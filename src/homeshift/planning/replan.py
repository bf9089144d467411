"""Re-planning in the field: merge the remaining waves into fewer when capacity allows.

Rule: waves are only ever merged with their neighbour, so a merged wave adds exactly the sessions
of its parts (wave sessions are increments of the cluster peak, see :mod:`.waves`). Moving the
rest of the plan in fewer steps is safe when *everything that is left* fits into the sessions the
cluster has free as measured now (within its maximum utilisation). Then the two neighbouring
remaining waves with the smallest combined headcount are merged (earliest first on a tie), which
turns 3 planned waves into 2. Otherwise the plan is kept. Each decision carries its reasons.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Protocol

from homeshift.planning import PlanError
from homeshift.planning.waves import Wave, WavePlan


@dataclass(frozen=True, slots=True)
class MeasuredCapacity:
    """What the cluster can still take now: capacity x max utilisation - active sessions."""

    free_sessions: int
    active_sessions: int = 0


@dataclass(frozen=True)
class ReplanDecision:
    merged: bool
    waves: tuple[Wave, ...]
    reasons: tuple[str, ...]


def replan_remaining(
    plan: WavePlan, moved_waves: Collection[int], measured: MeasuredCapacity
) -> ReplanDecision:
    """Merge two neighbouring remaining waves when all that is left fits; else keep the plan.

    ``waves`` in the decision are the remaining waves (renumbered from the first remaining
    number when merged).
    """
    numbers = [w.number for w in plan.waves]
    unknown = sorted(set(moved_waves) - set(numbers))
    if unknown:
        raise PlanError(f"moved wave(s) {unknown} are not in the plan (waves: {numbers})")
    remaining = tuple(w for w in plan.waves if w.number not in moved_waves)
    if not remaining:
        return ReplanDecision(False, (), ("no waves left: nothing to re-plan",))
    if len(remaining) == 1:
        return ReplanDecision(
            False, remaining, (f"only wave {remaining[0].number} is left: nothing to merge",)
        )
    demand = sum(w.sessions for w in remaining)
    left = ", ".join(str(w.number) for w in remaining)
    if demand > measured.free_sessions:
        return ReplanDecision(
            False,
            remaining,
            (
                f"remaining waves {left} need {demand} sessions together, but only "
                f"{measured.free_sessions} are free as measured now: keep {len(remaining)} waves",
            ),
        )
    pair = min(
        range(len(remaining) - 1),
        key=lambda i: (remaining[i].headcount + remaining[i + 1].headcount, i),
    )
    first, second = remaining[pair], remaining[pair + 1]
    merged_wave = Wave(
        first.number,
        tuple(sorted(first.teams + second.teams)),
        first.agents + second.agents,
        first.headcount + second.headcount,
        first.sessions + second.sessions,
    )
    regrouped = [*remaining[:pair], merged_wave, *remaining[pair + 2 :]]
    start = remaining[0].number
    renumbered = tuple(
        Wave(start + i, w.teams, w.agents, w.headcount, w.sessions) for i, w in enumerate(regrouped)
    )
    total = len(plan.waves) - len(remaining) + len(renumbered)
    return ReplanDecision(
        True,
        renumbered,
        (
            f"remaining waves {left} need {demand} sessions together and "
            f"{measured.free_sessions} are free as measured now",
            f"merged waves {first.number} and {second.number} ({merged_wave.headcount} agents, "
            f"{merged_wave.sessions} sessions) into wave {start + pair}: "
            f"{len(plan.waves)} planned -> {total}",
        ),
    )


class RunningWave(Protocol):
    """What the migration loop knows of a wave (``homeshift.migration.engine.WaveTask``)."""

    @property
    def number(self) -> int: ...
    @property
    def teams(self) -> tuple[str, ...]: ...
    @property
    def agents(self) -> tuple[str, ...]: ...
    @property
    def sessions(self) -> int: ...


def replan_running(
    remaining: Sequence[RunningWave], free_sessions: int
) -> tuple[tuple[tuple[str, ...], ...] | None, tuple[str, ...]]:
    """Adapter for the migration loop's ``Replanner`` seam: team lists when merged, else None."""
    plan = WavePlan(
        tuple(Wave(w.number, w.teams, w.agents, len(w.agents), w.sessions) for w in remaining),
        (),
        free_sessions,
        1.0,
    )
    decision = replan_remaining(plan, (), MeasuredCapacity(free_sessions))
    if not decision.merged:
        return None, decision.reasons
    return tuple(w.teams for w in decision.waves), decision.reasons
