"""Scale-out for pipelines: plan new members next to the live cluster and summarise the result.

The planner (``homeshift.planning``) sizes the cluster; here the *live* members are fed in
with the pools they really have (so new pools never overlap them and the plan file tells the
truth about existing members), and the summary a pipeline reads is built.
"""

from __future__ import annotations

import dataclasses
import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from homeshift.planning.capacity import (
    DEFAULT_SUPERNET,
    AddressPool,
    CapacityInputs,
    CapacityPlan,
    ExistingHeadend,
    PlannedHeadend,
    plan_capacity,
    resilient_budget,
)
from homeshift.planning.planfile import PlanDocument, capacity_dict

SUMMARY_VERSION = 1


class ScaleOutError(ValueError):
    """The scale-out request cannot be planned (no spares, bad numbers, ...)."""


@dataclass(frozen=True)
class LiveMember:
    """An existing cluster member as seen on the device."""

    name: str
    model: str
    licensed_peers: int | None
    pool: Mapping[str, Any] | None = None  # {"name", "first", "last", "mask"}


def _exclusions(members: Sequence[LiveMember]) -> list[str]:
    nets: list[str] = []
    for member in members:
        if member.pool:
            first = ipaddress.IPv4Address(str(member.pool["first"]))
            last = ipaddress.IPv4Address(str(member.pool["last"]))
            nets += [str(n) for n in ipaddress.summarize_address_range(first, last)]
    return nets


def _live_pool(member: LiveMember, planned: AddressPool) -> AddressPool:
    if not member.pool:
        return planned
    first = ipaddress.IPv4Address(str(member.pool["first"]))
    last = ipaddress.IPv4Address(str(member.pool["last"]))
    mask = str(member.pool.get("mask") or "255.255.255.255")
    network = ipaddress.IPv4Network(f"{first}/{mask}", strict=False)
    return AddressPool(
        name=str(member.pool["name"]),
        network=str(network),
        first=str(first),
        last=str(last),
        mask=mask,
        size=int(last) - int(first) + 1,
    )


def plan_scale_out(
    members: Sequence[LiveMember],
    spares: Sequence[str],
    *,
    target_users: int | None = None,
    add_headends: int | None = None,
    supernet: str = DEFAULT_SUPERNET,
    exclude: Sequence[str] = (),
    max_utilisation: float = 0.8,
    redundancy: int = 0,
    default_model: str | None = None,
) -> PlanDocument:
    """A plan with the live members (their real pools) plus the spares the target needs."""
    if (target_users is None) == (add_headends is None):
        raise ScaleOutError("give exactly one of target_users or add_headends")
    if target_users is not None and target_users < 0:
        raise ScaleOutError(f"target_users {target_users} must be >= 0")
    if add_headends is not None and add_headends < 1:
        raise ScaleOutError(f"add_headends {add_headends} must be >= 1")
    if add_headends is not None and add_headends > len(spares):
        raise ScaleOutError(f"asked to add {add_headends} headends, only {len(spares)} spare(s)")
    model = default_model or (members[0].model if members else None)
    if not model:
        raise ScaleOutError("no live member and no default model to size new headends")
    inputs = CapacityInputs(
        peak_sessions=0,
        peak_sessions_source="scale-out",
        max_utilisation=max_utilisation,
        redundancy=redundancy,
        existing=tuple(ExistingHeadend(m.name, m.model, m.licensed_peers) for m in members),
        spare_names=tuple(spares),
        supernet=supernet,
        exclude=(*exclude, *_exclusions(members)),
        default_model=model,
    )
    try:
        if add_headends is not None:
            baseline = plan_capacity(inputs)
            budgets = [h.session_budget for h in baseline.headends]
            one_new = (
                plan_capacity(
                    dataclasses.replace(
                        inputs, existing=(), spare_names=("probe",), peak_sessions=1
                    )
                )
                .headends[0]
                .session_budget
            )
            peak = resilient_budget([*budgets, *[one_new] * add_headends], redundancy)
        else:
            peak = int(target_users or 0)
        plan = plan_capacity(dataclasses.replace(inputs, peak_sessions=peak))
    except ValueError as exc:
        raise ScaleOutError(str(exc)) from exc
    if plan.headends_to_add > len(spares):
        raise ScaleOutError(
            f"{plan.headends_to_add} new headend(s) needed for {peak} sessions, "
            f"only {len(spares)} spare(s): {', '.join(spares) or 'none'}"
        )
    by_name = {m.name: m for m in members}
    headends = tuple(
        dataclasses.replace(h, pool=_live_pool(by_name[h.name], h.pool)) if h.existing else h
        for h in plan.headends
    )
    return PlanDocument(capacity=dataclasses.replace(plan, headends=headends))


def added(plan: CapacityPlan) -> list[PlannedHeadend]:
    return [h for h in plan.headends if not h.existing]


def summary(
    document: PlanDocument,
    *,
    converged: Sequence[str] = (),
    sessions: Mapping[str, int] | None = None,
    failed: Sequence[str] = (),
) -> dict[str, Any]:
    """The JSON a pipeline reads (schema in docs/headends.md)."""
    plan = document.capacity
    new = added(plan)
    existing = [h for h in plan.headends if h.existing]
    sessions = dict(sessions or {})
    return {
        "version": SUMMARY_VERSION,
        "ok": not failed and all(h.name in converged for h in new),
        "added_headends": [h.name for h in new],
        "pools": {
            h.name: {
                "name": h.pool.name,
                "first": h.pool.first,
                "last": h.pool.last,
                "mask": h.pool.mask,
                "size": h.pool.size,
            }
            for h in new
        },
        "capacity_before": {
            "members": len(existing),
            "session_limit": sum(h.session_limit for h in existing),
            "session_budget": resilient_budget(
                [h.session_budget for h in existing], plan.inputs.redundancy
            ),
        },
        "capacity_after": {
            "members": len(plan.headends),
            "session_limit": sum(h.session_limit for h in plan.headends),
            "session_budget": plan.free_session_budget,
        },
        "target_sessions": plan.peak_sessions,
        "converged": list(converged),
        "failed": list(failed),
        "sessions_on_new_members": {h.name: sessions.get(h.name) for h in new},
        "plan": capacity_dict(plan),
    }
