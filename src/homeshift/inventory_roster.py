"""Hosts, host vars and groups for the ``homeshift.core.roster`` inventory plugin.

Kept out of the plugin so it is plain, typed and testable without Ansible.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from homeshift.planning import PlanError
from homeshift.planning.planfile import read_plan
from homeshift.roster import RosterError, load_roster

UNSCHEDULED_GROUP = "unscheduled"


class RosterInventoryError(ValueError):
    """Roster or plan file unusable; the message lists every problem."""


@dataclass(frozen=True, slots=True)
class InventoryHost:
    name: str
    variables: Mapping[str, object]
    groups: tuple[str, ...]


def group_name(prefix: str, value: str) -> str:
    """``team_ber_t0003``: lower case, anything but letters/digits/_ becomes ``_``."""
    return f"{prefix}_{re.sub(r'[^a-z0-9_]', '_', value.lower())}"


def roster_hosts(
    roster_path: str | Path, plan_path: str | Path | None = None
) -> list[InventoryHost]:
    """One host per desktop, in roster order."""
    try:
        roster = load_roster(roster_path)
    except RosterError as exc:
        raise RosterInventoryError(str(exc)) from exc
    except OSError as exc:
        raise RosterInventoryError(f"roster {roster_path}: {exc.strerror}") from exc
    wave_of: dict[str, int] = {}
    if plan_path is not None:
        try:
            document = read_plan(plan_path)
        except PlanError as exc:
            raise RosterInventoryError(str(exc)) from exc
        wave_of = {agent: wave.number for wave in document.waves for agent in wave.agents}
        unknown = sorted(set(wave_of) - {a.employee_id for a in roster.agents})
        if unknown:
            shown = ", ".join(unknown[:10]) + (" ..." if len(unknown) > 10 else "")
            raise RosterInventoryError(
                f"plan {plan_path} schedules {len(unknown)} agent(s) not in roster "
                f"{roster_path}: {shown}"
            )
    hosts: list[InventoryHost] = []
    for agent in roster.agents:
        wave = wave_of.get(agent.employee_id)
        groups = (
            group_name("team", agent.team),
            group_name("site", agent.site),
            group_name("office", agent.operating_office),
            f"wave_{wave}" if wave is not None else UNSCHEDULED_GROUP,
        )
        hosts.append(
            InventoryHost(
                name=agent.desktop,
                variables={
                    "homeshift_agent": agent.employee_id,
                    "homeshift_team": agent.team,
                    "homeshift_site": agent.site,
                    "homeshift_office": agent.operating_office,
                    "homeshift_shift": str(agent.shift),
                    "homeshift_consent_date": (
                        agent.consent_date.isoformat() if agent.consent_date else None
                    ),
                    "homeshift_wave": wave,
                },
                groups=groups,
            )
        )
    return hosts
