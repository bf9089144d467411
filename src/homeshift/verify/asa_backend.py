"""A testinfra backend for ASA headends over netmiko: ``--hosts=asa://admin@127.1.0.1:22``.

``host.run("show vpn-sessiondb summary")`` returns the CLI output as stdout; rc is 1 when the
ASA answers with an error marker (``ERROR:``, ``% Invalid``...; a show command has no exit code
of its own). Commands go through the project's netmiko seam
(:class:`homeshift.asa.transport.NetmikoAsaCli`): one SSH session per backend, opened on first
use, secrets masked in any error text.

Credentials: the hostspec's password (``asa://user:password@host:port``), else the environment
(``HOMESHIFT_ASA_USER``, ``HOMESHIFT_ASA_PASSWORD``); the enable secret from
:data:`ENABLE_SECRETS` (filled in-process by ``homeshift verify`` from the inventory) or
``HOMESHIFT_ASA_SECRET``. Without a secret, netmiko escalates with ``login`` (asa_login).
Secrets never appear in results, test ids or logs: the test id is ``asa://HOST``.
"""

from __future__ import annotations

import os
from typing import Any

from testinfra.backend import base

NAME = "asa"
#: host name (or ``host:port``) -> enable secret, set in-process by ``homeshift verify``
ENABLE_SECRETS: dict[str, str] = {}
#: host name (or ``host:port``) -> inventory hostname, for test ids and results
INVENTORY_NAMES: dict[str, str] = {}


class AsaConnectionError(RuntimeError):
    """netmiko could not open or use the session; the message names the headend."""


class AsaNetmikoBackend(base.BaseBackend):  # type: ignore[misc]
    NAME = NAME

    def __init__(self, hostspec: str, *args: Any, **kwargs: Any) -> None:
        self.host = self.parse_hostspec(hostspec)
        self.port = int(self.host.port or 22)
        self.read_timeout = float(kwargs.pop("timeout", None) or 30)
        self._connection: Any = None
        super().__init__(self.host.name, *args, **kwargs)

    @property
    def key(self) -> str:
        return f"{self.host.name}:{self.port}"

    def get_hostname(self) -> str:
        return (
            INVENTORY_NAMES.get(self.key) or INVENTORY_NAMES.get(self.host.name) or self.host.name
        )

    def get_encoding(self) -> str:
        return "utf-8"

    def _cli(self) -> Any:
        """The project's one netmiko seam (:class:`homeshift.asa.transport.NetmikoAsaCli`)."""
        if self._connection is not None:
            return self._connection
        from homeshift.asa.transport import AsaConnection, NetmikoAsaCli

        secret = (
            ENABLE_SECRETS.get(self.key)
            or ENABLE_SECRETS.get(self.host.name)
            or os.environ.get("HOMESHIFT_ASA_SECRET")
            or None
        )
        self._connection = NetmikoAsaCli(
            AsaConnection(
                host=self.host.name,
                port=self.port,
                username=self.host.user or os.environ.get("HOMESHIFT_ASA_USER", "admin"),
                password=self.host.password or os.environ.get("HOMESHIFT_ASA_PASSWORD", ""),
                secret=secret,
                conn_timeout=15.0,
                read_timeout=self.read_timeout,
            )
        )
        return self._connection

    def run(self, command: str, *args: str, **kwargs: Any) -> base.CommandResult:
        from homeshift.asa.transport import ERROR_RE, TransportError

        command = self.quote(command, *args)
        try:
            output = str(self._cli().show(command))
        except TransportError as exc:  # already redacted by the transport
            self._connection = None
            raise AsaConnectionError(f"headend {self.get_hostname()}: {exc}") from None
        rc = 1 if ERROR_RE.search(output) else 0
        return self.result(rc, self.encode(command), output.encode("utf-8"), b"")

    def close(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            finally:
                self._connection = None


def register() -> None:
    """Make ``asa://`` known to testinfra (its registry maps scheme -> "module.Class")."""
    from testinfra import backend

    backend.BACKENDS[NAME] = f"{__name__}.AsaNetmikoBackend"
