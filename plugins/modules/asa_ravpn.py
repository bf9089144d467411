# Copyright: homeshift contributors; Apache-2.0
"""Documentation only: the work is done by the action plugin of the same name (controller side)."""

from __future__ import annotations

DOCUMENTATION = r"""
module: asa_ravpn
short_description: Converge the AnyConnect remote-access VPN configuration of a Cisco ASA
description:
  - Runs on the controller. Opens one SSH session (netmiko C(cisco_asa)) per headend and run,
    reads C(show running-config), computes the commands for the requested I(state) in
    dependency order (pools, webvpn, group-policies, tunnel-groups, session limits,
    load-balancing; removals in reverse) and sends them line by line.
  - Nothing is sent when nothing differs (no config mode, no C(write memory)).
  - When the device rejects a line, the inverse of the lines already applied is sent, nothing
    is saved and the task fails with the device's message. A dropped session fails the task;
    the next run converges from what it finds.
  - C(write memory) runs only after a fully successful push; its C([OK]) is checked.
  - Secrets (cluster key, passwords) never appear in C(commands), C(before), C(after), the diff
    or the session log; they are shown as C(*****).
  - Connection settings come from C(ansible_host), C(ansible_port), C(ansible_user),
    C(ansible_password) and C(ansible_become_password) (the enable secret).
  - See C(docs/headends.md).
version_added: 0.1.0
author: homeshift contributors
extends_documentation_fragment:
  - homeshift.core.asa_connection
options:
  config:
    description:
      - Desired configuration with keys C(pools), C(group_policies), C(tunnel_groups),
        C(webvpn), C(load_balancing), C(sessiondb) (see docs/headends.md for every field).
      - Required for C(merged), C(replaced), C(overridden) and C(rendered).
    type: dict
  state:
    description:
      - C(merged) adds and changes; C(replaced) also removes settings of the listed objects
        that are not desired; C(overridden) also removes unlisted pools, group-policies and
        tunnel-groups (built-in C(DfltGrpPolicy)/C(Default*Group) are kept); C(deleted) removes
        the listed objects (everything managed when I(config) is empty).
      - C(gathered) returns the device config; C(rendered) returns the commands for I(config)
        without a device; C(parsed) parses I(running_config) without a device.
    type: str
    default: merged
    choices: [merged, replaced, overridden, deleted, gathered, rendered, parsed]
  cluster_key:
    description: VPN load-balancing cluster key, added to I(config). Never returned or logged.
    type: str
  other_pools:
    description:
      - Pools of the other cluster members (C(name), C(first), C(last)).
      - Overlap is refused before anything is sent.
    type: list
    elements: dict
    default: []
  running_config:
    description: Running-config text for I(state=parsed).
    type: str
  session_log:
    description: Append the SSH session (reads and writes) here, with every secret masked.
    type: path
notes:
  - Supports check mode (commands computed, nothing sent) and diff mode (commands as C(prepared)).
"""

EXAMPLES = r"""
- name: Converge the RA-VPN config of this headend
  homeshift.core.asa_ravpn:
    state: merged
    cluster_key: "{{ homeshift_cluster_key }}"
    config:
      pools:
        - {name: HS-POOL-ASA-01, first: 10.64.16.1, last: 10.64.19.254, mask: 255.255.252.0}
      group_policies:
        - name: HS-GP-HOMEOFFICE
          vpn_tunnel_protocol: [ssl-client]
          split_tunnel_policy: tunnelall
      tunnel_groups:
        - name: HS-TG-HOMEOFFICE
          address_pool: HS-POOL-ASA-01
          default_group_policy: HS-GP-HOMEOFFICE
      sessiondb: {max_anyconnect_premium_or_essentials_limit: 750}
"""

RETURN = r"""
before:
  description: Managed configuration found on the device (secrets masked).
  returned: acting states
  type: dict
commands:
  description: Configuration lines sent (or that would be sent in check mode), secrets masked.
  returned: acting states
  type: list
  elements: str
after:
  description: Managed configuration read back after the save (null in check mode or on failure).
  returned: acting states
  type: dict
saved:
  description: Whether C(write memory) ran and reported C([OK]).
  returned: acting states
  type: bool
rolled_back:
  description: A rejected line was undone by sending the inverse of the applied lines.
  returned: acting states
  type: bool
rollback_commands:
  description: The inverse lines sent after a rejection (secrets masked).
  returned: acting states
  type: list
  elements: str
lines_sent:
  description: Configuration lines sent in this run (0 when nothing changed).
  returned: acting states
  type: int
config_lines_sent:
  description:
    - Configuration lines the transport actually sent, rollback included.
    - Also counted when the session dropped mid-push.
  returned: when a device was contacted
  type: int
ssh_sessions:
  description: SSH sessions opened (1 per run).
  returned: when a device was contacted
  type: int
gathered:
  description: The device's managed configuration.
  returned: state is gathered
  type: dict
rendered:
  description: Every configuration line of I(config).
  returned: state is rendered
  type: list
  elements: str
parsed:
  description: I(running_config) parsed into the model.
  returned: state is parsed
  type: dict
"""
