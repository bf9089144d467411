# Copyright: homeshift contributors; Apache-2.0
"""Action: this headend's desired RA-VPN config from the plan file - thin adapter.

Reads the plan with the planner's reader, picks ``capacity.headends[name == host]`` and builds
the config with ``homeshift.asa.headend``. The result carries no secret (the cluster key is
added by ``asa_ravpn`` itself).
"""

from __future__ import annotations

from typing import Any

from ansible.plugins.action import ActionBase

from homeshift.asa.config import ValidationError
from homeshift.asa.headend import HeadendSettings, desired_config, other_pools, plan_entry
from homeshift.planning.planfile import plan_to_dict, read_plan

ARGUMENT_SPEC: dict[str, Any] = {
    "plan_file": {"type": "path", "required": True},
    "settings": {"type": "dict", "required": True},
    "host": {"type": "str"},
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
        host = args["host"] or str(task_vars.get("inventory_hostname", "?"))
        try:
            plan = plan_to_dict(read_plan(args["plan_file"]))
            headends = plan["capacity"]["headends"]
            entry = plan_entry(headends, host)
            settings = HeadendSettings.from_dict(args["settings"])
            config = desired_config(entry, settings)
        except (ValueError, KeyError, TypeError) as exc:
            if isinstance(exc, KeyError | TypeError):
                exc = ValidationError(f"plan file {args['plan_file']}: {exc!r}")
            result.update(failed=True, changed=False, msg=f"{host}: {exc}")
            return result
        result.update(
            changed=False,
            entry=entry,
            config=config,
            other_pools=other_pools(headends, host),
        )
        return result
