# Copyright: homeshift contributors; Apache-2.0
"""Documentation only: the work is done by the action plugin of the same name (controller side)."""

from __future__ import annotations

DOCUMENTATION = r"""
module: headend_plan
short_description: Desired RA-VPN configuration of this headend from a homeshift plan file
description:
  - Reads the plan file (docs/plan-file.md) with the planner's reader, picks
    C(capacity.headends[name == host]) and builds the C(config) for M(homeshift.core.asa_ravpn)
    (pool, group-policy, tunnel-group, webvpn, load-balancing, session limit). No secret is
    involved; the cluster key is given to M(homeshift.core.asa_ravpn) directly.
  - Fails naming the host when it is not in the plan or the plan is invalid.
version_added: 0.1.0
author: homeshift contributors
options:
  plan_file:
    description: The plan file (JSON, or YAML for C(.yml)/C(.yaml)).
    type: path
    required: true
  settings:
    description:
      - What every member shares. C(cluster_ip) is required; also C(group_policy),
        C(tunnel_group), C(group_alias), C(dns_servers), C(default_domain),
        C(split_tunnel_policy), C(split_tunnel_network_list), C(outside_interface),
        C(inside_interface), C(anyconnect_image), C(anyconnect_profile_name),
        C(anyconnect_profile_path), C(cluster_port), C(cluster_encryption),
        C(max_other_vpn_limit), C(extra_group_policy).
    type: dict
    required: true
  host:
    description: Plan entry to use; defaults to C(inventory_hostname).
    type: str
"""

EXAMPLES = r"""
- name: Build the desired config from the plan
  homeshift.core.headend_plan:
    plan_file: plan.json
    settings: {cluster_ip: 198.51.100.100}
  register: headend
"""

RETURN = r"""
config:
  description: Desired configuration for M(homeshift.core.asa_ravpn) (without the cluster key).
  returned: success
  type: dict
other_pools:
  description: Pools of the other members in the plan.
  returned: success
  type: list
  elements: dict
entry:
  description: This host's plan entry.
  returned: success
  type: dict
"""
