# Copyright: homeshift contributors; Apache-2.0
"""What every homeshift action plugin shares, written once.

Import as ``ansible_collections.homeshift.core.plugins.plugin_utils.action``. The plugins run on
the controller (no connection, no async): ``HomeshiftAction.run`` validates the task's arguments
against the subclass's ``ARGUMENT_SPEC`` and hands them to ``run_validated``. The helpers read
and template connection variables and build the ASA / WinRM transports with the same options
everywhere; failures become a ``failed`` result, never a traceback.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import yaml
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.validation import check_type_float, check_type_int
from ansible.plugins.action import ActionBase

if TYPE_CHECKING:  # the transports are imported only by the plugins that use them
    from homeshift.asa.transport import AsaConnection
    from homeshift.windows.transport import PyWinRMTransport, WinRMSettings

#: the ASA connection variables, by exact name (AsaConnection.from_host_vars reads these)
ASA_CONNECTION_VARS = (
    "ansible_host",
    "ansible_port",
    "ansible_user",
    "ansible_password",
    "ansible_become_password",
    "ansible_become_pass",
)

#: the WinRM connection variables, by prefix (WinRMSettings.from_host_vars reads these)
WINRM_CONNECTION_VAR_PREFIXES = (
    "ansible_host",
    "ansible_port",
    "ansible_user",
    "ansible_password",
    "ansible_winrm_",
)

#: options of every plugin that opens an SSH session to an ASA
ASA_CONNECTION_OPTIONS: dict[str, Any] = {
    "conn_timeout": {"type": "float", "default": 10.0},
    "read_timeout": {"type": "float", "default": 30.0},
    "ssh_strict": {"type": "bool", "default": False},
    "system_host_keys": {"type": "bool", "default": False},
    "known_hosts": {"type": "path"},
}

#: options of every plugin that talks WinRM to a desktop
WINRM_RETRY_OPTIONS: dict[str, Any] = {
    "connection_retries": {"type": "int", "default": 3},
    "connection_retry_delay": {"type": "float", "default": 1.0},
}


#: WINRM_RETRY_OPTIONS -> the variables that set them when a task leaves them out (the
#: desktop_remote role's defaults), so playbooks need no per-desktop Jinja for them
WINRM_RETRY_VARIABLES = {
    "connection_retries": "homeshift_winrm_connection_retries",
    "connection_retry_delay": "homeshift_winrm_connection_retry_delay",
}

#: the desktop_remote role's argument spec: its variables' types and defaults, in one place
DESKTOP_ROLE_ARGUMENT_SPECS = (
    Path(__file__).resolve().parents[2] / "roles" / "desktop_remote" / "meta" / "argument_specs.yml"
)

#: option type -> Ansible's own converter (raises TypeError on a value of the wrong type)
_TYPE_CHECKS: dict[str, Any] = {"int": check_type_int, "float": check_type_float}


class HomeshiftAction(ActionBase):
    """Base of the homeshift action plugins: controller-side, arguments validated once."""

    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True
    _supports_async = False

    ARGUMENT_SPEC: ClassVar[dict[str, Any]] = {}

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        task_vars = task_vars or {}
        result = super().run(tmp, task_vars)
        _, args = self.validate_argument_spec(argument_spec=self.ARGUMENT_SPEC)
        return self.run_validated(args, task_vars, result)

    def run_validated(
        self, args: dict[str, Any], task_vars: dict[str, Any], result: dict[str, Any]
    ) -> dict[str, Any]:
        """The plugin's work on validated ``args``; fills and returns ``result``."""
        raise NotImplementedError

    def templated(self, task_vars: dict[str, Any], names: list[str]) -> dict[str, Any]:
        """``task_vars[name]`` templated for each name (passwords may come from a vault)."""
        return {k: self._templar.template(task_vars[k]) for k in names}

    def role_variables(
        self, task_vars: dict[str, Any], spec: dict[str, Any], validator: ArgumentSpecValidator
    ) -> dict[str, Any]:
        """The ``spec``'s role variables for this host: templated, typed, defaults filled in.

        ``validator`` is ``ArgumentSpecValidator(spec)``, built once at import (its constructor
        deep-copies the spec). Raises ResourceError naming the variables that are wrong.
        """
        from homeshift.windows.resources import ResourceError

        values = self.templated(task_vars, [name for name in spec if name in task_vars])
        validated = validator.validate(values)
        if validated.error_messages:
            problems = "; ".join(str(m) for m in validated.error_messages)
            raise ResourceError(f"desktop_remote role variables: {problems}")
        return dict(validated.validated_parameters)

    def retry_options_from_vars(self, task_vars: dict[str, Any]) -> dict[str, Any]:
        """WinRM retry options the task leaves out, from ``WINRM_RETRY_VARIABLES`` when set.

        Typed as ``WINRM_RETRY_OPTIONS`` says; raises TypeError naming the variable.
        """
        found: dict[str, Any] = {}
        for option, variable in WINRM_RETRY_VARIABLES.items():
            if option in self._task.args or variable not in task_vars:
                continue
            check = _TYPE_CHECKS[WINRM_RETRY_OPTIONS[option]["type"]]
            try:
                found[option] = check(self._templar.template(task_vars[variable]))
            except TypeError as exc:
                raise TypeError(f"{variable}: {exc}") from None
        return found

    def asa_connection(
        self, task_vars: dict[str, Any], args: dict[str, Any], **extra: Any
    ) -> AsaConnection:
        """This host's ASA connection from its variables and ``ASA_CONNECTION_OPTIONS``.

        Raises ValueError (naming the host) when the variables are incomplete.
        """
        from homeshift.asa.transport import AsaConnection

        names = [k for k in ASA_CONNECTION_VARS if k in task_vars]
        return AsaConnection.from_host_vars(
            inventory_host(task_vars),
            self.templated(task_vars, names),
            conn_timeout=args["conn_timeout"],
            read_timeout=args["read_timeout"],
            ssh_strict=args["ssh_strict"],
            system_host_keys=args["system_host_keys"],
            known_hosts=args["known_hosts"],
            **extra,
        )

    def winrm_settings(self, task_vars: dict[str, Any]) -> WinRMSettings:
        """This host's WinRM settings; raises ConfigurationError when they are incomplete."""
        from homeshift.windows.transport import WinRMSettings

        names = [k for k in task_vars if k.startswith(WINRM_CONNECTION_VAR_PREFIXES)]
        return WinRMSettings.from_host_vars(
            self.templated(task_vars, names), inventory_host(task_vars)
        )


@cache
def desktop_role_spec(path: Path = DESKTOP_ROLE_ARGUMENT_SPECS) -> dict[str, Any]:
    """The desktop_remote role's option spec (descriptions dropped), for ArgumentSpecValidator.

    The plugins that read the role's variables themselves (``desktop_state`` with
    ``from_role_vars``, the ``desktop_facts`` preflight) check them against it. Read once per
    process and shared: callers must not change it.
    """
    options = yaml.safe_load(path.read_text(encoding="utf-8"))["argument_specs"]["main"]["options"]
    return {
        name: {k: v for k, v in option.items() if k not in ("description", "version_added")}
        for name, option in options.items()
    }


def inventory_host(task_vars: dict[str, Any]) -> str:
    """The host the task runs for (``?`` outside a play, so messages still read)."""
    return str(task_vars.get("inventory_hostname", "?"))


def winrm_transport(settings: WinRMSettings, args: dict[str, Any]) -> PyWinRMTransport:
    """A WinRM transport retrying connection failures as ``WINRM_RETRY_OPTIONS`` say."""
    from homeshift.windows.transport import PyWinRMTransport, RetryPolicy

    return PyWinRMTransport(
        settings,
        retry=RetryPolicy(
            attempts=max(1, args["connection_retries"]),
            initial_delay=args["connection_retry_delay"],
        ),
    )


def failed(result: dict[str, Any], msg: str) -> dict[str, Any]:
    """``result`` marked failed and unchanged with ``msg`` (the message names host or wave)."""
    result.update(failed=True, changed=False, msg=msg)
    return result
