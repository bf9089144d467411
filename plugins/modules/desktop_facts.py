# Copyright: homeshift contributors; Apache-2.0
"""Documentation only: the work is done by the action plugin of the same name (controller side)."""

from __future__ import annotations

DOCUMENTATION = r"""
module: desktop_facts
short_description: Preflight facts of a Windows desktop over WinRM (one agent run, no changes)
description:
  - Runs the homeshift agent with an empty document and returns the desktop's facts as
    C(ansible_facts.homeshift_desktop) - hostname, domain, OS build, disks, network adapters, TPM,
    BitLocker volumes, installed Cisco products, VPN agent services, pending reboot, cached logons.
  - Uses the same connection variables, security defaults and retry policy as
    M(homeshift.core.desktop_state). Retry options the task leaves out come from the variables
    C(homeshift_winrm_connection_retries) and C(homeshift_winrm_connection_retry_delay) when set.
version_added: 0.1.0
author: homeshift contributors
extends_documentation_fragment:
  - homeshift.core.winrm_retry
options:
  preflight:
    description:
      - Never fail the host; record the verdict as the fact C(homeshift_preflight) with
        C(status) (C(ok), C(unreachable) or C(failed)) and C(reason), which
        M(homeshift.core.wave_gate) reads. One task per desktop (C(playbooks/wave.yml)).
      - The same agent run checks the Windows build and the free space on C against
        C(homeshift_compliance_os_build_min) and C(homeshift_compliance_free_disk_gb_min) (the
        C(desktop_remote) role's variables and defaults, 19045 and 10 GB). A desktop below
        either fails its preflight (C(status=failed), the reason names the check and what was
        observed), so the wave gate holds its agent back instead of moving it.
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    description: Read-only.
  diff_mode:
    support: none
    description: Nothing to diff.
"""

EXAMPLES = r"""
- name: Read the desktop before the move
  homeshift.core.desktop_facts:

- name: Stop when the disk is too small
  ansible.builtin.assert:
    that: homeshift_desktop.disks[0].free_gb >= 10
"""

RETURN = r"""
ansible_facts:
  description: The facts, under C(homeshift_desktop) (layout in docs/desktop-agent-contract.md).
  type: dict
  returned: success
"""
