"""The waves of a plan file (``docs/plan-file.md``, version 1), as the store and notifier see them.

Files are read with the planner's reader (:func:`homeshift.planning.planfile.read_plan`), so a plan
the planner would reject is rejected here too. :func:`parse_plan_waves` reads just the ``waves``
of an already decoded document (and an optional per-wave ``date``, for callers that have one).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Protocol, TypeVar

from homeshift.planning import PlanError
from homeshift.planning.planfile import read_plan
from homeshift.wave_entries import wave_entry_number


class PlanFileError(ValueError):
    """The plan file cannot be used; the message names the file and the wave."""


class WaveLike(Protocol):
    """What the store and the notifier need of a wave; the planner's ``Wave`` fits too."""

    @property
    def number(self) -> int: ...

    @property
    def teams(self) -> tuple[str, ...]: ...

    @property
    def agents(self) -> tuple[str, ...]: ...


W = TypeVar("W", bound=WaveLike)


@dataclass(frozen=True, slots=True)
class PlannedWave:
    number: int
    teams: tuple[str, ...]
    agents: tuple[str, ...]
    date: date | None = None


def parse_plan_waves(data: Mapping[str, Any], source: str = "<memory>") -> tuple[PlannedWave, ...]:
    """Waves of a decoded plan document, in file order."""
    if data.get("version") != 1:
        raise PlanFileError(f"{source}: unsupported plan version {data.get('version')!r}")
    raw_waves = data.get("waves")
    if not isinstance(raw_waves, list):
        raise PlanFileError(f"{source}: 'waves' must be a list")
    waves: list[PlannedWave] = []
    seen: set[int] = set()
    for index, raw_entry in enumerate(raw_waves, start=1):
        where = f"{source}: wave entry {index}"
        raw, number = wave_entry_number(raw_entry, where, seen, PlanFileError)
        teams = _strings(raw.get("teams"), f"{where} (wave {number}): 'teams'")
        agents = _strings(raw.get("agents"), f"{where} (wave {number}): 'agents'")
        when: date | None = None
        if raw.get("date"):
            try:
                when = date.fromisoformat(str(raw["date"]))
            except ValueError as exc:
                raise PlanFileError(f"{where}: 'date' {raw['date']!r} is not YYYY-MM-DD") from exc
        waves.append(PlannedWave(number, teams, agents, when))
    return tuple(waves)


def _strings(value: object, what: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise PlanFileError(f"{what} must be a list of strings")
    return tuple(value)


def read_plan_waves(path: str | Path) -> tuple[PlannedWave, ...]:
    """Read the waves of a plan file (JSON or YAML) through the planner's own reader."""
    try:
        document = read_plan(path)
    except PlanError as exc:
        raise PlanFileError(str(exc)) from exc
    numbers = [w.number for w in document.waves]
    duplicates = sorted({n for n in numbers if numbers.count(n) > 1})
    if duplicates:
        raise PlanFileError(f"{path}: wave(s) {duplicates} appear more than once")
    return tuple(PlannedWave(w.number, w.teams, w.agents) for w in document.waves)


def find_wave(waves: Sequence[W], number: int) -> W:
    for wave in waves:
        if wave.number == number:
            return wave
    raise PlanFileError(f"wave {number} is not in the plan (waves: {[w.number for w in waves]})")
