"""Read the traffic lights' inputs from files: plan, headend facts, lab counters.

Every reader is strict and names the file and the entry it rejects; the readiness model itself
(:mod:`homeshift.readiness`) stays free of I/O.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from homeshift.readiness import HeadendLoad, WaveDemand
from homeshift.wave_entries import wave_entry_number


class InputFileError(ValueError):
    """An input file cannot be used; the message names the file and the entry."""


@dataclass(frozen=True)
class PlanInputs:
    """What readiness needs from a plan file (docs/plan-file.md, version 1)."""

    waves: tuple[WaveDemand, ...] = ()
    unschedulable: Mapping[str, str] = field(default_factory=dict)
    #: headend name -> session_limit, used when live counters give no limit
    session_limits: Mapping[str, int] = field(default_factory=dict)
    max_utilisation: float | None = None


def _load_document(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputFileError(f"{path}: cannot read ({exc})") from exc
    try:
        if path.suffix.lower() in (".yml", ".yaml"):
            return yaml.safe_load(text)
        return json.loads(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise InputFileError(
            f"{path}: not valid {path.suffix.lstrip('.') or 'JSON'} ({exc})"
        ) from exc


def _non_negative_int(value: Any, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InputFileError(f"{where} must be a non-negative integer, not {value!r}")
    return value


def parse_plan(data: Any, source: str = "<memory>", moved: Collection[int] = ()) -> PlanInputs:
    """The waves (with session demand), left-out agents and headend limits of a plan."""
    if not isinstance(data, dict) or data.get("version") != 1:
        version = data.get("version") if isinstance(data, dict) else None
        raise InputFileError(f"{source}: unsupported plan version {version!r} (expected 1)")
    raw_waves = data.get("waves", [])
    if not isinstance(raw_waves, list):
        raise InputFileError(f"{source}: 'waves' must be a list")
    waves: list[WaveDemand] = []
    seen: set[int] = set()
    for index, raw_entry in enumerate(raw_waves, start=1):
        where = f"{source}: wave entry {index}"
        raw, number = wave_entry_number(raw_entry, where, seen, InputFileError)
        agents = raw.get("agents", [])
        if not isinstance(agents, list) or not all(isinstance(a, str) for a in agents):
            raise InputFileError(f"{where} (wave {number}): 'agents' must be a list of strings")
        sessions = _non_negative_int(
            raw.get("sessions", len(agents)), f"{where} (wave {number}): 'sessions'"
        )
        waves.append(WaveDemand(number, tuple(agents), sessions, moved=number in moved))

    unschedulable: dict[str, str] = {}
    raw_left = data.get("unschedulable", [])
    if not isinstance(raw_left, list):
        raise InputFileError(f"{source}: 'unschedulable' must be a list")
    for index, raw in enumerate(raw_left, start=1):
        if not isinstance(raw, dict) or not isinstance(raw.get("employee_id"), str):
            raise InputFileError(f"{source}: unschedulable entry {index} needs an employee_id")
        unschedulable[raw["employee_id"]] = str(raw.get("reason") or "left out by the planner")

    limits: dict[str, int] = {}
    capacity = data.get("capacity") or {}
    if not isinstance(capacity, dict):
        raise InputFileError(f"{source}: 'capacity' must be an object")
    for index, raw in enumerate(capacity.get("headends") or [], start=1):
        if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
            raise InputFileError(f"{source}: capacity headend entry {index} needs a name")
        limits[raw["name"]] = _non_negative_int(
            raw.get("session_limit", 0), f"{source}: headend {raw['name']} 'session_limit'"
        )
    max_util = (data.get("inputs") or {}).get("max_utilisation")
    if max_util is not None and not isinstance(max_util, int | float):
        raise InputFileError(f"{source}: inputs.max_utilisation must be a number")
    return PlanInputs(
        tuple(waves), unschedulable, limits, float(max_util) if max_util is not None else None
    )


def read_plan(path: str | Path, moved: Collection[int] = ()) -> PlanInputs:
    path = Path(path)
    return parse_plan(_load_document(path), str(path), moved)


def parse_headend_loads(
    data: Any, source: str = "<memory>", limits: Mapping[str, int] | None = None
) -> tuple[HeadendLoad, ...]:
    """Headend counters from ``[{"name", "active", "limit"}]``, ``{"headends": [...]}``,
    ``{name: {"active", "limit"}}`` or the lab's ``{"members": {name: {...}}}``. ``limit`` may
    also be called ``capacity``, ``session_limit`` or ``licensed_peers`` (0 = takes no sessions);
    when absent, ``limits`` (from the plan) supplies it.
    """
    if isinstance(data, dict) and "headends" in data:
        data = data["headends"]
    elif isinstance(data, dict) and "members" in data:  # the lab's asa.sessions
        data = data["members"]
    entries: list[tuple[str, Any]]
    if isinstance(data, dict):
        entries = [(str(k), v) for k, v in data.items()]
    elif isinstance(data, list):
        entries = []
        for index, raw in enumerate(data, start=1):
            if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
                raise InputFileError(f"{source}: headend entry {index} needs a name")
            entries.append((raw["name"], raw))
    else:
        raise InputFileError(f"{source}: expected a list or object of headends")
    loads: list[HeadendLoad] = []
    for name, raw in entries:
        where = f"{source}: headend {name}"
        if not isinstance(raw, dict):
            raise InputFileError(f"{where}: entry must be an object")
        active = _non_negative_int(raw.get("active"), f"{where} 'active'")
        # the first key present wins, 0 included: the lab reports limit 0 for a headend that
        # cannot take AnyConnect sessions (not configured), which is no capacity, not unknown
        raw_limit = next(
            (
                raw[k]
                for k in ("limit", "capacity", "session_limit", "licensed_peers")
                if raw.get(k) is not None
            ),
            (limits or {}).get(name),
        )
        if raw_limit is None:
            raise InputFileError(f"{where}: no session limit (give 'limit' or a plan)")
        loads.append(HeadendLoad(name, active, _non_negative_int(raw_limit, f"{where} 'limit'")))
    return tuple(sorted(loads, key=lambda h: h.name))


def read_headend_loads(
    path: str | Path, limits: Mapping[str, int] | None = None
) -> tuple[HeadendLoad, ...]:
    path = Path(path)
    return parse_headend_loads(_load_document(path), str(path), limits)


def lab_headend_loads(
    lab_dir: str | Path, limits: Mapping[str, int] | None = None
) -> tuple[HeadendLoad, ...]:
    """Live counters of the lab's headends (control operation ``asa.sessions``)."""
    from homeshift.lab.control import call

    return parse_headend_loads(call(lab_dir, "asa.sessions"), f"lab {lab_dir}", limits)
