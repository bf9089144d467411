"""Wave planning: split the roster into N waves of whole teams, balanced by headcount.

Algorithm (deterministic, O(agents + teams log teams)):

1. Agents without a consent date stay out (listed as unschedulable with the reason); agents of
   excluded teams too. A team moves with everyone in it who can move.
2. Pinned teams go into their wave first. The other teams, largest first (ties by team name),
   each go into the wave with the fewest agents so far (ties: the lower wave number).
3. Sessions a wave adds = the increase of the cluster's peak sessions when that wave moves:
   ``ceil(peak(waves 1..k) x ratio) - ceil(peak(waves 1..k-1) x ratio)``, where ``peak`` is the
   maximum over the day of agents on shift at the same minute. The sum over all waves is exactly
   the peak of everything that moved, so waves add up the way the capacity plan counts.
4. Cumulative sessions after each wave must fit the plan's free budget (N+1 budget minus
   sessions already in use), else :class:`~homeshift.planning.PlanError`.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from homeshift.planning import PlanError
from homeshift.planning.capacity import CapacityPlan, peak_concurrent, sessions_for
from homeshift.roster import Roster, Shift

NO_CONSENT = "no signed data-protection declaration on file"
TEAM_EXCLUDED = "team excluded from the waves"


@dataclass(frozen=True, slots=True)
class Wave:
    number: int
    teams: tuple[str, ...]
    agents: tuple[str, ...]
    headcount: int
    sessions: int


@dataclass(frozen=True, slots=True)
class Unschedulable:
    employee_id: str
    team: str
    reason: str


@dataclass(frozen=True)
class WavePlan:
    waves: tuple[Wave, ...]
    unschedulable: tuple[Unschedulable, ...]
    free_budget: int
    concurrency_ratio: float

    @property
    def total_sessions(self) -> int:
        return sum(w.sessions for w in self.waves)

    def wave_of(self) -> dict[str, int]:
        """Employee id -> wave number for every scheduled agent."""
        return {agent: wave.number for wave in self.waves for agent in wave.agents}


@dataclass(slots=True)
class _Team:
    employee_ids: list[str]
    #: agents per shift, keyed by ``id(shift)``: large rosters share a few Shift objects, and an
    #: int key avoids hashing a dataclass a million times (see ``shift_by_id``)
    shift_counts: dict[int, int]


def _team_members(
    roster: Roster, excluded: Collection[str], shift_by_id: dict[int, Shift]
) -> tuple[dict[str, _Team], list[Unschedulable]]:
    """Movable agents per team (file order) and everyone left out with the reason."""
    movable: dict[str, _Team] = {}
    left_out: list[Unschedulable] = []
    for agent in roster.agents:
        team = agent.team
        if team in excluded:
            left_out.append(Unschedulable(agent.employee_id, team, TEAM_EXCLUDED))
        elif agent.consent_date is None:
            left_out.append(Unschedulable(agent.employee_id, team, NO_CONSENT))
        else:
            members = movable.get(team)
            if members is None:
                members = movable[team] = _Team([], {})
            members.employee_ids.append(agent.employee_id)
            key = id(agent.shift)
            counts = members.shift_counts
            if key in counts:
                counts[key] += 1
            else:
                counts[key] = 1
                shift_by_id[key] = agent.shift
    return movable, left_out


def _check_options(
    roster: Roster, waves: int, pinned: Mapping[str, int], excluded: Collection[str]
) -> None:
    if waves < 1:
        raise PlanError(f"number of waves must be >= 1, not {waves}")
    teams = {agent.team for agent in roster.agents}
    problems = [f"pinned team {t!r} is not in the roster" for t in sorted(pinned) if t not in teams]
    problems += [
        f"excluded team {t!r} is not in the roster" for t in sorted(excluded) if t not in teams
    ]
    problems += [
        f"team {t!r} is pinned to wave {w}, but there are only {waves} waves"
        for t, w in sorted(pinned.items())
        if not 1 <= w <= waves
    ]
    problems += [f"team {t!r} is both pinned and excluded" for t in sorted(pinned) if t in excluded]
    if problems:
        raise PlanError("; ".join(problems))


def plan_waves(
    roster: Roster,
    capacity: CapacityPlan | int,
    waves: int = 3,
    *,
    pinned: Mapping[str, int] | None = None,
    excluded: Collection[str] = (),
    sessions_in_use: int = 0,
    concurrency_ratio: float | None = None,
) -> WavePlan:
    """Split ``roster`` into ``waves`` waves that fit ``capacity`` (a plan or a free budget)."""
    pinned = dict(pinned or {})
    excluded = frozenset(excluded)
    _check_options(roster, waves, pinned, excluded)
    if isinstance(capacity, CapacityPlan):
        budget = capacity.free_session_budget
        ratio = (
            capacity.inputs.concurrency_ratio if concurrency_ratio is None else concurrency_ratio
        )
    else:
        budget, ratio = capacity, 1.0 if concurrency_ratio is None else concurrency_ratio
    free = budget - sessions_in_use

    shift_by_id: dict[int, Shift] = {}
    members, left_out = _team_members(roster, excluded, shift_by_id)
    pinned_empty = sorted(t for t in pinned if t not in members)
    if pinned_empty:
        raise PlanError(f"pinned team(s) with nobody able to move: {', '.join(pinned_empty)}")
    if len(members) < waves:
        raise PlanError(
            f"only {len(members)} team(s) can move (consent on file, not excluded); "
            f"cannot fill {waves} waves"
        )

    assigned: list[list[str]] = [[] for _ in range(waves)]
    load = [0] * waves
    for team in sorted(pinned, key=lambda t: (pinned[t], t)):
        assigned[pinned[team] - 1].append(team)
        load[pinned[team] - 1] += len(members[team].employee_ids)
    heap = [(load[i], i) for i in range(waves)]
    heapq.heapify(heap)
    free_teams = sorted(
        (t for t in members if t not in pinned), key=lambda t: (-len(members[t].employee_ids), t)
    )
    for team in free_teams:
        headcount, index = heapq.heappop(heap)
        assigned[index].append(team)
        heapq.heappush(heap, (headcount + len(members[team].employee_ids), index))

    result: list[Wave] = []
    shift_counts: Counter[int] = Counter()
    moved_sessions = 0
    for index, teams in enumerate(assigned, start=1):
        if not teams:
            raise PlanError(f"wave {index} would be empty (every team is pinned elsewhere)")
        teams_sorted = sorted(teams)
        agents: list[str] = []
        for team in teams_sorted:
            agents.extend(members[team].employee_ids)
            shift_counts.update(members[team].shift_counts)
        on_shift = ((shift_by_id[key], count) for key, count in shift_counts.items())
        cumulative = sessions_for(peak_concurrent(on_shift), ratio)
        if cumulative > free:
            raise PlanError(
                f"wave {index} would bring the cluster to {cumulative} concurrent sessions at "
                f"peak, but the plan has {free} free within budget (N+{_redundancy(capacity)}, "
                f"{sessions_in_use} already in use); add headends (homeshift plan capacity) "
                "or exclude teams"
            )
        result.append(
            Wave(
                index, tuple(teams_sorted), tuple(agents), len(agents), cumulative - moved_sessions
            )
        )
        moved_sessions = cumulative
    return WavePlan(tuple(result), tuple(left_out), free, ratio)


def _redundancy(capacity: CapacityPlan | int) -> int:
    return capacity.inputs.redundancy if isinstance(capacity, CapacityPlan) else 0


def parse_pins(items: Sequence[str]) -> dict[str, int]:
    """``TEAM=WAVE`` items as a mapping; a clear error names the bad item."""
    pins: dict[str, int] = {}
    for item in items:
        team, sep, number = item.rpartition("=")
        if not sep or not team.strip() or not number.strip().isdigit():
            raise PlanError(f"--pin {item!r} is not TEAM=WAVE (e.g. BER-T0003=1)")
        if team.strip() in pins:
            raise PlanError(f"--pin: team {team.strip()!r} pinned twice")
        pins[team.strip()] = int(number)
    return pins
