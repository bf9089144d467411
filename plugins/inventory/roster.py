# Copyright: homeshift contributors; Apache-2.0
"""Inventory: one host per roster desktop - thin adapter over homeshift.roster and the plan file."""

from __future__ import annotations

DOCUMENTATION = r"""
name: roster
short_description: One host per desktop of a homeshift roster CSV, grouped by team/site/office/wave
description:
  - Reads a homeshift roster CSV (see docs/roster.md) and, optionally, a plan file written by
    C(homeshift plan waves) (see docs/plan-file.md), and yields one host per office desktop.
  - Host vars are C(homeshift_agent) (employee id), C(homeshift_team), C(homeshift_site),
    C(homeshift_office), C(homeshift_shift), C(homeshift_consent_date) and C(homeshift_wave)
    (wave number, or null when the agent is in no wave).
  - The configuration file name must end in C(.roster.yml) or C(.roster.yaml), or be
    C(roster.example.yml).
  - Groups are C(team_<team>), C(site_<site>), C(office_<office>), C(wave_<n>) and
    C(unscheduled) (names sanitised for Ansible).
  - Connection variables such as C(ansible_host) are not set; combine this inventory with the one
    that knows how to reach the desktops.
  - An invalid roster fails with every problem listed (row, column, reason).
extends_documentation_fragment:
  - constructed
options:
  plugin:
    description: Marks this file as a homeshift roster inventory.
    required: true
    choices: ['homeshift.core.roster']
    type: str
  roster:
    description: Roster CSV; relative paths are relative to the inventory file.
    required: true
    type: str
  plan:
    description: Plan file (JSON or YAML) giving each agent's wave; relative to the inventory file.
    required: false
    type: str
"""

EXAMPLES = r"""
# inventory/roster.example.yml
plugin: homeshift.core.roster
roster: roster.example.csv
plan: plan.example.json
keyed_groups:
  - key: homeshift_shift
    prefix: shift
compose:
  homeshift_has_consent: homeshift_consent_date is not none
"""

from pathlib import Path

from ansible.errors import AnsibleParserError
from ansible.plugins.inventory import BaseInventoryPlugin, Constructable

from homeshift.inventory_roster import RosterInventoryError, roster_hosts

VERIFY_SUFFIXES = (".roster.yml", ".roster.yaml")


class InventoryModule(BaseInventoryPlugin, Constructable):
    NAME = "homeshift.core.roster"

    def verify_file(self, path):  # type: ignore[no-untyped-def]
        return super().verify_file(path) and path.endswith((*VERIFY_SUFFIXES, "roster.example.yml"))

    def parse(self, inventory, loader, path, cache=True):  # type: ignore[no-untyped-def]
        super().parse(inventory, loader, path, cache)
        self._read_config_data(path)
        base = Path(path).parent
        roster = base / Path(self.get_option("roster")).expanduser()
        plan = self.get_option("plan")
        try:
            hosts = roster_hosts(roster, base / Path(plan).expanduser() if plan else None)
        except RosterInventoryError as exc:
            raise AnsibleParserError(str(exc)) from exc
        strict = self.get_option("strict")
        for host in hosts:
            self.inventory.add_host(host.name)
            for key, value in host.variables.items():
                self.inventory.set_variable(host.name, key, value)
            for group in host.groups:
                self.inventory.add_group(group)
                self.inventory.add_child(group, host.name)
            variables = self.inventory.get_host(host.name).get_vars()
            self._set_composite_vars(self.get_option("compose"), variables, host.name, strict)
            self._add_host_to_composed_groups(
                self.get_option("groups"), variables, host.name, strict
            )
            self._add_host_to_keyed_groups(
                self.get_option("keyed_groups"), variables, host.name, strict
            )
