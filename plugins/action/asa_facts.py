# Copyright: homeshift contributors; Apache-2.0
"""Action: live facts of an ASA headend (``homeshift_asa``) - thin adapter over homeshift.asa."""

from __future__ import annotations

from typing import Any

from ansible.plugins.action import ActionBase

from homeshift.asa.config import ParseError
from homeshift.asa.converge import FACT_SUBSETS, gather_facts
from homeshift.asa.facts import FactsError
from homeshift.asa.transport import AsaConnection, NetmikoAsaCli, TransportError

ARGUMENT_SPEC: dict[str, Any] = {
    "gather_subset": {
        "type": "list",
        "elements": "str",
        "default": list(FACT_SUBSETS),
        "choices": list(FACT_SUBSETS),
    },
    "conn_timeout": {"type": "float", "default": 10.0},
    "read_timeout": {"type": "float", "default": 30.0},
    "ssh_strict": {"type": "bool", "default": False},
    "system_host_keys": {"type": "bool", "default": False},
    "known_hosts": {"type": "path"},
}

CONNECTION_VARS = (
    "ansible_host",
    "ansible_port",
    "ansible_user",
    "ansible_password",
    "ansible_become_password",
    "ansible_become_pass",
)


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        task_vars = task_vars or {}
        result = super().run(tmp, task_vars)
        _, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        host = str(task_vars.get("inventory_hostname", "?"))
        host_vars = {
            k: self._templar.template(task_vars[k]) for k in CONNECTION_VARS if k in task_vars
        }
        try:
            connection = AsaConnection.from_host_vars(
                host,
                host_vars,
                conn_timeout=args["conn_timeout"],
                read_timeout=args["read_timeout"],
                ssh_strict=args["ssh_strict"],
                system_host_keys=args["system_host_keys"],
                known_hosts=args["known_hosts"],
            )
        except ValueError as exc:
            result.update(failed=True, changed=False, msg=str(exc))
            return result
        cli = NetmikoAsaCli(connection)
        try:
            facts = gather_facts(cli, args["gather_subset"])
        except (FactsError, ParseError, TransportError) as exc:
            result.update(failed=True, changed=False, msg=f"{host}: {exc}")
            return result
        finally:
            cli.close()
        result.update(changed=False, ansible_facts={"homeshift_asa": facts})
        return result
