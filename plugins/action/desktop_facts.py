# Copyright: homeshift contributors; Apache-2.0
"""Action: preflight facts of a desktop (OS, disks, TPM, BitLocker, Cisco) - thin adapter.

``preflight: true`` (what ``playbooks/wave.yml`` uses) never fails the host: it records the
verdict as the fact ``homeshift_preflight`` (``status`` ok / unreachable / failed and ``reason``)
for ``homeshift.core.wave_gate``, in the same task - one forked worker per desktop, not a
block/rescue with a second ``set_fact`` worker. The same agent run checks the Windows build and
the free disk against the role's thresholds (``homeshift_compliance_os_build_min``,
``homeshift_compliance_free_disk_gb_min``; the role's defaults when unset): a desktop that misses
one fails its preflight with the reason, and the gate holds its agent back.
"""

from __future__ import annotations

from typing import Any

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible_collections.homeshift.core.plugins.plugin_utils.action import (
    WINRM_RETRY_OPTIONS,
    HomeshiftAction,
    desktop_role_spec,
    failed,
    inventory_host,
    winrm_transport,
)

from homeshift.windows.desktop_role import PREFLIGHT_VARIABLES, preflight_resources
from homeshift.windows.provision import gather_facts, preflight_verdict
from homeshift.windows.resources import Resource, ResourceError
from homeshift.windows.transport import ConfigurationError

ARGUMENT_SPEC: dict[str, Any] = {
    "preflight": {"type": "bool", "default": False},
    **WINRM_RETRY_OPTIONS,
}

#: the role's spec of the preflight thresholds (types, defaults); built at import, as in
#: desktop_state, so forked workers inherit the validator
_ROLE_SPEC = desktop_role_spec()
PREFLIGHT_SPEC = {name: _ROLE_SPEC[name] for name in PREFLIGHT_VARIABLES}
PREFLIGHT_VALIDATOR = ArgumentSpecValidator(PREFLIGHT_SPEC)


class ActionModule(HomeshiftAction):
    ARGUMENT_SPEC = ARGUMENT_SPEC

    def run_validated(
        self, args: dict[str, Any], task_vars: dict[str, Any], result: dict[str, Any]
    ) -> dict[str, Any]:
        host = inventory_host(task_vars)
        checks: tuple[Resource, ...] = ()
        try:
            # retries from homeshift_winrm_connection_retries / _delay when the task leaves
            # them out: no "{{ ... }}" argument for Ansible to compile in every forked worker
            args = {**args, **self.retry_options_from_vars(task_vars)}
            settings = self.winrm_settings(task_vars)
            if args["preflight"]:
                thresholds = self.role_variables(task_vars, PREFLIGHT_SPEC, PREFLIGHT_VALIDATOR)
                checks = preflight_resources(thresholds)
        except (ConfigurationError, ResourceError, TypeError) as exc:
            if args["preflight"]:
                return preflight_result(result, "failed", f"{host}: {exc}")
            return failed(result, f"{host}: {exc}")
        transport = winrm_transport(settings, args)
        outcome = gather_facts(host, transport, secrets=settings.secrets(), checks=checks)
        facts = {"homeshift_desktop": dict(outcome.facts)} if outcome.facts else {}
        if args["preflight"]:
            preflight_result(result, *preflight_verdict(outcome))
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
