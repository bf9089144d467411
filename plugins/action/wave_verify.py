# Copyright: homeshift contributors; Apache-2.0
"""Action: verify the wave's provisioned desktops - thin adapter over the verification runner.

For each host: its connection variables and ``homeshift_*`` variables from ``hostvars`` (extra
vars included) give the target and the role expectations (as ``homeshift verify --expect-role``).
Desktops whose provisioning failed or was unreachable are not verified (they are held anyway).
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path
from typing import Any

from ansible_collections.homeshift.core.plugins.plugin_utils.action import (
    WINRM_CONNECTION_VAR_PREFIXES,
    HomeshiftAction,
)

from homeshift.migration.wave_run import verify_desktops
from homeshift.verify.desktop import ExpectationsError
from homeshift.verify.inventory import InventoryError

ARGUMENT_SPEC: dict[str, Any] = {
    "hosts": {"type": "list", "elements": "str", "required": True},
    "results": {"type": "path", "required": True},
    "concurrency": {"type": "int", "default": 8},
}


def provisioned(host_vars: Any) -> bool:
    result = host_vars.get("homeshift_desktop_result")
    return isinstance(result, dict) and not result.get("failed") and not result.get("unreachable")


class ActionModule(HomeshiftAction):
    _supports_check_mode = False
    ARGUMENT_SPEC = ARGUMENT_SPEC

    def run_validated(
        self, args: dict[str, Any], task_vars: dict[str, Any], result: dict[str, Any]
    ) -> dict[str, Any]:
        hostvars = task_vars.get("hostvars") or {}
        hosts: dict[str, dict[str, Any]] = {}
        not_verified: list[str] = []
        for name in args["hosts"]:
            if name not in hostvars or not provisioned(hostvars[name]):
                not_verified.append(name)
                continue
            host_vars = hostvars[name]
            hosts[name] = {
                k: host_vars[k]
                for k in host_vars
                if k.startswith(WINRM_CONNECTION_VAR_PREFIXES) or k.startswith("homeshift_")
            }
        # pytest's report is not task output (Ansible 2.19 warns about stray worker stdout);
        # the verdicts and the results file are what counts
        try:
            with (
                contextlib.redirect_stdout(io.StringIO()),
                contextlib.redirect_stderr(io.StringIO()),
            ):
                verdicts = verify_desktops(hosts, Path(args["results"]), args["concurrency"])
        except (ExpectationsError, InventoryError) as exc:
            result.update(failed=True, msg=str(exc))
            return result
        result.update(
            changed=False,
            verdicts={
                h: {"ok": v.ok, "failures": list(v.failures)} for h, v in sorted(verdicts.items())
            },
            not_verified=not_verified,
            results=args["results"],
            msg=f"{sum(v.ok for v in verdicts.values())} of {len(verdicts)} desktops verified",
        )
        return result
