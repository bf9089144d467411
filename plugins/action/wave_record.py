# Copyright: homeshift contributors; Apache-2.0
"""Action: the wave's outcome - JSON for the migration loop and ``record_wave_outcome`` in the
store. Thin adapter over ``homeshift.migration.wave_run``.

Without ``failure``: go agents whose desktop was provisioned and verified green move; every
other agent is held with the reason (``ok`` stays true). With ``failure`` the wave could not run
at all: ``ok`` is false and ``message`` says why.
"""

from __future__ import annotations

from typing import Any

from ansible_collections.homeshift.core.plugins.plugin_utils.action import HomeshiftAction

from homeshift.migration.wave_run import (
    WaveRunError,
    build_outcome,
    failed_outcome,
    gate_from_dict,
    record_outcome,
    write_outcome,
)
from homeshift.readiness import DesktopVerdict
from homeshift.state.errors import StoreError

ARGUMENT_SPEC: dict[str, Any] = {
    "wave": {"type": "int", "required": True},
    "outcome_path": {"type": "path", "required": True},
    "gate": {"type": "dict"},
    "verification": {"type": "dict", "default": {}},
    "failure": {"type": "str"},
    "store_url": {"type": "str", "no_log": True},
}


def provisioning_result(hostvars: Any, host: str) -> dict[str, Any] | None:
    """What ``desktop_remote`` registered for ``host`` (failed/unreachable/msg), or None."""
    if host not in hostvars:
        return None
    registered = hostvars[host].get("homeshift_desktop_result")
    if not isinstance(registered, dict):
        return None
    return {k: registered.get(k) for k in ("failed", "unreachable", "msg")}


class ActionModule(HomeshiftAction):
    _supports_check_mode = False
    ARGUMENT_SPEC = ARGUMENT_SPEC

    def run_validated(
        self, args: dict[str, Any], task_vars: dict[str, Any], result: dict[str, Any]
    ) -> dict[str, Any]:
        from homeshift.state.store import Store

        wave = args["wave"]
        hostvars = task_vars.get("hostvars") or {}
        try:
            if args["gate"] and "go" in args["gate"]:
                gate = gate_from_dict(args["gate"])
                provisioning = {
                    a.desktop: r
                    for a in gate.go
                    if (r := provisioning_result(hostvars, a.desktop)) is not None
                }
                verdicts = {
                    host: DesktopVerdict(host, bool(v.get("ok")), tuple(v.get("failures") or ()))
                    for host, v in args["verification"].items()
                }
                outcome = build_outcome(gate, provisioning, verdicts, message=args["failure"] or "")
            else:
                outcome = failed_outcome(wave, args["failure"] or "the wave was not gated")
            if args["gate"] and "go" in args["gate"]:
                with Store.open(args["store_url"]) as store:
                    record_outcome(store, outcome, store.known_employee_ids())
        except (WaveRunError, StoreError) as exc:
            outcome = failed_outcome(wave, str(exc))
            result.update(failed=True, msg=f"wave {wave}: {exc}")
        path = write_outcome(args["outcome_path"], outcome)
        result.update(
            changed=True,
            outcome=outcome,
            outcome_path=str(path),
        )
        result.setdefault(
            "msg",
            f"wave {wave}: {len(outcome['moved'])} moved, {len(outcome['held'])} held, "
            f"{len(outcome['already_moved'])} already moved",
        )
        return result
