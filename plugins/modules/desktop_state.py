# Copyright: homeshift contributors; Apache-2.0
"""Documentation only: the work is done by the action plugin of the same name (controller side)."""

from __future__ import annotations

DOCUMENTATION = r"""
module: desktop_state
short_description: Apply desired-state resources to a Windows desktop in one WinRM agent run
description:
  - Runs on the controller. Connects to the desktop with pywinrm (one WinRS shell), sends the
    homeshift PowerShell agent and a JSON document of resources on stdin, and reports one JSON
    result per resource. See C(docs/desktop-agent-contract.md) and C(docs/desktops.md).
  - Resource types are C(msi_package), C(file), C(registry_value), C(service), C(power_setting),
    C(bitlocker) and C(compliance) (read-only checks; a non-compliant desktop is reported red).
  - Connection settings come from the host's C(ansible_host), C(ansible_port), C(ansible_user),
    C(ansible_password) and C(ansible_winrm_*) variables. HTTPS with certificate validation and
    NTLM are the defaults; Basic authentication over plain HTTP is refused.
  - Transient failures (connection refused, HTTP 5xx) are retried with exponential backoff; a
    rejected logon (HTTP 401) is never retried. msiexec 1618 (another installation in progress)
    re-runs only the affected resources.
version_added: 0.1.0
author: homeshift contributors
extends_documentation_fragment:
  - homeshift.core.winrm_retry
options:
  resources:
    description:
      - Resources to apply, in order. Each is a dict with C(type) and C(id) plus the type's
        parameters from the agent contract. C(file) accepts C(content) (text) or C(content_b64).
      - Give either O(resources) or O(from_role_vars=true).
    type: list
    elements: dict
  from_role_vars:
    description:
      - Build the resources from the C(homeshift.core.desktop_remote) role variables
        (C(homeshift_*), checked against the role's argument spec, errors naming host and
        variable) for the tag groups the run selects; also take O(fail_when_red), the retries and
        delays from the role variables. What the role itself uses.
      - No Jinja is templated per desktop this way; Ansible compiles templates again in every
        forked worker, which cost more controller CPU than the WinRM run (docs/benchmarks.md).
    type: bool
    default: false
  gather_facts:
    description: Also return the desktop's facts (OS, disks, adapters, TPM, BitLocker, products).
    type: bool
    default: false
  fail_when_red:
    description: Fail the host when a compliance check is not met (default is to report it red).
    type: bool
    default: false
  msi_busy_retries:
    description: How often to re-run resources that failed with msiexec 1618.
    type: int
    default: 3
  msi_busy_delay:
    description: Seconds before the first 1618 retry; doubles each time.
    type: float
    default: 10.0
attributes:
  check_mode:
    support: full
    description: The agent tests every resource and changes nothing.
  diff_mode:
    support: full
    description: Before/after per changed resource; file contents (the VPN profile) as text.
notes:
  - One agent invocation per host per task; put all resources of a desktop in one task.
  - No secret is returned; the connection password is masked in every message.
"""

EXAMPLES = r"""
- name: Converge the VPN client and settings
  homeshift.core.desktop_state:
    resources:
      - type: msi_package
        id: vpn-core
        product_code: "{BE8F3867-5727-5EDC-8E72-452069ABBE61}"
        version: 5.1.4.74
        display_name: Cisco Secure Client - AnyConnect VPN
        source: \\fs01\deploy\cisco\secure-client\5.1.4.74\core-vpn-predeploy-k9.msi
        stop_on_error: true
      - type: registry_value
        id: cached-logons
        path: HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon
        name: CachedLogonsCount
        value_type: string
        data: "25"
"""

RETURN = r"""
changed:
  description: Whether any resource changed (or would change in check mode).
  type: bool
  returned: always
reboot_required:
  description: An installer asked for a reboot (msiexec 3010 or 1641).
  type: bool
  returned: always
results:
  description: One entry per resource - id, type, changed, skipped, before, after, reboot_required,
    error, exit_code, retryable, log_excerpt (1603), compliant and observed (compliance).
  type: list
  elements: dict
  returned: always
changed_resources:
  description: Ids of the resources that changed.
  type: list
  elements: str
  returned: always
red:
  description: A compliance check is not met (e.g. BitLocker off); the desktop must not leave.
  type: bool
  returned: always
red_reasons:
  description: Why the desktop is red.
  type: list
  elements: str
  returned: always
agent_runs:
  description: Agent invocations used (1, more only after msiexec 1618 retries).
  type: int
  returned: always
desktop_facts:
  description: Desktop facts when C(gather_facts) is true.
  type: dict
  returned: when requested
"""
