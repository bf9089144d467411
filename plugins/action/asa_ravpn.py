# Copyright: homeshift contributors; Apache-2.0
"""Action: converge the RA-VPN configuration of one ASA headend - thin adapter.

Parsing, validation, ordering, push, rollback, save and redaction live in ``homeshift.asa``;
this plugin reads the connection variables, calls the core and translates the result.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ansible.plugins.action import ActionBase

from homeshift.asa.config import (
    ParseError,
    RavpnConfig,
    ValidationError,
    parse_running_config,
    redact_lines,
    render_config,
)
from homeshift.asa.converge import converge, gather
from homeshift.asa.headend import with_cluster_key
from homeshift.asa.resources.pools import Pool
from homeshift.asa.transport import AsaConnection, NetmikoAsaCli, TransportError

ACTING = ("merged", "replaced", "overridden", "deleted")
OFFLINE = ("rendered", "parsed")

ARGUMENT_SPEC: dict[str, Any] = {
    "config": {"type": "dict"},
    "state": {"type": "str", "default": "merged", "choices": [*ACTING, "gathered", *OFFLINE]},
    "cluster_key": {"type": "str", "no_log": True},
    "other_pools": {"type": "list", "elements": "dict", "default": []},
    "running_config": {"type": "str"},
    "session_log": {"type": "path"},
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


def connection_vars(action: ActionBase, task_vars: dict[str, Any]) -> dict[str, Any]:
    """This host's connection variables, templated (passwords may come from a vault)."""
    return {k: action._templar.template(task_vars[k]) for k in CONNECTION_VARS if k in task_vars}


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
        state = args["state"]
        secrets = [args["cluster_key"]] if args["cluster_key"] else []
        try:
            want = RavpnConfig.from_dict(
                with_cluster_key(args["config"] or {}, args["cluster_key"])
            )
            others = [Pool.from_dict(p) for p in args["other_pools"]]
        except ValidationError as exc:
            result.update(failed=True, changed=False, msg=f"{host}: invalid config: {exc}")
            return result
        if state in ("merged", "replaced", "overridden", "rendered") and args["config"] is None:
            result.update(failed=True, changed=False, msg=f"{host}: state {state} needs config")
            return result

        if state == "rendered":
            result.update(changed=False, rendered=redact_lines(render_config(want), secrets))
            return result
        if state == "parsed":
            try:
                parsed = parse_running_config(args["running_config"] or "")
            except ParseError as exc:
                result.update(failed=True, changed=False, msg=f"{host}: {exc}")
                return result
            result.update(changed=False, parsed=parsed.to_dict())
            return result

        try:
            connection = AsaConnection.from_host_vars(
                host,
                connection_vars(self, task_vars),
                conn_timeout=args["conn_timeout"],
                read_timeout=args["read_timeout"],
                ssh_strict=args["ssh_strict"],
                system_host_keys=args["system_host_keys"],
                known_hosts=args["known_hosts"],
                session_log=Path(args["session_log"]) if args["session_log"] else None,
                extra_secrets=tuple(secrets),
            )
        except ValueError as exc:
            result.update(failed=True, changed=False, msg=str(exc))
            return result
        cli = NetmikoAsaCli(connection)
        try:
            if state == "gathered":
                try:
                    result.update(changed=False, gathered=gather(cli).to_dict())
                except (ParseError, TransportError) as exc:
                    result.update(failed=True, changed=False, msg=f"{host}: {exc}")
                return result
            outcome = converge(
                cli,
                want,
                state,
                check_mode=bool(self._task.check_mode),
                other_pools=others,
                extra_secrets=connection.secrets,
            )
        finally:
            cli.close()
        result.update(outcome.to_dict())
        result["ssh_sessions"] = cli.stats.sessions_opened
        result["config_lines_sent"] = cli.stats.config_lines_sent
        if outcome.failed:
            result["msg"] = f"{host}: {outcome.msg}"
        if self._task.diff and outcome.commands:
            result["diff"] = {"prepared": "\n".join(outcome.commands) + "\n"}
        return result
