"""WinRM transport for one agent run: pywinrm wrapped once, secure by default.

* HTTPS with server certificate validation unless the inventory says otherwise.
* Authentication as the ``ansible_winrm_*`` variables say (NTLM by default; Kerberos, CredSSP,
  certificate; Basic only over HTTPS - Basic over plain HTTP is refused before connecting).
* One WinRS shell per run: Create, Command, Send (stdin, chunked), Receive, Signal, Delete.
* Retries with exponential backoff only on transient failures (connection refused, connect
  timeout, HTTP 5xx without a SOAP fault, WS-Man busy); never on 401 or certificate errors.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, cast

import requests.exceptions
from winrm.exceptions import (
    InvalidCredentialsError,
    WinRMError,
    WinRMOperationTimeoutError,
    WinRMTransportError,
    WSManFaultError,
)

from homeshift.windows.redact import redact

AuthName = Literal["ntlm", "kerberos", "credssp", "certificate", "basic"]
Scheme = Literal["https", "http"]

#: ansible_winrm_transport spellings -> our auth names ("ssl"/"plaintext" are pywinrm's Basic)
_AUTH_ALIASES: Mapping[str, AuthName] = {
    "ntlm": "ntlm",
    "kerberos": "kerberos",
    "credssp": "credssp",
    "certificate": "certificate",
    "basic": "basic",
    "ssl": "basic",
    "plaintext": "basic",
}

#: WS-Man fault codes worth a retry: ERROR_BUSY (170) and ERROR_WSMAN_QUOTA_MAX_OPERATIONS.
_TRANSIENT_WSMAN_CODES = frozenset({170, 0x803381A6})

#: Same chunk size as Ansible's winrm connection plugin (known to fit real WinRM listeners).
STDIN_CHUNK_BYTES = 200_000


class TransportError(RuntimeError):
    """A WinRM run failed; the message names the host and never holds a secret."""

    transient = False


class ConfigurationError(TransportError, ValueError):
    """The connection settings are unusable or insecure (e.g. Basic over plain HTTP)."""


class AuthenticationError(TransportError):
    """The desktop rejected the credentials (HTTP 401). Never retried: it would lock accounts."""


class UnreachableError(TransportError):
    """The desktop could not be reached (refused, timed out) even after retries."""

    transient = True


class ServerError(TransportError):
    """The WinRM service answered with an error (5xx or a WS-Man fault)."""


@dataclass(frozen=True)
class CommandResult:
    stdout: bytes
    stderr: bytes
    exit_code: int
    attempts: int = 1


@dataclass(frozen=True)
class WinRMSettings:
    """Connection settings, normally read from Ansible host vars (:meth:`from_host_vars`)."""

    host: str
    user: str = ""
    password: str = field(default="", repr=False)
    port: int | None = None
    scheme: Scheme = "https"
    auth: AuthName = "ntlm"
    path: str = "/wsman"
    server_cert_validation: Literal["validate", "ignore"] = "validate"
    ca_trust_path: str | None = None
    cert_pem: str | None = None
    cert_key_pem: str | None = field(default=None, repr=False)
    message_encryption: Literal["auto", "always", "never"] = "auto"
    operation_timeout_sec: int = 20
    read_timeout_sec: int = 30

    def __post_init__(self) -> None:
        if not self.host:
            raise ConfigurationError("WinRM host is empty")
        if self.scheme not in ("https", "http"):
            raise ConfigurationError(
                f"{self.host}: WinRM scheme must be https or http, not {self.scheme!r}"
            )
        if self.auth not in _AUTH_ALIASES.values():
            raise ConfigurationError(f"{self.host}: unsupported WinRM transport {self.auth!r}")
        if self.auth == "basic" and self.scheme == "http":
            raise ConfigurationError(
                f"{self.host}: Basic authentication over plain HTTP would send the password "
                "in clear text; use https (ansible_winrm_scheme=https) or ntlm/kerberos/credssp"
            )
        if self.auth == "certificate" and (
            self.scheme != "https" or not self.cert_pem or not self.cert_key_pem
        ):
            raise ConfigurationError(
                f"{self.host}: certificate authentication needs https and "
                "ansible_winrm_cert_pem + ansible_winrm_cert_key_pem"
            )
        if self.server_cert_validation not in ("validate", "ignore"):
            raise ConfigurationError(
                f"{self.host}: server_cert_validation must be validate or ignore"
            )
        if not 1 <= self.operation_timeout_sec < self.read_timeout_sec:
            raise ConfigurationError(
                f"{self.host}: read timeout ({self.read_timeout_sec}s) must exceed operation "
                f"timeout ({self.operation_timeout_sec}s), both at least 1"
            )

    @property
    def effective_port(self) -> int:
        return self.port or (5986 if self.scheme == "https" else 5985)

    @property
    def endpoint(self) -> str:
        path = self.path if self.path.startswith("/") else f"/{self.path}"
        return f"{self.scheme}://{self.host}:{self.effective_port}{path}"

    @property
    def label(self) -> str:
        return f"{self.host}:{self.effective_port}"

    def secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (self.password,) if s)

    @classmethod
    def from_host_vars(
        cls, host_vars: Mapping[str, Any], inventory_hostname: str = ""
    ) -> WinRMSettings:
        """Build settings the way Ansible's winrm connection reads ``ansible_*`` variables."""

        def get(*names: str) -> Any:
            for name in names:
                value = host_vars.get(name)
                if value not in (None, ""):
                    return value
            return None

        host = str(get("ansible_host") or inventory_hostname)
        port_raw = get("ansible_port", "ansible_winrm_port")
        try:
            port = int(port_raw) if port_raw is not None else None
        except (TypeError, ValueError):
            raise ConfigurationError(f"{host}: ansible_port {port_raw!r} is not a number") from None
        scheme_raw = get("ansible_winrm_scheme")
        scheme = str(scheme_raw).lower() if scheme_raw else ("http" if port == 5985 else "https")
        auth_raw = get("ansible_winrm_transport") or "ntlm"
        if isinstance(auth_raw, list | tuple):
            auth_raw = auth_raw[0] if auth_raw else "ntlm"
        auth_name = str(auth_raw).split(",")[0].strip().lower()
        auth = _AUTH_ALIASES.get(auth_name)
        if auth is None:
            raise ConfigurationError(f"{host}: unsupported ansible_winrm_transport {auth_raw!r}")
        timeout = get("ansible_winrm_connection_timeout")
        op_timeout = get("ansible_winrm_operation_timeout_sec") or timeout or 20
        read_timeout = get("ansible_winrm_read_timeout_sec") or (
            int(timeout) + 10 if timeout else 30
        )
        validation = str(get("ansible_winrm_server_cert_validation") or "validate").lower()
        try:
            return cls(
                host=host,
                user=str(get("ansible_user", "ansible_winrm_user") or ""),
                password=str(get("ansible_password", "ansible_winrm_password") or ""),
                port=port,
                scheme=scheme,  # type: ignore[arg-type]  # validated in __post_init__
                auth=auth,
                path=str(get("ansible_winrm_path") or "/wsman"),
                server_cert_validation=validation,  # type: ignore[arg-type]
                ca_trust_path=get("ansible_winrm_ca_trust_path"),
                cert_pem=get("ansible_winrm_cert_pem"),
                cert_key_pem=get("ansible_winrm_cert_key_pem"),
                message_encryption=str(get("ansible_winrm_message_encryption") or "auto"),  # type: ignore[arg-type]
                operation_timeout_sec=int(op_timeout),
                read_timeout_sec=int(read_timeout),
            )
        except (TypeError, ValueError) as exc:
            if isinstance(exc, ConfigurationError):
                raise
            raise ConfigurationError(f"{host}: invalid WinRM setting: {exc}") from None


class ShellProtocol(Protocol):
    """The slice of ``winrm.protocol.Protocol`` one run needs (fakes implement just this)."""

    def open_shell(self, codepage: int = ...) -> str: ...

    def run_command(self, shell_id: str, command: str, arguments: Any = ...) -> str: ...

    def send_command_input(
        self, shell_id: str, command_id: str, stdin_input: bytes, end: bool = ...
    ) -> None: ...

    def get_command_output(self, shell_id: str, command_id: str) -> tuple[bytes, bytes, int]: ...

    def cleanup_command(self, shell_id: str, command_id: str) -> None: ...

    def close_shell(self, shell_id: str, close_session: bool = ...) -> None: ...


ProtocolFactory = Callable[[WinRMSettings], ShellProtocol]


def pywinrm_protocol(settings: WinRMSettings) -> ShellProtocol:
    """The real pywinrm ``Protocol`` for ``settings``."""
    from winrm.protocol import Protocol as PyWinRMProtocol

    pywinrm_auth = {"basic": "basic" if settings.scheme == "https" else "plaintext"}.get(
        settings.auth, settings.auth
    )
    protocol = PyWinRMProtocol(
        endpoint=settings.endpoint,
        transport=cast(Any, pywinrm_auth),
        username=settings.user or None,
        password=settings.password or None,
        server_cert_validation=settings.server_cert_validation,
        ca_trust_path=settings.ca_trust_path or "legacy_requests",
        cert_pem=settings.cert_pem,
        cert_key_pem=settings.cert_key_pem,
        message_encryption=settings.message_encryption,
        operation_timeout_sec=settings.operation_timeout_sec,
        read_timeout_sec=settings.read_timeout_sec,
        proxy=None,
    )
    # pywinrm's open_shell takes more (optional) parameters than the slice we declare
    return cast(ShellProtocol, protocol)


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff: delay = initial * factor**(attempt-1), capped."""

    attempts: int = 3
    initial_delay: float = 1.0
    factor: float = 2.0
    max_delay: float = 30.0

    def delay(self, attempt: int) -> float:
        return min(self.max_delay, self.initial_delay * self.factor ** (attempt - 1))


def classify(exc: BaseException, settings: WinRMSettings) -> TransportError:
    """Map a pywinrm/requests exception to a :class:`TransportError` with a clear message."""
    where = settings.label
    secrets = settings.secrets()
    if isinstance(exc, TransportError):
        return exc
    if isinstance(exc, InvalidCredentialsError) or (
        isinstance(exc, WinRMTransportError) and exc.code == 401
    ):
        return AuthenticationError(
            f"{where}: authentication failed for user {settings.user!r} "
            f"({settings.auth} over {settings.scheme}): the desktop rejected the credentials"
        )
    if isinstance(exc, requests.exceptions.SSLError):
        error = TransportError(
            f"{where}: TLS certificate of the WinRM listener could not be validated "
            "(set ansible_winrm_ca_trust_path to the CA bundle): " + redact(str(exc)[:300], secrets)
        )
        return error
    if isinstance(exc, requests.exceptions.ConnectTimeout | requests.exceptions.ConnectionError):
        return UnreachableError(f"{where}: cannot connect to WinRM: {_short_reason(exc)}")
    if isinstance(exc, requests.exceptions.Timeout):
        return TransportError(f"{where}: WinRM read timed out after {settings.read_timeout_sec}s")
    if isinstance(exc, WSManFaultError):
        error = ServerError(
            f"{where}: WS-Man fault {exc.wsman_fault_code or exc.code}: "
            + redact(str(exc.reason or "")[:300], secrets)
        )
        error.transient = exc.wsman_fault_code in _TRANSIENT_WSMAN_CODES or exc.code == 503
        return error
    if isinstance(exc, WinRMTransportError):
        error = ServerError(f"{where}: WinRM HTTP error {exc.code}")
        error.transient = 500 <= exc.code < 600
        return error
    if isinstance(exc, WinRMOperationTimeoutError | WinRMError):
        return TransportError(f"{where}: WinRM error: {redact(str(exc)[:300], secrets)}")
    return TransportError(f"{where}: {type(exc).__name__}: {redact(str(exc)[:300], secrets)}")


def _short_reason(exc: BaseException) -> str:
    text = str(exc)
    for reason in (
        "Connection refused",
        "timed out",
        "No route to host",
        "Name or service not known",
    ):
        if reason.lower() in text.lower():
            return reason.lower()
    return type(exc).__name__


class WinRMTransport(Protocol):
    """Runs one command with stdin on one desktop and returns its output."""

    def run(self, command: str, arguments: list[str], stdin: bytes) -> CommandResult: ...


class PyWinRMTransport:
    """:class:`WinRMTransport` over pywinrm: one shell per run, retries per :class:`RetryPolicy`."""

    def __init__(
        self,
        settings: WinRMSettings,
        retry: RetryPolicy | None = None,
        protocol_factory: ProtocolFactory = pywinrm_protocol,
        sleep: Callable[[float], None] = time.sleep,
        chunk_bytes: int = STDIN_CHUNK_BYTES,
    ) -> None:
        self.settings = settings
        self.retry = retry or RetryPolicy()
        self._factory = protocol_factory
        self._sleep = sleep
        self._chunk = chunk_bytes

    def run(self, command: str, arguments: list[str], stdin: bytes) -> CommandResult:
        attempt = 0
        while True:
            attempt += 1
            try:
                stdout, stderr, code = self._run_once(command, arguments, stdin)
                return CommandResult(stdout, stderr, code, attempts=attempt)
            except Exception as exc:  # classified below; unknown errors become TransportError
                error = classify(exc, self.settings)
                if not error.transient or attempt >= self.retry.attempts:
                    if error.transient and attempt > 1:
                        error = type(error)(f"{error} (after {attempt} attempts)")
                    raise error from None
                self._sleep(self.retry.delay(attempt))

    def _run_once(
        self, command: str, arguments: list[str], stdin: bytes
    ) -> tuple[bytes, bytes, int]:
        protocol = self._factory(self.settings)
        shell_id = protocol.open_shell(codepage=65001)
        try:
            command_id = protocol.run_command(shell_id, command, arguments)
            try:
                chunks = [
                    stdin[i : i + self._chunk] for i in range(0, len(stdin), self._chunk)
                ] or [b""]
                for index, chunk in enumerate(chunks):
                    protocol.send_command_input(
                        shell_id, command_id, chunk, end=index == len(chunks) - 1
                    )
                return protocol.get_command_output(shell_id, command_id)
            finally:
                _quietly(lambda: protocol.cleanup_command(shell_id, command_id))
        finally:
            _quietly(lambda: protocol.close_shell(shell_id))


def _quietly(action: Callable[[], None]) -> None:
    """Best-effort cleanup: a failed Signal/Delete must not hide the run's real outcome."""
    with contextlib.suppress(Exception):  # the server may already have dropped the shell
        action()
