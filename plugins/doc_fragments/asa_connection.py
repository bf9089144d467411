# Copyright: homeshift contributors; Apache-2.0
"""Options of every module that opens an SSH session to an ASA.

The action plugins take them from ``ASA_CONNECTION_OPTIONS`` in ``plugin_utils/action.py``.
"""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  conn_timeout:
    description: Seconds to open the SSH session and log in.
    type: float
    default: 10.0
  read_timeout:
    description: Seconds to wait for the prompt after each command.
    type: float
    default: 30.0
  ssh_strict:
    description: Reject unknown SSH host keys.
    type: bool
    default: false
  system_host_keys:
    description: Load the user's known_hosts.
    type: bool
    default: false
  known_hosts:
    description: A known_hosts file to check host keys against.
    type: path
"""
