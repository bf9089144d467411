# Copyright: homeshift contributors; Apache-2.0
"""Action: converge the RA-VPN configuration of one ASA headend - thin adapter.

Parsing, validation, ordering, push, rollback, save and redaction live in ``homeshift.asa``;
this plugin reads the connection variables, calls the core and translates the result.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ansible_collections.homeshift.core.plugins.plugin_utils.action import (
    ASA_CONNECTION_OPTIONS,
    HomeshiftAction,
    failed,
    inventory_host,
)

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
from homeshift.asa.transport import NetmikoAsaCli, TransportError

ACTING = ("merged", "replaced", "overridden", "deleted")
OFFLINE = ("rendered", "parsed")

ARGUMENT_SPEC: dict[str, Any] = {
    "config": {"type": "dict"},
    "state": {"type": "str", "default": "merged", "choices": [*ACTING, "gathered", *OFFLINE]},
    "cluster_key": {"type": "str", "no_log": True},
    "other_pools": {"type": "list", "elements": "dict", "default": []},
    "running_config": {"type": "str"},
    "session_log": {"type": "path"},
    **ASA_CONNECTION_OPTIONS,
}


class ActionModule(HomeshiftAction):
    ARGUMENT_SPEC = ARGUMENT_SPEC

    def run_validated(
        self, args: dict[str, Any], task_vars: dict[str, Any], result: dict[str, Any]
    ) -> dict[str, Any]:
        host = inventory_host(task_vars)
        state = args["state"]
        secrets = [args["cluster_key"]] if args["cluster_key"] else []
        try:
            want = RavpnConfig.from_dict(
                with_cluster_key(args["config"] or {}, args["cluster_key"])
            )
            others = [Pool.from_dict(p) for p in args["other_pools"]]
        except ValidationError as exc:
            return failed(result, f"{host}: invalid config: {exc}")
        if state in ("merged", "replaced", "overridden", "rendered") and args["config"] is None:
            return failed(result, f"{host}: state {state} needs config")

        if state == "rendered":
            result.update(changed=False, rendered=redact_lines(render_config(want), secrets))
            return result
        if state == "parsed":
            try:
                parsed = parse_running_config(args["running_config"] or "")
            except ParseError as exc:
                return failed(result, f"{host}: {exc}")
            result.update(changed=False, parsed=parsed.to_dict())
            return result

        try:
            connection = self.asa_connection(
                task_vars,
                args,
                session_log=Path(args["session_log"]) if args["session_log"] else None,
                extra_secrets=tuple(secrets),
            )
        except ValueError as exc:
            return failed(result, str(exc))
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
