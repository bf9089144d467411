"""The RA-VPN configuration of one headend: parse, validate, diff (ordered) and rollback.

Order matters on an ASA: a pool must exist before a tunnel-group names it, a group-policy before
a tunnel-group uses it as default. :func:`diff` emits additions and changes in dependency order
(pools, webvpn, group-policies, tunnel-groups, session limits, load-balancing) and removals in
the reverse order. :func:`inverse` turns the commands a run already applied back into the
commands that restore the configuration it started from.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum
from typing import Any

from homeshift.asa.resources import group_policy, load_balancing, pools, sessiondb, tunnel_group
from homeshift.asa.resources import webvpn as webvpn_resource
from homeshift.asa.resources._block import (
    MASK,
    Changes,
    ParseError,
    RawLine,
    ValidationError,
    attribute_key,
)
from homeshift.asa.resources.group_policy import GroupPolicy
from homeshift.asa.resources.load_balancing import LoadBalancing
from homeshift.asa.resources.pools import Pool
from homeshift.asa.resources.sessiondb import SessionDb
from homeshift.asa.resources.tunnel_group import TunnelGroup
from homeshift.asa.resources.webvpn import Webvpn

__all__ = [
    "MASK",
    "ParseError",
    "RavpnConfig",
    "State",
    "ValidationError",
    "diff",
    "inverse",
    "parse_running_config",
    "redact",
    "render_config",
    "validate",
]


class State(StrEnum):
    MERGED = "merged"
    REPLACED = "replaced"
    OVERRIDDEN = "overridden"
    DELETED = "deleted"


@dataclass(frozen=True)
class RavpnConfig:
    """Desired or actual RA-VPN configuration of one headend."""

    pools: tuple[Pool, ...] = ()
    group_policies: tuple[GroupPolicy, ...] = ()
    tunnel_groups: tuple[TunnelGroup, ...] = ()
    webvpn: Webvpn | None = None
    load_balancing: LoadBalancing | None = None
    sessiondb: SessionDb | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RavpnConfig:
        """Build from plan/role/Ansible data; every problem is a :class:`ValidationError`."""
        if not isinstance(data, Mapping):
            raise ValidationError("config must be a mapping")
        known = {
            "pools",
            "group_policies",
            "tunnel_groups",
            "webvpn",
            "load_balancing",
            "sessiondb",
        }
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValidationError(f"config: unknown keys {unknown}; known: {sorted(known)}")

        def items(key: str) -> list[Mapping[str, Any]]:
            value = data.get(key) or []
            if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
                raise ValidationError(f"config.{key} must be a list of mappings")
            return value

        def one(key: str) -> Mapping[str, Any] | None:
            value = data.get(key)
            if value is not None and not isinstance(value, Mapping):
                raise ValidationError(f"config.{key} must be a mapping")
            return value

        web, lb, sdb = one("webvpn"), one("load_balancing"), one("sessiondb")
        config = cls(
            pools=tuple(Pool.from_dict(p) for p in items("pools")),
            group_policies=tuple(GroupPolicy.from_dict(p) for p in items("group_policies")),
            tunnel_groups=tuple(TunnelGroup.from_dict(g) for g in items("tunnel_groups")),
            webvpn=Webvpn.from_dict(web) if web is not None else None,
            load_balancing=LoadBalancing.from_dict(lb) if lb is not None else None,
            sessiondb=SessionDb.from_dict(sdb) if sdb is not None else None,
        )
        for kind, names in (
            ("pool", [p.name for p in config.pools]),
            ("group-policy", [p.name for p in config.group_policies]),
            ("tunnel-group", [g.name for g in config.tunnel_groups]),
        ):
            duplicates = sorted({n for n in names if names.count(n) > 1})
            if duplicates:
                raise ValidationError(f"config: {kind} listed twice: {duplicates}")
        return config

    def secrets(self) -> list[str]:
        return self.load_balancing.secrets() if self.load_balancing else []

    def is_empty(self) -> bool:
        return self == RavpnConfig()

    def to_dict(self) -> dict[str, Any]:
        """Plain data for Ansible/JSON, with every secret shown as ``*****``."""
        data: dict[str, Any] = {
            "pools": [p.to_dict() for p in self.pools],
            "group_policies": [_compact(asdict(p)) for p in self.group_policies],
            "tunnel_groups": [_compact(asdict(g)) for g in self.tunnel_groups],
            "webvpn": _compact(asdict(self.webvpn)) if self.webvpn else None,
            "load_balancing": None,
            "sessiondb": _compact(asdict(self.sessiondb)) if self.sessiondb else None,
        }
        if self.load_balancing:
            lb = self.load_balancing
            masked = replace(lb, cluster_key=MASK) if lb.cluster_key else lb
            data["load_balancing"] = _compact(asdict(masked))
        return data


def _compact(data: dict[str, Any]) -> dict[str, Any]:
    return {
        k: list(v) if isinstance(v, tuple) else v
        for k, v in data.items()
        if v not in (None, (), False)
    }


# --- parse ---------------------------------------------------------------------------------


@dataclass
class _Section:
    head: RawLine
    children: list[RawLine] = field(default_factory=list)


def _sections(text: str) -> list[_Section]:
    sections: list[_Section] = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.rstrip()
        if not stripped.strip():
            continue
        indent = len(stripped) - len(stripped.lstrip(" "))
        raw = RawLine(number, stripped.strip(), indent)
        if indent == 0:
            sections.append(_Section(raw))
        elif sections:
            sections[-1].children.append(raw)
    return sections


def parse_running_config(text: str) -> RavpnConfig:
    """Parse ``show running-config`` (whole or filtered) into the RA-VPN model.

    Lines outside the managed sections are ignored; a line inside one that is not understood
    raises :class:`ParseError` naming the line number and text.
    """
    found_pools: list[Pool] = []
    policies: dict[str, dict[str, Any]] = {}
    groups: dict[str, dict[str, Any]] = {}
    webvpn: Webvpn | None = None
    lb: LoadBalancing | None = None
    sessiondb_lines: list[RawLine] = []
    for section in _sections(text):
        head = section.head
        words = head.text.split()
        if head.text.startswith(pools.PREFIX):
            _no_children(section)
            found_pools.append(pools.parse(head))
        elif words[0] == "group-policy" and len(words) >= 3:
            fields = policies.setdefault(words[1], {})
            if words[2] == "internal" and len(words) == 3:
                _no_children(section)
            elif words[2] == "attributes" and len(words) == 3:
                fields.update(group_policy.parse(words[1], section.children))
            else:
                raise ParseError(head.line_no, head.text, "unsupported group-policy form")
        elif words[0] == "tunnel-group" and len(words) >= 3:
            fields = groups.setdefault(words[1], {})
            if words[2] == "type" and len(words) == 4:
                _no_children(section)
                fields["type"] = words[3]
            elif words[2] in tunnel_group.SECTIONS and len(words) == 3:
                fields.update(tunnel_group.parse_section(words[1], words[2], section.children))
            else:
                raise ParseError(head.line_no, head.text, "unsupported tunnel-group form")
        elif head.text == webvpn_resource.HEADER:
            webvpn = webvpn_resource.parse(_flat(section, "webvpn"))
        elif head.text == load_balancing.HEADER:
            lb = load_balancing.parse(_flat(section, "vpn load-balancing"))
        elif words[0] == sessiondb.PREFIX:
            _no_children(section)
            sessiondb_lines.append(head)
    return RavpnConfig(
        pools=tuple(found_pools),
        group_policies=tuple(GroupPolicy(name=n, **f) for n, f in policies.items()),
        tunnel_groups=tuple(TunnelGroup(name=n, **f) for n, f in groups.items()),
        webvpn=webvpn,
        load_balancing=lb,
        sessiondb=sessiondb.parse(sessiondb_lines) if sessiondb_lines else None,
    )


def _no_children(section: _Section) -> None:
    if section.children:
        child = section.children[0]
        raise ParseError(child.line_no, child.text, f"unexpected line under {section.head.text!r}")


def _flat(section: _Section, name: str) -> list[RawLine]:
    for child in section.children:
        if child.indent != 1:
            raise ParseError(child.line_no, child.text, f"unexpected nesting in {name}")
    return section.children


# --- validate ------------------------------------------------------------------------------


def validate(
    want: RavpnConfig,
    have: RavpnConfig | None = None,
    *,
    other_pools: Iterable[Pool] = (),
    state: State | str = State.MERGED,
) -> None:
    """Refuse a desired config that cannot work, before anything is sent.

    Pools must not overlap each other, pools of other headends (``other_pools``) or pools left
    on the device under another name; together they must hold at least the AnyConnect session
    limit; tunnel-groups must reference pools and group-policies that will exist.
    """
    state = State(state)
    if state is State.DELETED:
        return
    remaining: list[Pool] = []
    if have is not None and state is not State.OVERRIDDEN:
        wanted = {p.name for p in want.pools}
        remaining = [p for p in have.pools if p.name not in wanted]
    pools.check_overlaps(want.pools, other_pools, "of another headend")
    pools.check_overlaps(want.pools, remaining, "already on the device")
    limit = want.sessiondb.max_anyconnect_premium_or_essentials_limit if want.sessiondb else None
    if limit is not None and want.pools:
        total = sum(p.size for p in want.pools)
        if total < limit:
            names = ", ".join(p.name for p in want.pools)
            raise ValidationError(
                f"pools {names} hold {total} addresses, fewer than the session limit {limit}"
            )
    known_pools = {p.name for p in want.pools} | {p.name for p in remaining}
    known_policies = {p.name for p in want.group_policies} | set(group_policy.BUILTIN)
    if have is not None:
        known_policies |= {p.name for p in have.group_policies}
    for group in want.tunnel_groups:
        if group.address_pool:
            pool_name = group.address_pool.split()[-1]
            if pool_name not in known_pools:
                raise ValidationError(
                    f"tunnel-group {group.name}: address-pool {pool_name} is not a configured pool"
                )
        if group.default_group_policy and group.default_group_policy not in known_policies:
            raise ValidationError(
                f"tunnel-group {group.name}: default-group-policy "
                f"{group.default_group_policy} does not exist"
            )


# --- diff ----------------------------------------------------------------------------------


def diff(want: RavpnConfig, have: RavpnConfig, state: State | str) -> list[str]:
    """Ordered commands that turn ``have`` into ``want`` under ``state``.

    The returned lines carry real secret values (they are what goes on the wire); pass them
    through :func:`redact` before returning or printing them.
    """
    state = State(state)
    if state is State.DELETED:
        return _normalise(_deleted(want, have))
    replace_ = state in (State.REPLACED, State.OVERRIDDEN)
    prune = state is State.OVERRIDDEN
    parts: list[Changes] = [
        pools.diff(want.pools, have.pools, remove_unlisted=prune),
        webvpn_resource.diff(want.webvpn, have.webvpn, replace=replace_, delete=False),
        group_policy.diff(
            want.group_policies, have.group_policies, replace=replace_, remove_unlisted=prune
        ),
        tunnel_group.diff(
            want.tunnel_groups, have.tunnel_groups, replace=replace_, remove_unlisted=prune
        ),
        sessiondb.diff(want.sessiondb, have.sessiondb, replace=replace_, delete=False),
        load_balancing.diff(
            want.load_balancing, have.load_balancing, replace=replace_, delete=False
        ),
    ]
    commands = [line for part in parts for line in part.apply]
    commands += [line for part in reversed(parts) for line in part.remove]
    return _normalise(commands)


def _deleted(want: RavpnConfig, have: RavpnConfig) -> list[str]:
    everything = want.is_empty()
    pool_names = {p.name for p in want.pools}
    policy_names = {p.name for p in want.group_policies}
    group_names = {g.name for g in want.tunnel_groups}
    parts = [
        Changes(
            [], [pools.render_removal(p) for p in have.pools if everything or p.name in pool_names]
        ),
        webvpn_resource.diff(
            None, have.webvpn, replace=False, delete=everything or want.webvpn is not None
        ),
        Changes(
            [],
            [
                group_policy.render_removal(p.name)
                for p in have.group_policies
                if (everything and p.name not in group_policy.BUILTIN) or p.name in policy_names
            ],
        ),
        Changes(
            [],
            [
                tunnel_group.render_removal(g.name)
                for g in have.tunnel_groups
                if (everything and g.name not in tunnel_group.BUILTIN) or g.name in group_names
            ],
        ),
        sessiondb.diff(
            None, have.sessiondb, replace=False, delete=everything or want.sessiondb is not None
        ),
        load_balancing.diff(
            None,
            have.load_balancing,
            replace=False,
            delete=everything or want.load_balancing is not None,
        ),
    ]
    return [line for part in reversed(parts) for line in part.remove]


def render_config(config: RavpnConfig) -> list[str]:
    """Every line of ``config`` in running-config order (the ``rendered`` state)."""
    lines = [pools.render(p) for p in config.pools]
    if config.webvpn:
        lines += webvpn_resource.render(config.webvpn)
    for policy in config.group_policies:
        lines += group_policy.render(policy)
    for group in config.tunnel_groups:
        lines += tunnel_group.render(group)
    if config.sessiondb:
        lines += config.sessiondb.lines()
    if config.load_balancing:
        lines += load_balancing.render(config.load_balancing)
    return lines


# --- contexts, normalisation and rollback --------------------------------------------------

_HEADER_RE = re.compile(
    r"^(group-policy \S+ attributes|tunnel-group \S+ (general|webvpn|ipsec)-attributes"
    r"|webvpn|vpn load-balancing)$"
)


def _is_header(text: str, depth: int, parent: str | None) -> bool:
    if depth == 0:
        return bool(_HEADER_RE.match(text))
    return depth == 1 and text == "webvpn" and bool(parent and parent.startswith("group-policy"))


def _entries(commands: Sequence[str]) -> list[tuple[tuple[str, ...], str]]:
    """(mode path, command) for every non-header command, from indented command lines."""
    stack: list[str] = []
    entries: list[tuple[tuple[str, ...], str]] = []
    for line in commands:
        text = line.strip()
        depth = min(len(line) - len(line.lstrip(" ")), len(stack))
        if text == "exit":
            stack = stack[:depth]
            continue
        stack = stack[:depth]
        if _is_header(text, depth, stack[0] if stack else None):
            stack.append(text)
        else:
            entries.append((tuple(stack), text))
    return entries


def _serialise(entries: Iterable[tuple[tuple[str, ...], str]]) -> list[str]:
    """Command lines with headers only where the mode changes (and exits out of nesting)."""
    lines: list[str] = []
    current: tuple[str, ...] = ()
    for path, text in entries:
        if path != current:
            if len(current) == 2 and path[:2] != current:
                # leave nested modes explicitly: "webvpn" means something else one level down
                lines.append(" exit")
                current = current[:1] if path[:1] == current[:1] else ()
                if current == ():
                    lines.append("exit")
            common = 0
            while common < min(len(path), len(current)) and path[common] == current[common]:
                common += 1
            for depth in range(common, len(path)):
                lines.append(" " * depth + path[depth])
            current = path
        lines.append(" " * len(path) + text)
    return lines


def _normalise(commands: Sequence[str]) -> list[str]:
    return _serialise(_entries(commands))


def _restore(text: str, have_lines: Sequence[str], key: Callable[[str], str]) -> list[str]:
    """Inverse of one sub-mode command, given the lines the mode had before the run."""
    if text.startswith("no "):
        original = text[3:]
        return [original] if original in have_lines and MASK not in original else []
    old = next((line for line in have_lines if key(line) == key(text)), None)
    if old is None:
        return [f"no {text}"]
    if old == text or MASK in old:
        return []  # unchanged, or a secret the device only shows masked (cannot be restored)
    return [old]


def inverse(applied: Sequence[str], have: RavpnConfig) -> list[str]:
    """Commands undoing ``applied`` (a prefix of a :func:`diff` result) on top of ``have``."""
    have_pools = {p.name: p for p in have.pools}
    have_policies = {p.name: p for p in have.group_policies}
    have_groups = {g.name: g for g in have.tunnel_groups}
    undo: list[list[tuple[tuple[str, ...], str]]] = []
    created: set[str] = set()
    for path, text in _entries(applied):
        words = text.split()
        steps: list[tuple[tuple[str, ...], str]] = []
        if not path:
            if text.startswith("no " + pools.PREFIX):
                old = have_pools.get(words[4])
                steps = [((), pools.render(old))] if old else []
            elif text.startswith(pools.PREFIX):
                steps = [((), f"no {pools.PREFIX}{words[3]}")]
            elif words[:1] == ["group-policy"] and words[2:] == ["internal"]:
                if words[1] not in have_policies:
                    steps = [((), group_policy.render_removal(words[1]))]
            elif words[:1] == ["tunnel-group"] and words[2:3] == ["type"]:
                old_group = have_groups.get(words[1])
                if old_group is None or old_group.type != words[3:4][0]:
                    # new, or re-created with another type: clear it before restoring the old
                    steps = [((), tunnel_group.render_removal(words[1]))]
            elif words[:3] == ["clear", "configure", "group-policy"]:
                if words[3] in have_policies:
                    steps = _entries(group_policy.render(have_policies[words[3]]))
            elif words[:3] == ["clear", "configure", "tunnel-group"]:
                if words[3] in have_groups:
                    steps = _entries(tunnel_group.render(have_groups[words[3]]))
            elif text == webvpn_resource.CLEAR and have.webvpn is not None:
                steps = _entries(webvpn_resource.render(have.webvpn))
            elif text == load_balancing.CLEAR and have.load_balancing is not None:
                steps = _entries(load_balancing.render(have.load_balancing))
            elif sessiondb.PREFIX in words[:2]:
                have_lines = have.sessiondb.lines() if have.sessiondb else []
                steps = [
                    ((), line)
                    for line in _restore(text, have_lines, lambda x: " ".join(x.split()[:2]))
                ]
        elif path[0] == webvpn_resource.HEADER and have.webvpn is None:
            # the block is new: one "clear configure" undoes it (no empty "webvpn" left behind)
            steps = [] if "webvpn" in created else [((), webvpn_resource.CLEAR)]
            created.add("webvpn")
        elif path[0] == load_balancing.HEADER and have.load_balancing is None:
            steps = [] if "lb" in created else [((), load_balancing.CLEAR)]
            created.add("lb")
        else:
            steps = [(path, line) for line in _restore_in_mode(path, text, have)]
        undo.append(steps)
    return _serialise(step for steps in reversed(undo) for step in steps)


def _restore_in_mode(path: tuple[str, ...], text: str, have: RavpnConfig) -> list[str]:
    head = path[0].split()
    if head[0] == "group-policy":
        policy = next((p for p in have.group_policies if p.name == head[1]), None)
        if policy is None:
            return []  # created by this run: "clear configure group-policy" undoes it
        if len(path) == 2:
            return _restore(text, policy.webvpn, lambda x: x)
        return _restore(
            text,
            policy.attribute_lines(),
            lambda x: attribute_key(x, group_policy.KEYS) or x,
        )
    if head[0] == "tunnel-group":
        group = next((g for g in have.tunnel_groups if g.name == head[1]), None)
        if group is None:
            return []
        if head[2] == "general-attributes":
            return _restore(
                text,
                group.general_lines(),
                lambda x: attribute_key(x, tunnel_group.GENERAL_KEYS) or x,
            )
        return _restore(
            text, group.webvpn_lines(), lambda x: attribute_key(x, tunnel_group.WEBVPN_KEYS) or x
        )
    if path[0] == webvpn_resource.HEADER:
        return _restore(text, have.webvpn.lines() if have.webvpn else [], webvpn_resource.key)
    if path[0] == load_balancing.HEADER:
        lb = have.load_balancing
        return _restore(text, lb.lines() if lb else [], load_balancing.key)
    return []


# --- secrets -------------------------------------------------------------------------------


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret value replaced by ``*****`` (longest first)."""
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


def redact_lines(lines: Iterable[str], secrets: Iterable[str]) -> list[str]:
    values = list(secrets)
    return [redact(line, values) for line in lines]
