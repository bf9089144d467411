"""Capacity planning: how many headends, each one's session budget and address pool.

Model (``docs/planning.md``):

* ``peak_sessions = ceil(peak concurrent agents x concurrency_ratio)``; the peak concurrent
  agents is the maximum, over every minute of the day, of agents whose shift covers that minute.
* ``session_limit`` of a headend = ``min(model max peers, licensed peers)``;
  ``session_budget = floor(session_limit x max_utilisation)``.
* The cluster must carry ``peak_sessions`` within budget after losing its ``redundancy`` largest
  members (N+1 by default). Existing headends are kept; new ones of ``default_model`` are added
  until that holds.
* Each headend gets its own pool (VPN load balancing needs unique pools per device) sized to its
  session limit, allocated from ``supernet`` without overlap and outside ``exclude``.
"""

from __future__ import annotations

import ipaddress
import math
import re
from bisect import insort
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from homeshift.planning import PlanError
from homeshift.planning.catalogue import BUILTIN_CATALOGUE, Catalogue, HeadendModel
from homeshift.roster import Roster, Shift

MINUTES_PER_DAY = 24 * 60
DEFAULT_MODEL = "ASA5555"
DEFAULT_SUPERNET = "10.64.0.0/12"
#: priority of the first headend; VPN load balancing priorities run 1-10 (asa-cli.md 3.3)
TOP_PRIORITY = 10
MAX_NEW_HEADENDS = 10_000


@dataclass(frozen=True, slots=True)
class ExistingHeadend:
    """A headend already in service. ``licensed_peers`` None means licensed to the platform max."""

    name: str
    model: str
    licensed_peers: int | None = None


@dataclass(frozen=True, slots=True)
class CapacityInputs:
    """Everything the capacity plan depends on (written back into the plan file)."""

    headcount_per_shift: tuple[tuple[str, int], ...] = ()
    peak_sessions: int | None = None
    peak_sessions_source: str = "roster"
    concurrency_ratio: float = 1.0
    per_user_kbps: float = 250.0
    max_utilisation: float = 0.8
    redundancy: int = 1
    existing: tuple[ExistingHeadend, ...] = ()
    spare_names: tuple[str, ...] = ()
    supernet: str = DEFAULT_SUPERNET
    exclude: tuple[str, ...] = ()
    default_model: str = DEFAULT_MODEL


@dataclass(frozen=True, slots=True)
class AddressPool:
    """What goes into ``ip local pool NAME FIRST-LAST mask MASK``."""

    name: str
    network: str
    first: str
    last: str
    mask: str
    size: int


@dataclass(frozen=True, slots=True)
class PlannedHeadend:
    name: str
    model: str
    existing: bool
    licensed_peers: int
    session_limit: int
    session_budget: int
    throughput_mbps: float | None
    priority: int
    pool: AddressPool


@dataclass(frozen=True)
class CapacityPlan:
    inputs: CapacityInputs
    peak_sessions: int
    headends_required: int
    headends_existing: int
    headends_to_add: int
    session_budget_per_headend: int
    cluster_session_capacity: int
    throughput_required_mbps: float
    throughput_available_mbps: float
    throughput_ok: bool
    notes: tuple[str, ...] = ()
    headends: tuple[PlannedHeadend, ...] = field(default_factory=tuple)

    @property
    def free_session_budget(self) -> int:
        """Sessions the cluster takes within budget after losing its ``redundancy`` largest."""
        return resilient_budget([h.session_budget for h in self.headends], self.inputs.redundancy)


# -- peak sessions -----------------------------------------------------------------------------


def _minutes(shift: Shift) -> tuple[int, int]:
    return shift.start.hour * 60 + shift.start.minute, shift.end.hour * 60 + shift.end.minute


def coverage_by_minute(shift_counts: Iterable[tuple[Shift, int]]) -> list[int]:
    """Agents on shift for each minute of the day; a shift covers ``[start, end)``.

    A difference array keeps this O(shifts + 1440) whatever the headcount.
    """
    diff = [0] * (MINUTES_PER_DAY + 1)
    for shift, count in shift_counts:
        start, end = _minutes(shift)
        diff[start] += count
        if end > start:
            diff[end] -= count
        else:  # crosses midnight: [start, 24:00) and [00:00, end)
            diff[MINUTES_PER_DAY] -= count
            diff[0] += count
            diff[end] -= count
    coverage: list[int] = []
    running = 0
    for minute in range(MINUTES_PER_DAY):
        running += diff[minute]
        coverage.append(running)
    return coverage


def peak_concurrent(shift_counts: Iterable[tuple[Shift, int]]) -> int:
    """Most agents on shift at the same minute (overlapping shifts add up)."""
    return max(coverage_by_minute(shift_counts), default=0)


def sessions_for(agents_at_peak: int, concurrency_ratio: float) -> int:
    return math.ceil(agents_at_peak * concurrency_ratio - 1e-9)


def headcount_per_shift(roster: Roster) -> tuple[tuple[str, int], ...]:
    """Agents per shift text, in first-seen order (counted by shift, formatted once per shift)."""
    shift_by_id = {}
    counts: Counter[int] = Counter()
    for agent in roster.agents:
        key = id(agent.shift)
        if key not in counts:
            shift_by_id[key] = agent.shift
        counts[key] += 1
    merged: dict[str, int] = {}
    for key, count in counts.items():
        text = str(shift_by_id[key])
        merged[text] = merged.get(text, 0) + count
    return tuple(merged.items())


def parse_headcount(items: Iterable[str]) -> tuple[tuple[str, int], ...]:
    """``SHIFT=N`` items (``06:00-14:30=4200``) as validated pairs."""
    pairs: dict[str, int] = {}
    for item in items:
        shift_text, sep, number = item.rpartition("=")
        try:
            if not sep:
                raise ValueError("expected SHIFT=N")
            shift = Shift.parse(shift_text)
            count = int(number)
            if count < 0:
                raise ValueError("headcount must be >= 0")
        except ValueError as exc:
            raise PlanError(f"--headcount {item!r}: {exc}") from exc
        pairs[str(shift)] = pairs.get(str(shift), 0) + count
    return tuple(pairs.items())


def peak_sessions_of(inputs: CapacityInputs) -> int:
    if inputs.peak_sessions is not None:
        return inputs.peak_sessions
    shifts = [(Shift.parse(text), count) for text, count in inputs.headcount_per_shift]
    return sessions_for(peak_concurrent(shifts), inputs.concurrency_ratio)


# -- headends ----------------------------------------------------------------------------------


def resilient_budget(budgets: Sequence[int], redundancy: int) -> int:
    """Sum of budgets without the ``redundancy`` largest ones (what survives their loss)."""
    if redundancy <= 0:
        return sum(budgets)
    return sum(sorted(budgets, reverse=True)[redundancy:])


_NUMBERED = re.compile(r"^asa-(\d+)$")
# Pool names (HS-POOL-<NAME>) must be plain ASA object names: no spaces, bounded length.
_HEADEND_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,47}$")


def default_spare_names(existing: Sequence[str], count: int) -> list[str]:
    """``asa-NN`` names continuing after the highest existing ``asa-NN``."""
    highest = max((int(m.group(1)) for n in existing if (m := _NUMBERED.match(n))), default=0)
    taken = set(existing)
    names: list[str] = []
    number = highest
    while len(names) < count:
        number += 1
        name = f"asa-{number:02d}"
        if name not in taken:
            names.append(name)
    return names


def _validate(inputs: CapacityInputs) -> None:
    if not 0 < inputs.max_utilisation <= 1:
        raise PlanError(f"max utilisation {inputs.max_utilisation} must be in (0, 1]")
    if not 0 < inputs.concurrency_ratio <= 5:
        raise PlanError(f"concurrency ratio {inputs.concurrency_ratio} must be in (0, 5]")
    if inputs.redundancy < 0:
        raise PlanError("redundancy must be >= 0")
    if inputs.per_user_kbps < 0:
        raise PlanError("per-user bandwidth must be >= 0")
    if inputs.peak_sessions is not None and inputs.peak_sessions < 0:
        raise PlanError("peak sessions must be >= 0")
    names = [e.name for e in inputs.existing] + list(inputs.spare_names)
    bad = [n for n in names if not _HEADEND_NAME.match(n)]
    if bad:
        raise PlanError(
            f"headend name(s) {', '.join(map(repr, bad))} are not inventory hostnames "
            "(letters, digits, '.', '_', '-'; at most 48 characters): the pool is named after them"
        )
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise PlanError(f"headend name(s) used twice: {', '.join(duplicates)}")
    for headend in inputs.existing:
        if headend.licensed_peers is not None and headend.licensed_peers < 1:
            raise PlanError(f"existing headend {headend.name}: licensed peers must be >= 1")


def plan_capacity(inputs: CapacityInputs, catalogue: Catalogue = BUILTIN_CATALOGUE) -> CapacityPlan:
    """Headends required and to add, budgets, pools and the throughput check."""
    _validate(inputs)
    notes: list[str] = []
    peak = peak_sessions_of(inputs)
    default_model = catalogue.get(inputs.default_model)

    members: list[tuple[str, HeadendModel, bool, int]] = []  # name, model, existing, licensed
    for headend in sorted(inputs.existing, key=lambda e: e.name):
        try:
            model = catalogue.get(headend.model)
        except PlanError as exc:
            raise PlanError(f"existing headend {headend.name}: {exc}") from exc
        licensed = headend.licensed_peers or model.max_peers
        if licensed > model.max_peers:
            notes.append(
                f"{headend.name}: licence {licensed} peers exceeds the {model.name} platform "
                f"limit {model.max_peers}; the platform limit applies"
            )
        members.append((headend.name, model, True, licensed))

    def budget(model: HeadendModel, licensed: int) -> int:
        return math.floor(min(model.max_peers, licensed) * inputs.max_utilisation)

    new_budget = budget(default_model, default_model.max_peers)
    if new_budget < 1:
        raise PlanError(
            f"a {default_model.name} at {inputs.max_utilisation:.0%} utilisation has no budget"
        )
    budgets = [budget(m, lic) for _, m, _, lic in members]
    # New members all have the same budget, so the count has a closed form plus a short check.
    shortfall = max(0, peak - resilient_budget(budgets, inputs.redundancy))
    to_add = max(0, math.ceil(shortfall / new_budget) - 1)
    if to_add > MAX_NEW_HEADENDS:
        raise PlanError(
            f"{peak} peak sessions would need more than {MAX_NEW_HEADENDS} new "
            f"{default_model.name} headends; check the inputs"
        )
    while (
        resilient_budget(budgets + [new_budget] * to_add, inputs.redundancy) < peak
        or len(budgets) + to_add <= inputs.redundancy
    ):
        to_add += 1
    budgets += [new_budget] * to_add
    if to_add:
        required = len(members) + to_add
    else:  # enough already: the fewest existing members (largest first) that would do
        ordered = sorted(budgets, reverse=True)
        required = next(
            k
            for k in range(inputs.redundancy + 1, len(ordered) + 1)
            if resilient_budget(ordered[:k], inputs.redundancy) >= peak
        )
    spare_names = list(inputs.spare_names[:to_add])
    existing_names = [name for name, *_ in members]
    if len(spare_names) < to_add:
        spare_names += default_spare_names(existing_names + spare_names, to_add - len(spare_names))
    for name in spare_names:
        members.append((name, default_model, False, default_model.max_peers))

    models_used = {m.name: m for _, m, _, _ in members}
    notes += [m.describe() for m in models_used.values() if not m.verified]
    if len(members) > TOP_PRIORITY:
        notes.append(
            f"{len(members)} members: more than 10 per load-balancing cluster is not supported "
            "(unverified); split into several clusters"
        )

    pools = allocate_pools(
        inputs.supernet,
        inputs.exclude,
        [(name, min(model.max_peers, lic)) for name, model, _, lic in members],
    )
    headends = tuple(
        PlannedHeadend(
            name=name,
            model=model.name,
            existing=existing,
            licensed_peers=licensed,
            session_limit=min(model.max_peers, licensed),
            session_budget=budget(model, licensed),
            throughput_mbps=model.vpn_throughput_mbps,
            priority=max(1, TOP_PRIORITY - index),
            pool=pool,
        )
        for index, ((name, model, existing, licensed), pool) in enumerate(
            zip(members, pools, strict=True)
        )
    )

    required_mbps = round(peak * inputs.per_user_kbps / 1000, 1)
    known = [h.throughput_mbps for h in headends if h.throughput_mbps is not None]
    available_mbps = round(sum(known), 1)
    surviving_mbps = sum(sorted(known, reverse=True)[inputs.redundancy :])
    unknown = sorted({h.model for h in headends if h.throughput_mbps is None})
    if unknown:
        throughput_ok = False
        notes.append(
            f"throughput of {', '.join(unknown)} is not known: throughput check not possible "
            "(give vpn_throughput_mbps in --catalogue)"
        )
    else:
        throughput_ok = required_mbps <= surviving_mbps * inputs.max_utilisation
        if not throughput_ok:
            notes.append(
                f"throughput: {required_mbps:.0f} Mbps needed at peak but only "
                f"{surviving_mbps * inputs.max_utilisation:.0f} Mbps within "
                f"{inputs.max_utilisation:.0%} utilisation after losing "
                f"{inputs.redundancy} member(s); consider split tunnelling or larger models"
            )
    return CapacityPlan(
        inputs=inputs,
        peak_sessions=peak,
        headends_required=required,
        headends_existing=len(inputs.existing),
        headends_to_add=to_add,
        session_budget_per_headend=min((h.session_budget for h in headends), default=0),
        cluster_session_capacity=sum(h.session_limit for h in headends),
        throughput_required_mbps=required_mbps,
        throughput_available_mbps=available_mbps,
        throughput_ok=throughput_ok,
        notes=tuple(notes),
        headends=headends,
    )


# -- address pools -----------------------------------------------------------------------------


def pool_prefix(session_limit: int) -> int:
    """Smallest IPv4 prefix whose usable hosts (size - 2) hold ``session_limit`` addresses."""
    if session_limit < 1:
        raise PlanError("a pool must hold at least one address")
    bits = max(2, math.ceil(math.log2(session_limit + 2)))
    while (1 << bits) - 2 < session_limit:
        bits += 1
    if bits > 32:
        raise PlanError(f"no IPv4 prefix holds {session_limit} addresses")
    return 32 - bits


def _parse_network(text: str, what: str) -> ipaddress.IPv4Network:
    try:
        network = ipaddress.ip_network(text.strip(), strict=True)
    except ValueError as exc:
        raise PlanError(f"{what} {text!r} is not an IPv4 network in CIDR form ({exc})") from exc
    if not isinstance(network, ipaddress.IPv4Network):
        raise PlanError(f"{what} {text!r}: only IPv4 pools are planned")
    return network


def allocate_pools(
    supernet: str, exclude: Sequence[str], requests: Sequence[tuple[str, int]]
) -> list[AddressPool]:
    """One aligned pool per ``(headend name, session limit)``, in request order.

    Larger pools are placed first (less fragmentation); each takes the lowest free aligned block
    that overlaps neither an exclusion nor an earlier pool. Deterministic.
    """
    net = _parse_network(supernet, "supernet")
    base, top = int(net.network_address), int(net.broadcast_address)
    taken: list[tuple[int, int]] = []
    for text in exclude:
        excluded = _parse_network(text, "excluded range")
        taken.append((int(excluded.network_address), int(excluded.broadcast_address)))
    taken.sort()
    order = sorted(range(len(requests)), key=lambda i: (pool_prefix(requests[i][1]), i))
    placed: dict[int, AddressPool] = {}
    for i in order:
        name, limit = requests[i]
        prefix = pool_prefix(limit)
        size = 1 << (32 - prefix)
        start = _first_free_block(base, top, size, taken)
        if start is None:
            free = (top - base + 1) - _covered(base, top, taken)
            raise PlanError(
                f"supernet {net} is too small: no free /{prefix} for the pool of {name} "
                f"({limit} sessions); {free} addresses left after exclusions and "
                f"{len(placed)} pool(s); use a larger supernet or fewer exclusions"
            )
        insort(taken, (start, start + size - 1))
        block = ipaddress.IPv4Network((start, prefix))
        placed[i] = AddressPool(
            name=f"HS-POOL-{name.upper()}",
            network=str(block),
            first=str(block.network_address + 1),
            last=str(block.broadcast_address - 1),
            mask=str(block.netmask),
            size=size - 2,
        )
    return [placed[i] for i in range(len(requests))]


def _first_free_block(
    base: int, top: int, size: int, taken: Sequence[tuple[int, int]]
) -> int | None:
    """Lowest aligned block of ``size`` in ``[base, top]`` clear of ``taken`` (sorted by start)."""
    candidate = (base + size - 1) // size * size
    for lo, hi in taken:
        if hi < candidate:
            continue
        if lo > candidate + size - 1:
            break  # the block fits before this range
        candidate = (hi + 1 + size - 1) // size * size
    return candidate if candidate + size - 1 <= top else None


def _covered(base: int, top: int, taken: Sequence[tuple[int, int]]) -> int:
    covered, cursor = 0, base
    for lo, hi in sorted(taken):
        lo, hi = max(lo, cursor), min(hi, top)
        if hi >= lo:
            covered += hi - lo + 1
            cursor = hi + 1
    return covered


def capacity_inputs_from_roster(roster: Roster, **options: Any) -> CapacityInputs:
    """Inputs with the roster's headcount per shift (every agent, signed or not, will move).

    ``options`` are other :class:`CapacityInputs` fields, e.g. ``supernet=...``.
    """
    return replace(
        CapacityInputs(),
        headcount_per_shift=headcount_per_shift(roster),
        peak_sessions_source="roster",
        **options,
    )


def describe_inputs(inputs: CapacityInputs) -> Mapping[str, object]:
    """The ``inputs`` section of the plan file."""
    return {
        "peak_sessions_source": inputs.peak_sessions_source,
        "headcount_per_shift": dict(inputs.headcount_per_shift),
        "concurrency_ratio": inputs.concurrency_ratio,
        "per_user_kbps": inputs.per_user_kbps,
        "max_utilisation": inputs.max_utilisation,
        "redundancy": inputs.redundancy,
        "supernet": inputs.supernet,
        "exclude": list(inputs.exclude),
        "default_model": inputs.default_model,
    }
