# Copyright: homeshift contributors; Apache-2.0
"""Action: live facts of an ASA headend (``homeshift_asa``) - thin adapter over homeshift.asa."""

from __future__ import annotations

from typing import Any

from ansible_collections.homeshift.core.plugins.plugin_utils.action import (
    ASA_CONNECTION_OPTIONS,
    HomeshiftAction,
    failed,
    inventory_host,
)

from homeshift.asa.config import ParseError
from homeshift.asa.converge import FACT_SUBSETS, gather_facts
from homeshift.asa.facts import FactsError
from homeshift.asa.transport import NetmikoAsaCli, TransportError

ARGUMENT_SPEC: dict[str, Any] = {
    "gather_subset": {
        "type": "list",
        "elements": "str",
        "default": list(FACT_SUBSETS),
        "choices": list(FACT_SUBSETS),
    },
    **ASA_CONNECTION_OPTIONS,
}


class ActionModule(HomeshiftAction):
    ARGUMENT_SPEC = ARGUMENT_SPEC

    def run_validated(
        self, args: dict[str, Any], task_vars: dict[str, Any], result: dict[str, Any]
    ) -> dict[str, Any]:
        host = inventory_host(task_vars)
        try:
            connection = self.asa_connection(task_vars, args)
        except ValueError as exc:
            return failed(result, str(exc))
        cli = NetmikoAsaCli(connection)
        try:
            facts = gather_facts(cli, args["gather_subset"])
        except (FactsError, ParseError, TransportError) as exc:
            return failed(result, f"{host}: {exc}")
        finally:
            cli.close()
        result.update(changed=False, ansible_facts={"homeshift_asa": facts})
        return result
