# Copyright: homeshift contributors; Apache-2.0
"""Action: preflight facts of a desktop (OS, disks, TPM, BitLocker, Cisco) - thin adapter.

``preflight: true`` (what ``playbooks/wave.yml`` uses) never fails the host: it records the
verdict as the fact ``homeshift_preflight`` (``status`` ok / unreachable / failed and ``reason``)
for ``homeshift.core.wave_gate``, in the same task - one forked worker per desktop, not a
block/rescue with a second ``set_fact`` worker.
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

from homeshift.windows.provision import gather_facts
from homeshift.windows.transport import ConfigurationError

ARGUMENT_SPEC: dict[str, Any] = {
    "preflight": {"type": "bool", "default": False},
    **WINRM_RETRY_OPTIONS,
}


class ActionModule(HomeshiftAction):
    ARGUMENT_SPEC = ARGUMENT_SPEC

    def run_validated(
        self, args: dict[str, Any], task_vars: dict[str, Any], result: dict[str, Any]
    ) -> dict[str, Any]:
        host = inventory_host(task_vars)
        try:
            # retries from homeshift_winrm_connection_retries / _delay when the task leaves
            # them out: no "{{ ... }}" argument for Ansible to compile in every forked worker
            args = {**args, **self.retry_options_from_vars(task_vars)}
            settings = self.winrm_settings(task_vars)
        except (ConfigurationError, TypeError) as exc:
            if args["preflight"]:
                return preflight_result(result, "failed", f"{host}: {exc}")
            return failed(result, f"{host}: {exc}")
        transport = winrm_transport(settings, args)
        outcome = gather_facts(host, transport, secrets=settings.secrets())
        facts = {"homeshift_desktop": dict(outcome.facts)} if outcome.facts else {}
        if args["preflight"]:
            status = "unreachable" if outcome.unreachable else "failed" if outcome.failed else "ok"
            preflight_result(result, status, outcome.msg if status != "ok" else "")
            result["ansible_facts"].update(facts)
            return result
        result.update(changed=False, failed=outcome.failed, msg=outcome.msg)
        if outcome.unreachable:
            result["unreachable"] = True
            result.pop("failed")
        if facts:
            result["ansible_facts"] = facts
        return result


def preflight_result(result: dict[str, Any], status: str, reason: str) -> dict[str, Any]:
    """An ok result carrying the verdict: the gate holds the desktop with ``reason``."""
    result.update(changed=False, failed=False, msg=reason or "preflight ok")
    result["ansible_facts"] = {"homeshift_preflight": {"status": status, "reason": reason}}
    return result
