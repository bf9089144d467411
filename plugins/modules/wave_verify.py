# Copyright: homeshift contributors; Apache-2.0
"""Documentation only: the work is done by the action plugin of the same name (controller side)."""

from __future__ import annotations

DOCUMENTATION = r"""
module: wave_verify
short_description: Verify provisioned desktops of a wave against the desktop_remote role
description:
  - Runs on the controller. Runs the desktop verification suite (as C(homeshift verify
    --expect-role --suite desktop)) for the given hosts, with expectations computed from the
    role defaults and each host's C(homeshift_*) variables (extra vars included).
  - Hosts whose C(homeshift_desktop_result) is failed or unreachable are skipped.
version_added: 0.1.0
author: homeshift contributors
options:
  hosts:
    description: Desktop inventory hosts to verify.
    type: list
    elements: str
    required: true
  results:
    description: Per-host verdicts file (the board's C(--verification) input).
    type: path
    required: true
  concurrency:
    description: Desktops read in parallel.
    type: int
    default: 8
attributes:
  check_mode:
    support: none
    description: Read-only on the desktops, writes the results file.
"""

EXAMPLES = r"""
- name: Verify the wave
  homeshift.core.wave_verify:
    hosts: "{{ gate.go_hosts }}"
    results: out/wave-3.verify.json
  register: verification
"""

RETURN = r"""
verdicts:
  description: Host -> C(ok), C(failures).
  type: dict
  returned: success
not_verified:
  description: Hosts not verified (provisioning failed or unreachable).
  type: list
  returned: success
"""
