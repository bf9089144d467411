# Copyright: homeshift contributors; Apache-2.0
"""Action: apply desired-state resources to a desktop in ONE agent run - thin adapter.

Validation, transport, retries, diff and result shaping live in ``homeshift.windows``; this
plugin reads the connection variables, builds the document and translates the outcome.

``from_role_vars: true`` (what ``roles/desktop_remote`` uses) reads the role's ``homeshift_*``
variables itself, checks them against the role's argument spec and builds the resources with
``homeshift.windows.desktop_role``. The task then holds no Jinja: Ansible forks a worker per
desktop and would compile every template again in each fork (docs/benchmarks.md).
"""

from __future__ import annotations

from typing import Any

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible_collections.homeshift.core.plugins.plugin_utils.action import (
    WINRM_RETRY_OPTIONS,
    WINRM_RETRY_VARIABLES,
    HomeshiftAction,
    desktop_role_spec,
    failed,
    inventory_host,
    winrm_transport,
)

from homeshift.windows.desktop_role import role_resources, selected_groups
from homeshift.windows.profile import warm_template
from homeshift.windows.provision import BusyRetryPolicy, ansible_result, provision
from homeshift.windows.resources import Document, ResourceError, resources_from_list
from homeshift.windows.transport import ConfigurationError

ARGUMENT_SPEC: dict[str, Any] = {
    "resources": {"type": "list", "elements": "dict"},
    "from_role_vars": {"type": "bool", "default": False},
    "gather_facts": {"type": "bool", "default": False},
    "fail_when_red": {"type": "bool", "default": False},
    "msi_busy_retries": {"type": "int", "default": 3},
    "msi_busy_delay": {"type": "float", "default": 10.0},
    **WINRM_RETRY_OPTIONS,
}

#: task option -> the role variable that sets it when from_role_vars is true
ROLE_OPTION_VARIABLES = {
    "fail_when_red": "homeshift_desktop_fail_when_red",
    "msi_busy_retries": "homeshift_msi_busy_retries",
    "msi_busy_delay": "homeshift_msi_busy_delay",
    **WINRM_RETRY_VARIABLES,
}


# Built at import: the strategy imports this module in the controller's main process, so every
# forked worker inherits the validator (its constructor deep-copies the spec) and the compiled
# profile template instead of redoing both per desktop.
ROLE_SPEC = desktop_role_spec()
ROLE_VALIDATOR = ArgumentSpecValidator(ROLE_SPEC)
warm_template()


class ActionModule(HomeshiftAction):
    ARGUMENT_SPEC = ARGUMENT_SPEC

    def run_validated(
        self, args: dict[str, Any], task_vars: dict[str, Any], result: dict[str, Any]
    ) -> dict[str, Any]:
        host = inventory_host(task_vars)
        if args["from_role_vars"] == (args["resources"] is not None):
            return failed(result, f"{host}: give either resources or from_role_vars: true")
        try:
            if args["from_role_vars"]:
                variables = self.role_variables(task_vars, ROLE_SPEC, ROLE_VALIDATOR)
                args = {**args, **{o: variables[v] for o, v in ROLE_OPTION_VARIABLES.items()}}
                groups = selected_groups(
                    task_vars.get("ansible_run_tags") or ["all"],
                    task_vars.get("ansible_skip_tags") or [],
                )
                resources = role_resources(variables, groups)
            else:
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
        result.update(
            ansible_result(
                outcome,
                with_diff=bool(self._task.diff),
                all_results=self._display.verbosity >= 1 or bool(self._task.check_mode),
            )
        )
        stats = run_stats(host, outcome.red_reasons, outcome.reboot_required)
        if stats:
            # appended by the strategy to the run's custom stats, as set_stats aggregate would
            result["ansible_stats"] = {"data": stats, "per_host": False, "aggregate": True}
        if args["fail_when_red"] and outcome.red and not outcome.failed:
            result["failed"] = True
            result["msg"] = (
                f"{host}: desktop is not compliant (red): {'; '.join(outcome.red_reasons)}"
            )
        return result


def run_stats(host: str, red_reasons: tuple[str, ...], reboot_required: bool) -> dict[str, Any]:
    """This desktop's share of the run's custom stats (red desktops, reboots pending).

    Lists of host names: aggregating a list appends in place, while a dict would be copied whole
    for every desktop (quadratic over 16,000). The reasons are in the host's ``red_reasons``.
    """
    stats: dict[str, Any] = {}
    if red_reasons:
        stats["homeshift_red_desktops"] = [host]
    if reboot_required:
        stats["homeshift_reboot_required"] = [host]
    return stats
