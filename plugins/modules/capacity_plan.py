# Copyright: homeshift contributors; Apache-2.0
"""Documentation only: the work is done by the action plugin of the same name (controller side)."""

from __future__ import annotations

DOCUMENTATION = r"""
module: capacity_plan
short_description: Plan a headend scale-out next to the live cluster and write the plan file
description:
  - Delegates to C(homeshift.planning) through C(homeshift.asa.scale_out). Live members keep the
    pools they really have; new members get pools that overlap neither those nor I(exclude).
  - Give exactly one of I(target_users) (peak concurrent sessions to carry) or I(add_headends).
version_added: 0.1.0
author: homeshift contributors
options:
  members:
    description: Live members, each C(name), C(model), C(licensed_peers) and optional C(pool).
    type: list
    elements: dict
    required: true
  spares:
    description: Spare headend names, used in order.
    type: list
    elements: str
    default: []
  target_users:
    description: Concurrent sessions the cluster must carry.
    type: int
  add_headends:
    description: Number of spare headends to add.
    type: int
  supernet:
    description: Address space for new pools.
    type: str
    default: 10.64.0.0/12
  exclude:
    description: Networks new pools must avoid.
    type: list
    elements: str
    default: []
  max_utilisation:
    description: Share of each headend's session limit the plan may use.
    type: float
    default: 0.8
  redundancy:
    description: Members the cluster may lose and still carry the target.
    type: int
    default: 0
  default_model:
    description: Model of new headends; defaults to the first member's model.
    type: str
  out:
    description: Where to write the plan file.
    type: path
    required: true
"""

EXAMPLES = r"""
- name: Plan room for 2000 concurrent users
  homeshift.core.capacity_plan:
    members: "{{ live_members }}"
    spares: "{{ groups['spare_headends'] }}"
    target_users: 2000
    out: scale-out-plan.json
  register: scale_out
"""

RETURN = r"""
added:
  description: Names of the headends to add.
  returned: success
  type: list
  elements: str
plan:
  description: The plan document (docs/plan-file.md).
  returned: success
  type: dict
plan_file:
  description: Path of the written plan.
  returned: success
  type: str
"""
