# Copyright: homeshift contributors; Apache-2.0
"""Action: apply desired-state resources to a desktop in ONE agent run - thin adapter.

Validation, transport, retries, diff and result shaping live in ``homeshift.windows``; this
plugin reads the connection variables, builds the document and translates the outcome.
"""

from __future__ import annotations

from typing import Any

from ansible_collections.homeshift.core.plugins.plugin_utils.action import (
    WINRM_RETRY_OPTIONS,
    HomeshiftAction,
    failed,
    inventory_host,
    winrm_transport,
)

from homeshift.windows.provision import BusyRetryPolicy, ansible_result, provision
from homeshift.windows.resources import Document, ResourceError, resources_from_list
from homeshift.windows.transport import ConfigurationError

ARGUMENT_SPEC: dict[str, Any] = {
    "resources": {"type": "list", "elements": "dict", "required": True},
    "gather_facts": {"type": "bool", "default": False},
    "fail_when_red": {"type": "bool", "default": False},
    "msi_busy_retries": {"type": "int", "default": 3},
    "msi_busy_delay": {"type": "float", "default": 10.0},
    **WINRM_RETRY_OPTIONS,
}


class ActionModule(HomeshiftAction):
    ARGUMENT_SPEC = ARGUMENT_SPEC

    def run_validated(
        self, args: dict[str, Any], task_vars: dict[str, Any], result: dict[str, Any]
    ) -> dict[str, Any]:
        host = inventory_host(task_vars)
        try:
            resources = resources_from_list(args["resources"])
            settings = self.winrm_settings(task_vars)
        except (ResourceError, ConfigurationError) as exc:
            return failed(result, f"{host}: {exc}")
        document = Document(
            resources=resources,
            check_mode=bool(self._task.check_mode),
            diff=bool(self._task.diff),
            gather_facts=bool(args["gather_facts"]),
        )
        transport = winrm_transport(settings, args)
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
