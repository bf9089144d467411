# Copyright: homeshift contributors; Apache-2.0
"""Action: this headend's desired RA-VPN config from the plan file - thin adapter.

Reads the plan with the planner's reader, picks ``capacity.headends[name == host]`` and builds
the config with ``homeshift.asa.headend``. The result carries no secret (the cluster key is
added by ``asa_ravpn`` itself).
"""

from __future__ import annotations

from typing import Any

from ansible_collections.homeshift.core.plugins.plugin_utils.action import (
    HomeshiftAction,
    failed,
    inventory_host,
)

from homeshift.asa.config import ValidationError
from homeshift.asa.headend import HeadendSettings, desired_config, other_pools, plan_entry
from homeshift.planning.planfile import plan_to_dict, read_plan

ARGUMENT_SPEC: dict[str, Any] = {
    "plan_file": {"type": "path", "required": True},
    "settings": {"type": "dict", "required": True},
    "host": {"type": "str"},
}


class ActionModule(HomeshiftAction):
    ARGUMENT_SPEC = ARGUMENT_SPEC

    def run_validated(
        self, args: dict[str, Any], task_vars: dict[str, Any], result: dict[str, Any]
    ) -> dict[str, Any]:
        host = args["host"] or inventory_host(task_vars)
        try:
            plan = plan_to_dict(read_plan(args["plan_file"]))
            headends = plan["capacity"]["headends"]
            entry = plan_entry(headends, host)
            settings = HeadendSettings.from_dict(args["settings"])
            config = desired_config(entry, settings)
        except (ValueError, KeyError, TypeError) as exc:
            if isinstance(exc, KeyError | TypeError):
                exc = ValidationError(f"plan file {args['plan_file']}: {exc!r}")
            return failed(result, f"{host}: {exc}")
        result.update(
            changed=False,
            entry=entry,
            config=config,
            other_pools=other_pools(headends, host),
        )
        return result
