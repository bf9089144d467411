# Copyright: homeshift contributors; Apache-2.0
"""Documentation only: the work is done by the action plugin of the same name (controller side)."""

from __future__ import annotations

DOCUMENTATION = r"""
module: scale_out_summary
short_description: Write the JSON summary of a scale-out run for pipelines
description:
  - Writes added headends, their pools, capacity before/after, converged and failed members and
    the sessions seen on new members (schema in docs/headends.md). Fails when a new member was
    not converged or any member failed, so the playbook exits non-zero.
version_added: 0.1.0
author: homeshift contributors
options:
  plan_file:
    description: The scale-out plan written by M(homeshift.core.capacity_plan).
    type: path
    required: true
  path:
    description: Where to write the summary JSON.
    type: path
    required: true
  converged:
    description: New members that converged.
    type: list
    elements: str
    default: []
  failed:
    description: Members that failed.
    type: list
    elements: str
    default: []
  sessions:
    description: Active AnyConnect sessions per new member.
    type: dict
    default: {}
"""

EXAMPLES = r"""
- name: Write the summary
  homeshift.core.scale_out_summary:
    plan_file: scale-out-plan.json
    path: summary.json
    converged: [asa-03]
"""

RETURN = r"""
summary:
  description: The summary written to I(path).
  returned: always
  type: dict
"""
