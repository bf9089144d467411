# Copyright: homeshift contributors; Apache-2.0
"""Options of every module that talks WinRM to a desktop.

The action plugins take them from ``WINRM_RETRY_OPTIONS`` in ``plugin_utils/action.py``.
"""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  connection_retries:
    description: Attempts for transient connection failures (refused, 5xx); 401 is never retried.
    type: int
    default: 3
  connection_retry_delay:
    description: Seconds before the first connection retry; doubles each time.
    type: float
    default: 1.0
"""
