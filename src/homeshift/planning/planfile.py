"""The plan file (``docs/plan-file.md``, version 1): to and from dicts, JSON and YAML.

Writers emit every key (empty lists rather than missing keys); readers reject an unknown
``version`` and name the key that is wrong.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from homeshift.planning import PlanError
from homeshift.planning.capacity import (
    AddressPool,
    CapacityInputs,
    CapacityPlan,
    PlannedHeadend,
    describe_inputs,
)
from homeshift.planning.waves import Unschedulable, Wave

PLAN_VERSION = 1


@dataclass(frozen=True)
class PlanDocument:
    capacity: CapacityPlan
    waves: tuple[Wave, ...] = ()
    unschedulable: tuple[Unschedulable, ...] = ()
    created: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))


def _pool_dict(pool: AddressPool) -> dict[str, Any]:
    return {
        "name": pool.name,
        "network": pool.network,
        "first": pool.first,
        "last": pool.last,
        "mask": pool.mask,
        "size": pool.size,
    }


def capacity_dict(plan: CapacityPlan) -> dict[str, Any]:
    return {
        "peak_sessions": plan.peak_sessions,
        "headends_required": plan.headends_required,
        "headends_existing": plan.headends_existing,
        "headends_to_add": plan.headends_to_add,
        "session_budget_per_headend": plan.session_budget_per_headend,
        "cluster_session_capacity": plan.cluster_session_capacity,
        "throughput_required_mbps": plan.throughput_required_mbps,
        "throughput_available_mbps": plan.throughput_available_mbps,
        "throughput_ok": plan.throughput_ok,
        "notes": list(plan.notes),
        "headends": [
            {
                "name": h.name,
                "model": h.model,
                "existing": h.existing,
                "licensed_peers": h.licensed_peers,
                "session_limit": h.session_limit,
                "session_budget": h.session_budget,
                "throughput_mbps": h.throughput_mbps,
                "priority": h.priority,
                "pool": _pool_dict(h.pool),
            }
            for h in plan.headends
        ],
    }


def plan_to_dict(document: PlanDocument) -> dict[str, Any]:
    return {
        "version": PLAN_VERSION,
        "created": document.created,
        "inputs": dict(describe_inputs(document.capacity.inputs)),
        "capacity": capacity_dict(document.capacity),
        "waves": [
            {
                "number": w.number,
                "teams": list(w.teams),
                "agents": list(w.agents),
                "headcount": w.headcount,
                "sessions": w.sessions,
            }
            for w in document.waves
        ],
        "unschedulable": [
            {"employee_id": u.employee_id, "team": u.team, "reason": u.reason}
            for u in document.unschedulable
        ],
    }


class _Reader:
    """Typed access to a decoded document; every error names the file and the key."""

    def __init__(self, source: str) -> None:
        self.source = source

    def obj(self, data: object, where: str) -> Mapping[str, Any]:
        if not isinstance(data, Mapping):
            raise PlanError(f"{self.source}: {where} must be an object")
        return data

    def get(
        self, data: Mapping[str, Any], key: str, kind: type | tuple[type, ...], where: str
    ) -> Any:
        if key not in data:
            raise PlanError(f"{self.source}: {where}.{key} is missing")
        value = data[key]
        if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
            raise PlanError(f"{self.source}: {where}.{key} has the wrong type")
        if not isinstance(value, kind):
            raise PlanError(f"{self.source}: {where}.{key} has the wrong type")
        return value

    def strings(self, data: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
        value = self.get(data, key, list, where)
        if not all(isinstance(v, str) for v in value):
            raise PlanError(f"{self.source}: {where}.{key} must be a list of strings")
        return tuple(value)


def plan_from_dict(data: object, source: str = "<memory>") -> PlanDocument:
    """Decode a plan document; raises :class:`PlanError` naming what is wrong."""
    r = _Reader(source)
    top = r.obj(data, "the plan")
    if top.get("version") != PLAN_VERSION:
        raise PlanError(f"{source}: unsupported plan version {top.get('version')!r}")
    raw_inputs = r.obj(top.get("inputs"), "inputs")
    headcount = r.obj(r.get(raw_inputs, "headcount_per_shift", dict, "inputs"), "headcount")
    if not all(
        isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in headcount.values()
    ):
        raise PlanError(f"{source}: inputs.headcount_per_shift values must be counts")
    number = (int, float)
    inputs = CapacityInputs(
        headcount_per_shift=tuple((str(k), int(v)) for k, v in headcount.items()),
        peak_sessions_source=str(r.get(raw_inputs, "peak_sessions_source", str, "inputs")),
        concurrency_ratio=float(r.get(raw_inputs, "concurrency_ratio", number, "inputs")),
        per_user_kbps=float(r.get(raw_inputs, "per_user_kbps", number, "inputs")),
        max_utilisation=float(r.get(raw_inputs, "max_utilisation", number, "inputs")),
        redundancy=int(r.get(raw_inputs, "redundancy", int, "inputs")),
        supernet=str(r.get(raw_inputs, "supernet", str, "inputs")),
        exclude=r.strings(raw_inputs, "exclude", "inputs"),
        default_model=str(r.get(raw_inputs, "default_model", str, "inputs")),
    )
    raw_cap = r.obj(top.get("capacity"), "capacity")
    headends: list[PlannedHeadend] = []
    for index, raw in enumerate(r.get(raw_cap, "headends", list, "capacity"), start=1):
        where = f"capacity.headends[{index}]"
        h = r.obj(raw, where)
        pool = r.obj(h.get("pool"), f"{where}.pool")
        throughput = h.get("throughput_mbps")
        headends.append(
            PlannedHeadend(
                name=r.get(h, "name", str, where),
                model=r.get(h, "model", str, where),
                existing=r.get(h, "existing", bool, where),
                licensed_peers=r.get(h, "licensed_peers", int, where),
                session_limit=r.get(h, "session_limit", int, where),
                session_budget=r.get(h, "session_budget", int, where),
                throughput_mbps=None if throughput is None else float(throughput),
                priority=r.get(h, "priority", int, where),
                pool=AddressPool(
                    name=r.get(pool, "name", str, f"{where}.pool"),
                    network=r.get(pool, "network", str, f"{where}.pool"),
                    first=r.get(pool, "first", str, f"{where}.pool"),
                    last=r.get(pool, "last", str, f"{where}.pool"),
                    mask=r.get(pool, "mask", str, f"{where}.pool"),
                    size=r.get(pool, "size", int, f"{where}.pool"),
                ),
            )
        )
    capacity = CapacityPlan(
        inputs=inputs,
        peak_sessions=r.get(raw_cap, "peak_sessions", int, "capacity"),
        headends_required=r.get(raw_cap, "headends_required", int, "capacity"),
        headends_existing=r.get(raw_cap, "headends_existing", int, "capacity"),
        headends_to_add=r.get(raw_cap, "headends_to_add", int, "capacity"),
        session_budget_per_headend=r.get(raw_cap, "session_budget_per_headend", int, "capacity"),
        cluster_session_capacity=r.get(raw_cap, "cluster_session_capacity", int, "capacity"),
        throughput_required_mbps=float(
            r.get(raw_cap, "throughput_required_mbps", number, "capacity")
        ),
        throughput_available_mbps=float(
            r.get(raw_cap, "throughput_available_mbps", number, "capacity")
        ),
        throughput_ok=r.get(raw_cap, "throughput_ok", bool, "capacity"),
        notes=r.strings(raw_cap, "notes", "capacity"),
        headends=tuple(headends),
    )
    waves: list[Wave] = []
    for index, raw in enumerate(r.get(top, "waves", list, "plan"), start=1):
        where = f"waves[{index}]"
        w = r.obj(raw, where)
        waves.append(
            Wave(
                number=r.get(w, "number", int, where),
                teams=r.strings(w, "teams", where),
                agents=r.strings(w, "agents", where),
                headcount=r.get(w, "headcount", int, where),
                sessions=r.get(w, "sessions", int, where),
            )
        )
    unschedulable: list[Unschedulable] = []
    for index, raw in enumerate(r.get(top, "unschedulable", list, "plan"), start=1):
        where = f"unschedulable[{index}]"
        u = r.obj(raw, where)
        unschedulable.append(
            Unschedulable(
                r.get(u, "employee_id", str, where),
                r.get(u, "team", str, where),
                r.get(u, "reason", str, where),
            )
        )
    return PlanDocument(capacity, tuple(waves), tuple(unschedulable), str(top.get("created") or ""))


def dumps_plan(document: PlanDocument, fmt: str = "json") -> str:
    data = plan_to_dict(document)
    if fmt == "yaml":
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    if fmt == "json":
        return json.dumps(data, indent=2) + "\n"
    raise PlanError(f"unknown plan format {fmt!r} (json or yaml)")


def write_plan(document: PlanDocument, path: str | Path, fmt: str | None = None) -> Path:
    """Write JSON (or YAML for ``.yml``/``.yaml`` or ``fmt='yaml'``) atomically."""
    path = Path(path)
    fmt = fmt or ("yaml" if path.suffix in (".yml", ".yaml") else "json")
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_name(f".{path.name}.tmp")
    scratch.write_text(dumps_plan(document, fmt), encoding="utf-8")
    scratch.replace(path)
    return path


def read_plan(path: str | Path) -> PlanDocument:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text) if path.suffix in (".yml", ".yaml") else json.loads(text)
    except (OSError, ValueError, yaml.YAMLError) as exc:
        raise PlanError(f"{path}: cannot read plan file ({exc})") from exc
    return plan_from_dict(data, str(path))
