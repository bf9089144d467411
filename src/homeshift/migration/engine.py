"""The migration loop: run waves in order, soak, read the platform, decide, repeat.

The loop owns no I/O of its own. It reaches waves, metrics, the ledger and the clock through
the protocols below, so the same loop drives the lab, a real estate, and unit tests. It is
resumable: the ledger says which waves are done and who has moved, and nobody moves twice.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from homeshift.migration.model import (
    Action,
    Decision,
    PlatformSnapshot,
    StabilityPolicy,
    VerificationSummary,
    WaveOutcome,
)


@dataclass(frozen=True, slots=True)
class WaveTask:
    """A wave as the loop runs it: its number, its teams with their agents, its session demand."""

    number: int
    team_agents: tuple[tuple[str, tuple[str, ...]], ...]
    sessions: int

    @property
    def teams(self) -> tuple[str, ...]:
        return tuple(team for team, _ in self.team_agents)

    @property
    def agents(self) -> tuple[str, ...]:
        return tuple(a for _, agents in self.team_agents for a in agents)

    def without(self, moved: set[str]) -> WaveTask:
        """The same wave minus agents that have already moved (resume after interruption)."""
        return WaveTask(
            self.number,
            tuple(
                (t, tuple(a for a in agents if a not in moved)) for t, agents in self.team_agents
            ),
            self.sessions,
        )


class WaveRunner(Protocol):
    def run_wave(self, wave: WaveTask) -> WaveOutcome:
        """Gate, notify, provision and verify one wave; never raises for a held agent."""
        ...


class MetricsSource(Protocol):
    def snapshot(self) -> PlatformSnapshot: ...


class ScaleOutRunner(Protocol):
    def scale_out(self, target_sessions: int) -> bool:
        """Grow the cluster until it carries ``target_sessions``; True on success."""
        ...


class Ledger(Protocol):
    """Durable record of the move (the state store, or a JSON file in the lab)."""

    def done_waves(self) -> set[int]: ...

    def moved_agents(self) -> set[str]: ...

    def record_wave(self, outcome: WaveOutcome) -> None: ...

    def record_decision(self, after_wave: int, decision: Decision) -> None: ...

    def current_waves(self) -> list[WaveTask] | None:
        """The wave list after earlier re-plans, or None to use the plan's."""
        ...

    def save_waves(self, waves: Sequence[WaveTask]) -> None: ...


class Soak(Protocol):
    def soak(self, wave: WaveTask, outcome: WaveOutcome, seconds: float) -> None:
        """Let the wave's moved users work (in the lab: connect) before metrics are read."""
        ...


#: (finished wave, remaining waves, snapshot, verification, policy) -> decision
DecideFn = Callable[
    [WaveTask, Sequence[WaveTask], PlatformSnapshot, VerificationSummary, StabilityPolicy],
    Decision,
]

#: observer for progress output: (event, detail)
Observer = Callable[[str, str], None]


def held_reasons(outcome: WaveOutcome, most: int = 3) -> tuple[str, ...]:
    """The most common reasons agents of a wave were held back, with their counts."""
    counts: dict[str, int] = {}
    for _, reason in outcome.held:
        counts[reason] = counts.get(reason, 0) + 1
    top = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:most]
    return (
        f"wave {outcome.number} moved nobody: {len(outcome.held)} agent(s) held back",
        *(f"{n} x {reason}" for reason, n in top),
    )


@dataclass
class MigrationReport:
    outcomes: list[WaveOutcome] = field(default_factory=list)
    decisions: list[tuple[int, Decision]] = field(default_factory=list)
    held: bool = False
    finished: bool = False
    planned_waves: int = 0
    waves_run: int = 0

    @property
    def moved(self) -> int:
        return sum(len(o.moved) for o in self.outcomes)


@dataclass
class Migration:
    """Runs waves from ``waves`` (the plan) through the collaborators; see module docstring."""

    waves: Sequence[WaveTask]
    runner: WaveRunner
    metrics: MetricsSource
    ledger: Ledger
    soak: Soak
    decide: DecideFn
    policy: StabilityPolicy = field(default_factory=StabilityPolicy)
    scale_out: ScaleOutRunner | None = None
    soak_seconds: float = 0.0
    dry_run: bool = False
    observe: Observer = lambda event, detail: None
    _projected: int = field(default=0, init=False)

    def run(self) -> MigrationReport:
        waves = list(self.ledger.current_waves() or self.waves)
        report = MigrationReport(planned_waves=len(self.waves))
        done = self.ledger.done_waves()
        index = 0
        while index < len(waves):
            wave = waves[index]
            if wave.number in done:
                self.observe("skip", f"wave {wave.number} already done")
                index += 1
                continue
            todo = wave.without(self.ledger.moved_agents())
            if self.dry_run:
                waves = self._dry_run_step(report, waves, index, todo)
                index += 1
                continue
            self.observe("wave", f"wave {wave.number}: {len(todo.agents)} agents")
            outcome = self.runner.run_wave(todo)
            report.outcomes.append(outcome)
            report.waves_run += 1
            self.ledger.record_wave(outcome)
            if outcome.ok:
                self._record_absorbed(todo)
            if not outcome.ok:
                decision = Decision(Action.HOLD, (f"wave {wave.number} failed: {outcome.message}",))
                self._record(report, wave.number, decision)
                report.held = True
                return report
            if outcome.held and not outcome.moved:
                # a wave that moved nobody proves nothing about the platform: stop and say why
                decision = Decision(Action.HOLD, held_reasons(outcome))
                self._record(report, wave.number, decision)
                report.held = True
                return report
            self.soak.soak(todo, outcome, self.soak_seconds)
            remaining = waves[index + 1 :]
            decision = self.decide(
                todo, remaining, self.metrics.snapshot(), outcome.verification, self.policy
            )
            if decision.action is Action.SCALE_OUT and self.scale_out is not None:
                self._record(report, wave.number, decision)
                if not self.scale_out.scale_out(decision.scale_out_sessions):
                    hold = Decision(Action.HOLD, ("scale-out failed; holding the remaining waves",))
                    self._record(report, wave.number, hold)
                    report.held = True
                    return report
                decision = self.decide(
                    todo, remaining, self.metrics.snapshot(), outcome.verification, self.policy
                )
            self._record(report, wave.number, decision)
            if decision.action in (Action.HOLD, Action.SCALE_OUT):
                report.held = True
                return report
            if decision.action is Action.MERGE:
                waves = [*waves[: index + 1], *self._merged(remaining, decision)]
                self.ledger.save_waves(waves)
            index += 1
        report.finished = not self.dry_run
        return report

    def _record_absorbed(self, task: WaveTask) -> None:
        """Planned waves whose teams all moved inside ``task`` (a merge) are done as well."""
        teams = set(task.teams)
        for planned in self.waves:
            if planned.number != task.number and planned.teams and set(planned.teams) <= teams:
                self.ledger.record_wave(
                    WaveOutcome(planned.number, (), message=f"merged into wave {task.number}")
                )

    def _dry_run_step(
        self, report: MigrationReport, waves: list[WaveTask], index: int, todo: WaveTask
    ) -> list[WaveTask]:
        """Decide as if ``todo`` had moved: live counters plus the sessions of every wave that
        the dry run has 'moved' so far. Nothing is run, recorded or connected."""
        self.observe(
            "would-run", f"wave {todo.number}: {len(todo.agents)} agents, {len(todo.teams)} teams"
        )
        self._projected += todo.sessions
        snapshot = self.metrics.snapshot().with_added_sessions(self._projected)
        remaining = waves[index + 1 :]
        decision = self.decide(
            todo, remaining, snapshot, VerificationSummary(len(todo.agents), 0), self.policy
        )
        report.decisions.append((todo.number, decision))
        self.observe(f"would-{decision.action.value}", "; ".join(decision.reasons))
        if decision.action is Action.MERGE:
            return [*waves[: index + 1], *self._merged(remaining, decision)]
        return waves

    def _record(self, report: MigrationReport, after: int, decision: Decision) -> None:
        report.decisions.append((after, decision))
        self.ledger.record_decision(after, decision)
        self.observe(decision.action.value, "; ".join(decision.reasons))

    @staticmethod
    def _merged(remaining: Sequence[WaveTask], decision: Decision) -> list[WaveTask]:
        """Regroup the remaining teams as the decision lists them; demand per agent is kept."""
        members: dict[str, tuple[str, ...]] = {}
        per_agent: dict[str, float] = {}
        for wave in remaining:
            share = wave.sessions / max(1, len(wave.agents))
            for team, agents in wave.team_agents:
                members[team] = agents
                per_agent[team] = share
        first = remaining[0].number if remaining else 0
        merged = []
        for offset, teams in enumerate(decision.remaining_waves):
            team_agents = tuple((t, members[t]) for t in teams if t in members)
            sessions = round(sum(per_agent[t] * len(a) for t, a in team_agents))
            merged.append(WaveTask(first + offset, team_agents, sessions))
        return merged
