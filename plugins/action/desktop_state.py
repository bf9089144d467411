# Copyright: homeshift contributors; Apache-2.0
"""Action: apply desired-state resources to a desktop in ONE agent run - thin adapter.

Validation, transport, retries, diff and result shaping live in ``homeshift.windows``; this
plugin reads the connection variables, builds the document and translates the outcome.
"""

from __future__ import annotations

from typing import Any

from ansible.plugins.action import ActionBase

from homeshift.windows.provision import BusyRetryPolicy, ansible_result, provision
from homeshift.windows.resources import Document, ResourceError, resources_from_list
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
    "resources": {"type": "list", "elements": "dict", "required": True},
    "gather_facts": {"type": "bool", "default": False},
    "fail_when_red": {"type": "bool", "default": False},
    "msi_busy_retries": {"type": "int", "default": 3},
    "msi_busy_delay": {"type": "float", "default": 10.0},
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
            resources = resources_from_list(args["resources"])
            settings = WinRMSettings.from_host_vars(self._connection_vars(task_vars), host)
        except (ResourceError, ConfigurationError) as exc:
            result.update(failed=True, changed=False, msg=f"{host}: {exc}")
            return result
        document = Document(
            resources=resources,
            check_mode=bool(self._task.check_mode),
            diff=bool(self._task.diff),
            gather_facts=bool(args["gather_facts"]),
        )
        transport = PyWinRMTransport(
            settings,
            retry=RetryPolicy(
                attempts=max(1, args["connection_retries"]),
                initial_delay=args["connection_retry_delay"],
            ),
        )
        outcome = provision(
            host,
            transport,
            document,
            busy_retry=BusyRetryPolicy(
                attempts=max(0, args["msi_busy_retries"]), initial_delay=args["msi_busy_delay"]
            ),
            secrets=settings.secrets(),
        )
        result.update(ansible_result(outcome, with_diff=bool(self._task.diff)))
        if args["fail_when_red"] and outcome.red and not outcome.failed:
            result["failed"] = True
            result["msg"] = (
                f"{host}: desktop is not compliant (red): {'; '.join(outcome.red_reasons)}"
            )
        return result

    def _connection_vars(self, task_vars: dict[str, Any]) -> dict[str, Any]:
        """This host's connection variables, templated (the password may come from a vault)."""
        names = [k for k in task_vars if k.startswith(CONNECTION_VARS)]
        return {k: self._templar.template(task_vars[k]) for k in names}
