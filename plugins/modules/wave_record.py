# Copyright: homeshift contributors; Apache-2.0
"""Documentation only: the work is done by the action plugin of the same name (controller side)."""

from __future__ import annotations

DOCUMENTATION = r"""
module: wave_record
short_description: Record a wave's outcome in the state store and write the outcome JSON
description:
  - Runs on the controller. Go agents whose desktop was provisioned (C(homeshift_desktop_result)
    of the host) and verified green are moved; every other agent is held with the reason.
  - Writes the outcome JSON atomically (format in docs/waves.md) and records it with
    C(record_wave_outcome) (agent states moved/held, wave done or failed).
  - With C(failure) the wave could not run at all; C(ok) is false.
version_added: 0.1.0
author: homeshift contributors
options:
  wave:
    description: Wave number.
    type: int
    required: true
  outcome_path:
    description: Where the outcome JSON goes.
    type: path
    required: true
  gate:
    description: The registered result of M(homeshift.core.wave_gate).
    type: dict
  verification:
    description: C(verdicts) of M(homeshift.core.wave_verify).
    type: dict
    default: {}
  failure:
    description: Why the wave could not run (sets C(ok) false).
    type: str
  store_url:
    description: State store URL (default store when omitted).
    type: str
attributes:
  check_mode:
    support: none
    description: Writes the store and the outcome file.
"""

EXAMPLES = r"""
- name: Record the wave
  homeshift.core.wave_record:
    wave: 3
    gate: "{{ gate }}"
    verification: "{{ verification.verdicts }}"
    outcome_path: out/wave-3.json
"""

RETURN = r"""
outcome:
  description: The outcome document (docs/waves.md).
  type: dict
  returned: always
outcome_path:
  description: Path of the written outcome JSON.
  type: str
  returned: always
"""
