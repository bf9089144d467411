# Copyright: homeshift contributors; Apache-2.0
"""Action: preflight facts of a desktop (OS, disks, TPM, BitLocker, Cisco) - thin adapter."""

from __future__ import annotations

from typing import Any

from ansible.plugins.action import ActionBase

from homeshift.windows.provision import gather_facts
from homeshift.windows.transport import (
    ConfigurationError,
    PyWinRMTransport,
    RetryPolicy,
    WinRMSettings,
)

#: the variables WinRMSettings.from_host_vars reads
CONNECTION_VARS = (
    "ansible_host",
    "ansible_port",
    "ansible_user",
    "ansible_password",
    "ansible_winrm_",
)

ARGUMENT_SPEC: dict[str, Any] = {
    "connection_retries": {"type": "int", "default": 3},
    "connection_retry_delay": {"type": "float", "default": 1.0},
}


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        task_vars = task_vars or {}
        result = super().run(tmp, task_vars)
        _, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        host = str(task_vars.get("inventory_hostname", "?"))
        try:
            names = [k for k in task_vars if k.startswith(CONNECTION_VARS)]
            connection = {k: self._templar.template(task_vars[k]) for k in names}
            settings = WinRMSettings.from_host_vars(connection, host)
        except ConfigurationError as exc:
            result.update(failed=True, changed=False, msg=f"{host}: {exc}")
            return result
        transport = PyWinRMTransport(
            settings,
            retry=RetryPolicy(
                attempts=max(1, args["connection_retries"]),
                initial_delay=args["connection_retry_delay"],
            ),
        )
        outcome = gather_facts(host, transport, secrets=settings.secrets())
        result.update(changed=False, failed=outcome.failed, msg=outcome.msg)
        if outcome.unreachable:
            result["unreachable"] = True
            result.pop("failed")
        if outcome.facts:
            result["ansible_facts"] = {"homeshift_desktop": dict(outcome.facts)}
        return result
