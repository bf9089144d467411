# Copyright: homeshift contributors; Apache-2.0
"""Action: write the scale-out JSON summary a pipeline reads - thin adapter."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ansible_collections.homeshift.core.plugins.plugin_utils.action import HomeshiftAction, failed

from homeshift.asa.scale_out import summary
from homeshift.planning import PlanError
from homeshift.planning.planfile import read_plan

ARGUMENT_SPEC: dict[str, Any] = {
    "plan_file": {"type": "path", "required": True},
    "path": {"type": "path", "required": True},
    "converged": {"type": "list", "elements": "str", "default": []},
    "failed": {"type": "list", "elements": "str", "default": []},
    "sessions": {"type": "dict", "default": {}},
}


class ActionModule(HomeshiftAction):
    _supports_check_mode = False
    ARGUMENT_SPEC = ARGUMENT_SPEC

    def run_validated(
        self, args: dict[str, Any], task_vars: dict[str, Any], result: dict[str, Any]
    ) -> dict[str, Any]:
        try:
            document = read_plan(args["plan_file"])
        except PlanError as exc:
            return failed(result, str(exc))
        sessions = {str(k): int(v) for k, v in args["sessions"].items() if v is not None}
        data = summary(
            document, converged=args["converged"], sessions=sessions, failed=args["failed"]
        )
        path = Path(args["path"])
        path.parent.mkdir(parents=True, exist_ok=True)
        scratch = path.with_name(f".{path.name}.tmp")
        scratch.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        scratch.replace(path)
        result.update(changed=True, path=str(path), summary=data)
        if not data["ok"]:
            result.update(failed=True, msg=f"scale-out incomplete; summary in {path}")
        return result
