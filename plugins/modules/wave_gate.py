# Copyright: homeshift contributors; Apache-2.0
"""Documentation only: the work is done by the action plugin of the same name (controller side)."""

from __future__ import annotations

DOCUMENTATION = r"""
module: wave_gate
short_description: Gate one migration wave - declaration, desktop preflight, headend capacity
description:
  - Runs on the controller (localhost). Reads the plan and roster, syncs them into the state
    store, and decides for every agent of the wave whether it may move now.
  - Gates are a signed data-protection declaration on file (the store's record wins over the
    roster), a successful desktop preflight (host fact C(homeshift_preflight) set by the
    playbook; no fact means unreachable) and free headend capacity (host fact C(homeshift_asa)
    of every headend, rule of docs/readiness.md). A wave without room is held as a whole.
  - Agents already moved (store state C(moved)) are listed in C(already_moved), never again in
    C(go). Agents that go get state C(gated), the others C(held) with the reason.
  - See docs/waves.md.
version_added: 0.1.0
author: homeshift contributors
options:
  wave:
    description: Wave number in the plan.
    type: int
    required: true
  plan_file:
    description: Plan file with waves (docs/plan-file.md).
    type: path
    required: true
  roster_file:
    description: Roster CSV the plan was built from.
    type: path
    required: true
  store_url:
    description: State store URL; default C($HOMESHIFT_STORE) or the default SQLite store.
    type: str
  headends:
    description: Headend inventory hosts whose C(homeshift_asa) facts give the live load.
    type: list
    elements: str
    default: []
  desktops:
    description: Desktop inventory hosts of the wave whose C(homeshift_preflight) facts are read.
    type: list
    elements: str
    default: []
  max_utilisation:
    description: Share of a headend's limit the plan may use.
    type: float
    default: 0.8
  headroom:
    description: Spare share of the demand below which capacity is yellow (still goes).
    type: float
    default: 0.1
  load_threshold_pct:
    description: A headend above this load is overloaded.
    type: float
    default: 80.0
attributes:
  check_mode:
    support: none
    description: Records states in the store.
"""

EXAMPLES = r"""
- name: Gate the wave
  homeshift.core.wave_gate:
    wave: 3
    plan_file: plan.json
    roster_file: roster.csv
    headends: "{{ groups['headends'] }}"
    desktops: "{{ groups['wave_3'] | default([]) }}"
  register: gate
"""

RETURN = r"""
go:
  description: Agents that passed every gate (C(employee_id), C(desktop)).
  type: list
  returned: success
go_hosts:
  description: Desktop hostnames of C(go).
  type: list
  returned: success
held:
  description: Agents held back (C(employee_id), C(desktop), C(reason)).
  type: list
  returned: success
already_moved:
  description: Employee ids of the wave that moved in an earlier run.
  type: list
  returned: success
capacity:
  description: C(light), C(needed), C(free) sessions and C(notes).
  type: dict
  returned: success
blocked:
  description: Why the wave cannot run at all (no headend facts), else null.
  type: str
  returned: success
"""
