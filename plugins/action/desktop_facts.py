# Copyright: homeshift contributors; Apache-2.0
"""Action: preflight facts of a desktop (OS, disks, TPM, BitLocker, Cisco) - thin adapter."""

from __future__ import annotations

from typing import Any

from ansible_collections.homeshift.core.plugins.plugin_utils.action import (
    WINRM_RETRY_OPTIONS,
    HomeshiftAction,
    failed,
    inventory_host,
    winrm_transport,
)

from homeshift.windows.provision import gather_facts
from homeshift.windows.transport import ConfigurationError

ARGUMENT_SPEC: dict[str, Any] = {
    **WINRM_RETRY_OPTIONS,
}


class ActionModule(HomeshiftAction):
    ARGUMENT_SPEC = ARGUMENT_SPEC

    def run_validated(
        self, args: dict[str, Any], task_vars: dict[str, Any], result: dict[str, Any]
    ) -> dict[str, Any]:
        host = inventory_host(task_vars)
        try:
            settings = self.winrm_settings(task_vars)
        except ConfigurationError as exc:
            return failed(result, f"{host}: {exc}")
        transport = winrm_transport(settings, args)
        outcome = gather_facts(host, transport, secrets=settings.secrets())
        result.update(changed=False, failed=outcome.failed, msg=outcome.msg)
        if outcome.unreachable:
            result["unreachable"] = True
            result.pop("failed")
        if outcome.facts:
            result["ansible_facts"] = {"homeshift_desktop": dict(outcome.facts)}
        return result
