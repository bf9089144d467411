# Copyright: homeshift contributors; Apache-2.0
"""Documentation only: the work is done by the action plugin of the same name (controller side)."""

from __future__ import annotations

DOCUMENTATION = r"""
module: asa_facts
short_description: Live facts of a Cisco ASA headend (model, licence, sessions, pools, cluster)
description:
  - Runs on the controller over one netmiko SSH session and sets the fact C(homeshift_asa).
  - C(version) from C(show version) (model, version, licensed peers); C(sessions) from
    C(show vpn-sessiondb summary); C(pools) from C(show ip local pool NAME) for each configured
    pool; C(load_balancing) from C(show vpn load-balancing) (role, peers, load);
    C(config) the managed running-config (secrets masked).
  - Connection settings as for M(homeshift.core.asa_ravpn).
version_added: 0.1.0
author: homeshift contributors
extends_documentation_fragment:
  - homeshift.core.asa_connection
options:
  gather_subset:
    description: Which facts to gather.
    type: list
    elements: str
    default: [version, sessions, pools, load_balancing, config]
    choices: [version, sessions, pools, load_balancing, config]
"""

EXAMPLES = r"""
- name: Read the live state of the headend
  homeshift.core.asa_facts:
    gather_subset: [version, sessions]

- name: Show the active AnyConnect sessions
  ansible.builtin.debug:
    msg: "{{ homeshift_asa.sessions.anyconnect_active }} of {{ homeshift_asa.licensed_peers }}"
"""

RETURN = r"""
ansible_facts:
  description: C(homeshift_asa) with C(version), C(model), C(licensed_peers), C(sessions),
    C(pools), C(load_balancing), C(cluster_role) and C(config) as gathered.
  returned: success
  type: dict
"""
