"""The decision after each wave's soak window: continue, merge, hold or scale out.

Rules, in order (each decision carries the reasons in words):

1. **Unstable platform → hold.** Any participating member above ``max_member_load_pct``, any
   address pool above ``max_pool_use_pct``, more refused connections than ``max_refused``, or more
   failed desktop verifications than ``max_failed_pct`` of the wave. If the only problem is load
   or pool use (capacity) and a scale-out runner is available, the decision is ``scale_out`` to
   the sessions the remaining waves need.
2. **No waves left → finished.**
3. **Next wave does not fit** into the free sessions (capacity × ``max_utilisation`` − active)
   → ``scale_out`` (or hold when scaling out is not possible).
4. **Stable and more than one wave left → ask the re-planner** whether the remaining waves can be
   merged into fewer (3 planned → 2). It merges only when the merged demand fits the measured free
   capacity; otherwise the plan stays.
5. Otherwise **continue** with the plan.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from homeshift.migration.engine import WaveTask
from homeshift.migration.model import (
    Action,
    Decision,
    PlatformSnapshot,
    StabilityPolicy,
    StabilityVerdict,
    VerificationSummary,
)

#: (remaining waves, free sessions) -> (team lists of the merged waves, or None to keep; reasons)
Replanner = Callable[
    [Sequence[WaveTask], int], tuple[tuple[tuple[str, ...], ...] | None, tuple[str, ...]]
]


def assess_stability(
    snapshot: PlatformSnapshot, verification: VerificationSummary, policy: StabilityPolicy
) -> tuple[StabilityVerdict, bool]:
    """Stability verdict, and whether every problem found is a capacity problem."""
    capacity_problems: list[str] = []
    other_problems: list[str] = []
    if not snapshot.members:
        other_problems.append("no headend participates in the load-balancing cluster")
    for member in snapshot.members:
        if member.load_pct > policy.max_member_load_pct:
            capacity_problems.append(
                f"{member.name} load {member.load_pct:.0f}% > {policy.max_member_load_pct:.0f}%"
            )
        if member.pool_use_pct > policy.max_pool_use_pct:
            capacity_problems.append(
                f"{member.name} pool {member.pool_use_pct:.0f}% used"
                f" > {policy.max_pool_use_pct:.0f}%"
            )
    if snapshot.refused_since_last > policy.max_refused:
        capacity_problems.append(
            f"{snapshot.refused_since_last} VPN connections refused (max {policy.max_refused})"
        )
    if verification.failed_pct > policy.max_failed_pct:
        other_problems.append(
            f"{verification.failed} of {verification.verified + verification.failed} desktops"
            f" failed verification ({verification.failed_pct:.1f}% > {policy.max_failed_pct}%)"
        )
    problems = capacity_problems + other_problems
    if problems:
        return StabilityVerdict(False, tuple(problems)), not other_problems
    return (
        StabilityVerdict(
            True,
            (
                f"platform stable: peak member load {snapshot.max_member_load_pct:.0f}%,"
                f" pools {snapshot.max_pool_use_pct:.0f}% used, no refusals,"
                f" {verification.failed_pct:.1f}% verification failures",
            ),
        ),
        False,
    )


def make_decider(
    replan: Replanner, *, can_scale_out: bool
) -> Callable[
    [WaveTask, Sequence[WaveTask], PlatformSnapshot, VerificationSummary, StabilityPolicy],
    Decision,
]:
    """Bind the re-planner and scale-out availability into the loop's ``decide`` function."""

    def decide(
        finished: WaveTask,
        remaining: Sequence[WaveTask],
        snapshot: PlatformSnapshot,
        verification: VerificationSummary,
        policy: StabilityPolicy,
    ) -> Decision:
        verdict, capacity_only = assess_stability(snapshot, verification, policy)
        demand = sum(w.sessions for w in remaining)
        free = snapshot.free_sessions(policy.max_utilisation)
        if not verdict.stable:
            if capacity_only and can_scale_out and remaining:
                return Decision(
                    Action.SCALE_OUT,
                    (*verdict.reasons, f"remaining waves need {demand} sessions, {free} free"),
                    scale_out_sessions=snapshot.active + demand,
                )
            return Decision(Action.HOLD, (*verdict.reasons, "holding the remaining waves"))
        if not remaining:
            return Decision(Action.FINISHED, (*verdict.reasons, "all waves done"))
        if remaining[0].sessions > free:
            reason = (
                f"wave {remaining[0].number} needs {remaining[0].sessions} sessions,"
                f" only {free} free under {policy.max_utilisation:.0%} utilisation"
            )
            if can_scale_out:
                return Decision(
                    Action.SCALE_OUT,
                    (reason,),
                    scale_out_sessions=snapshot.active + demand,
                )
            return Decision(Action.HOLD, (reason, "no scale-out available: holding"))
        if len(remaining) > 1:
            merged, reasons = replan(remaining, free)
            if merged is not None and len(merged) < len(remaining):
                return Decision(
                    Action.MERGE,
                    (*verdict.reasons, *reasons),
                    remaining_waves=merged,
                )
            return Decision(Action.CONTINUE, (*verdict.reasons, *reasons))
        return Decision(Action.CONTINUE, verdict.reasons)

    return decide


def merge_all_if_fits(
    remaining: Sequence[WaveTask], free: int
) -> tuple[tuple[tuple[str, ...], ...] | None, tuple[str, ...]]:
    """Simplest re-planner: merge every remaining wave into one when the total demand fits."""
    demand = sum(w.sessions for w in remaining)
    numbers = ", ".join(str(w.number) for w in remaining)
    if demand <= free:
        teams = tuple(t for w in remaining for t in w.teams)
        return (teams,), (
            f"waves {numbers} merged: together they need {demand} sessions and {free} are free",
        )
    return None, (f"waves {numbers} kept: together they need {demand} sessions, {free} free",)
