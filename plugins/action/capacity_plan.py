# Copyright: homeshift contributors; Apache-2.0
"""Action: plan a scale-out next to the live cluster and write the plan file - thin adapter."""

from __future__ import annotations

from typing import Any

from ansible_collections.homeshift.core.plugins.plugin_utils.action import HomeshiftAction, failed

from homeshift.asa.scale_out import LiveMember, ScaleOutError, added, plan_scale_out
from homeshift.planning.planfile import plan_to_dict, write_plan

ARGUMENT_SPEC: dict[str, Any] = {
    "members": {"type": "list", "elements": "dict", "required": True},
    "spares": {"type": "list", "elements": "str", "default": []},
    "target_users": {"type": "int"},
    "add_headends": {"type": "int"},
    "supernet": {"type": "str", "default": "10.64.0.0/12"},
    "exclude": {"type": "list", "elements": "str", "default": []},
    "max_utilisation": {"type": "float", "default": 0.8},
    "redundancy": {"type": "int", "default": 0},
    "default_model": {"type": "str"},
    "out": {"type": "path", "required": True},
}


class ActionModule(HomeshiftAction):
    ARGUMENT_SPEC = ARGUMENT_SPEC

    def run_validated(
        self, args: dict[str, Any], task_vars: dict[str, Any], result: dict[str, Any]
    ) -> dict[str, Any]:
        try:
            members = [
                LiveMember(
                    name=str(m["name"]),
                    model=str(m["model"]),
                    licensed_peers=int(m["licensed_peers"]) if m.get("licensed_peers") else None,
                    pool=m.get("pool"),
                )
                for m in args["members"]
            ]
            document = plan_scale_out(
                members,
                args["spares"],
                target_users=args["target_users"],
                add_headends=args["add_headends"],
                supernet=args["supernet"],
                exclude=args["exclude"],
                max_utilisation=args["max_utilisation"],
                redundancy=args["redundancy"],
                default_model=args["default_model"],
            )
        except (ScaleOutError, KeyError, ValueError) as exc:
            return failed(result, f"scale-out cannot be planned: {exc}")
        if not self._task.check_mode:
            write_plan(document, args["out"])
        new = added(document.capacity)
        result.update(
            changed=bool(new) and not self._task.check_mode,
            plan_file=args["out"],
            added=[h.name for h in new],
            plan=plan_to_dict(document),
        )
        return result
