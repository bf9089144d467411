# Copyright: homeshift contributors; Apache-2.0
"""Action: gate one wave (declaration, desktop preflight, headend capacity) - thin adapter.

Reads the headends' ``homeshift_asa`` facts and the desktops' ``homeshift_preflight`` facts from
``hostvars``, delegates to ``homeshift.migration.wave_run.gate_and_record`` and returns the go
hosts and the held agents with their reasons.
"""

from __future__ import annotations

from typing import Any

from ansible_collections.homeshift.core.plugins.plugin_utils.action import HomeshiftAction, failed

from homeshift.migration.gates import GateError
from homeshift.migration.wave_run import (
    WaveRunError,
    gate_and_record,
    gate_to_dict,
    headend_loads_from_facts,
    load_wave_inputs,
    preflight_verdicts,
)
from homeshift.readiness import Thresholds
from homeshift.state.errors import StoreError

ARGUMENT_SPEC: dict[str, Any] = {
    "wave": {"type": "int", "required": True},
    "plan_file": {"type": "path", "required": True},
    "roster_file": {"type": "path", "required": True},
    "store_url": {"type": "str", "no_log": True},
    "headends": {"type": "list", "elements": "str", "default": []},
    "desktops": {"type": "list", "elements": "str", "default": []},
    "max_utilisation": {"type": "float", "default": 0.8},
    "headroom": {"type": "float", "default": 0.1},
    "load_threshold_pct": {"type": "float", "default": 80.0},
}


def host_fact(task_vars: dict[str, Any], host: str, name: str) -> Any:
    """``hostvars[host][name]`` as plain data, or None when the host or fact is absent."""
    hostvars = task_vars.get("hostvars") or {}
    if host not in hostvars:
        return None
    return hostvars[host].get(name)


class ActionModule(HomeshiftAction):
    _supports_check_mode = False
    ARGUMENT_SPEC = ARGUMENT_SPEC

    def run_validated(
        self, args: dict[str, Any], task_vars: dict[str, Any], result: dict[str, Any]
    ) -> dict[str, Any]:
        from homeshift.state.store import Store

        wave = args["wave"]
        try:
            thresholds = Thresholds(
                args["max_utilisation"], args["headroom"], args["load_threshold_pct"]
            )
            inputs = load_wave_inputs(args["plan_file"], args["roster_file"])
            loads = headend_loads_from_facts(
                {h: host_fact(task_vars, h, "homeshift_asa") for h in args["headends"]}
            )
            preflight = preflight_verdicts(
                {h: host_fact(task_vars, h, "homeshift_preflight") for h in args["desktops"]}
            )
            with Store.open(args["store_url"]) as store:
                gate = gate_and_record(store, inputs, wave, preflight, loads, thresholds)
        except (WaveRunError, GateError, StoreError, ValueError) as exc:
            return failed(result, f"wave {wave}: {exc}")
        data = gate_to_dict(gate)
        result.update(data)
        result.update(
            changed=bool(gate.go or gate.held),
            msg=(
                f"wave {wave}: {len(gate.go)} go, {len(gate.held)} held, "
                f"{len(gate.already_moved)} already moved"
                + (f"; {gate.blocked}" if gate.blocked else "")
            ),
        )
        return result
