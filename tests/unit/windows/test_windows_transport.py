"""Transport policy with a fake pywinrm Protocol: one shell, chunked stdin, what is retried."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests.exceptions
from winrm.exceptions import InvalidCredentialsError, WinRMTransportError, WSManFaultError

from homeshift.windows.transport import (
    AuthenticationError,
    ConfigurationError,
    PyWinRMTransport,
    RetryPolicy,
    ServerError,
    TransportError,
    UnreachableError,
    WinRMSettings,
    pywinrm_protocol,
)

SETTINGS = WinRMSettings(host="127.2.0.1", user="lab\\agent", password="S3cret-Pass!", port=5986)


class FakeProtocol:
    """Records calls; ``fail_on`` raises once per listed call name (in order)."""

    def __init__(self, log: list[str], failures: list[tuple[str, BaseException]]) -> None:
        self.log = log
        self.failures = failures
        self.stdin = b""

    def _maybe_fail(self, name: str) -> None:
        self.log.append(name)
        if self.failures and self.failures[0][0] == name:
            raise self.failures.pop(0)[1]

    def open_shell(self, codepage: int = 437) -> str:
        self._maybe_fail("open_shell")
        assert codepage == 65001
        return "shell-1"

    def run_command(self, shell_id: str, command: str, arguments: Any = ()) -> str:
        self._maybe_fail("run_command")
        return "cmd-1"

    def send_command_input(
        self, shell_id: str, command_id: str, stdin_input: bytes, end: bool = False
    ) -> None:
        self._maybe_fail(f"send(end={end})")
        self.stdin += stdin_input

    def get_command_output(self, shell_id: str, command_id: str) -> tuple[bytes, bytes, int]:
        self._maybe_fail("receive")
        return b"out:" + self.stdin[:5], b"", 0

    def cleanup_command(self, shell_id: str, command_id: str) -> None:
        self.log.append("signal")

    def close_shell(self, shell_id: str, close_session: bool = True) -> None:
        self.log.append("delete")


def _transport(
    failures: list[tuple[str, BaseException]], attempts: int = 3, chunk: int = 200_000
) -> tuple[PyWinRMTransport, list[str], list[float]]:
    log: list[str] = []
    sleeps: list[float] = []
    factory: Callable[[WinRMSettings], Any] = lambda settings: FakeProtocol(log, failures)  # noqa: E731
    transport = PyWinRMTransport(
        SETTINGS,
        retry=RetryPolicy(attempts=attempts, initial_delay=0.5, factor=2.0),
        protocol_factory=factory,
        sleep=sleeps.append,
        chunk_bytes=chunk,
    )
    return transport, log, sleeps


def test_one_shell_per_run_in_wsman_order() -> None:
    transport, log, sleeps = _transport([])
    result = transport.run("powershell.exe", ["-EncodedCommand", "AAAA"], b"hello world")
    assert result.stdout == b"out:hello"
    assert result.attempts == 1
    assert log == ["open_shell", "run_command", "send(end=True)", "receive", "signal", "delete"]
    assert sleeps == []


def test_large_stdin_is_chunked_and_last_chunk_ends_stream() -> None:
    transport, log, _ = _transport([], chunk=4)
    transport.run("powershell.exe", [], b"0123456789")
    assert log.count("send(end=False)") == 2
    assert log.count("send(end=True)") == 1
    assert log.index("send(end=True)") > log.index("send(end=False)")


def test_connection_refused_is_retried_with_backoff() -> None:
    refused = requests.exceptions.ConnectionError("[Errno 111] Connection refused")
    transport, log, sleeps = _transport([("open_shell", refused), ("open_shell", refused)])
    result = transport.run("powershell.exe", [], b"x")
    assert result.attempts == 3
    assert sleeps == [0.5, 1.0]
    assert log.count("open_shell") == 3


def test_refused_every_time_becomes_unreachable() -> None:
    refused = requests.exceptions.ConnectionError("Connection refused")
    transport, _log, sleeps = _transport([("open_shell", refused)] * 3)
    with pytest.raises(
        UnreachableError, match=r"127\.2\.0\.1:5986.*connection refused.*after 3 attempts"
    ):
        transport.run("powershell.exe", [], b"x")
    assert len(sleeps) == 2


def test_http_5xx_is_retried() -> None:
    transport, _, sleeps = _transport([("run_command", WinRMTransportError("http", 503, "busy"))])
    assert transport.run("powershell.exe", [], b"x").attempts == 2
    assert sleeps == [0.5]


def test_wsman_fault_is_not_retried_unless_busy() -> None:
    fault = WSManFaultError(500, "m", "r", "invalid selectors", wsman_fault_code=2150858843)
    transport, _, sleeps = _transport([("run_command", fault)])
    with pytest.raises(ServerError, match="2150858843"):
        transport.run("powershell.exe", [], b"x")
    assert sleeps == []
    busy = WSManFaultError(500, "m", "r", "busy", wsman_fault_code=170)
    transport, _, sleeps = _transport([("run_command", busy)])
    assert transport.run("powershell.exe", [], b"x").attempts == 2


@pytest.mark.parametrize(
    "error",
    [
        InvalidCredentialsError("the specified credentials were rejected by the server"),
        WinRMTransportError("http", 401, "unauthorized"),
    ],
)
def test_401_fails_at_once_without_retry(error: BaseException) -> None:
    transport, log, sleeps = _transport([("open_shell", error)])
    with pytest.raises(AuthenticationError) as caught:
        transport.run("powershell.exe", [], b"x")
    assert sleeps == []
    assert log.count("open_shell") == 1
    message = str(caught.value)
    assert "authentication failed for user 'lab\\\\agent'" in message
    assert "S3cret-Pass!" not in message


def test_certificate_error_is_not_retried() -> None:
    transport, _, sleeps = _transport(
        [("open_shell", requests.exceptions.SSLError("CERTIFICATE_VERIFY_FAILED"))]
    )
    with pytest.raises(TransportError, match="ca_trust_path"):
        transport.run("powershell.exe", [], b"x")
    assert sleeps == []


def test_shell_is_deleted_even_when_receive_fails() -> None:
    transport, log, _ = _transport([("receive", ValueError("boom"))], attempts=1)
    with pytest.raises(TransportError, match="boom"):
        transport.run("powershell.exe", [], b"x")
    assert log[-2:] == ["signal", "delete"]


# --------------------------------------------------------------------------- settings


def test_secure_defaults() -> None:
    settings = WinRMSettings.from_host_vars(
        {"ansible_host": "127.2.0.5", "ansible_user": "u", "ansible_password": "p4ss"}
    )
    assert settings.scheme == "https"
    assert settings.auth == "ntlm"
    assert settings.server_cert_validation == "validate"
    assert settings.endpoint == "https://127.2.0.5:5986/wsman"
    assert "p4ss" not in repr(settings)


def test_basic_over_http_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="Basic authentication over plain HTTP"):
        WinRMSettings.from_host_vars(
            {"ansible_host": "h", "ansible_port": 5985, "ansible_winrm_transport": "basic"}
        )
    with pytest.raises(ConfigurationError, match="plain HTTP"):
        WinRMSettings.from_host_vars(
            {
                "ansible_host": "h",
                "ansible_winrm_scheme": "http",
                "ansible_winrm_transport": ["plaintext"],
            }
        )
    ok = WinRMSettings.from_host_vars({"ansible_host": "h", "ansible_winrm_transport": "basic"})
    assert ok.scheme == "https"


def test_ansible_variables_are_honoured() -> None:
    settings = WinRMSettings.from_host_vars(
        {
            "ansible_host": "127.2.0.9",
            "ansible_port": "15985",
            "ansible_winrm_scheme": "http",
            "ansible_winrm_transport": "credssp,ntlm",
            "ansible_winrm_server_cert_validation": "ignore",
            "ansible_winrm_ca_trust_path": "/etc/ca.pem",
            "ansible_winrm_connection_timeout": 15,
            "ansible_winrm_path": "wsman",
        }
    )
    assert settings.endpoint == "http://127.2.0.9:15985/wsman"
    assert settings.auth == "credssp"
    assert settings.server_cert_validation == "ignore"
    assert settings.ca_trust_path == "/etc/ca.pem"
    assert (settings.operation_timeout_sec, settings.read_timeout_sec) == (15, 25)


@pytest.mark.parametrize(
    ("host_vars", "message"),
    [
        ({"ansible_host": "h", "ansible_winrm_transport": "telnet"}, "unsupported"),
        ({"ansible_host": "h", "ansible_port": "abc"}, "not a number"),
        ({"ansible_host": "h", "ansible_winrm_transport": "certificate"}, "cert_pem"),
        ({"ansible_host": "h", "ansible_winrm_operation_timeout_sec": 40}, "must exceed"),
        (
            {"ansible_host": "h", "ansible_winrm_server_cert_validation": "maybe"},
            "validate or ignore",
        ),
    ],
)
def test_bad_settings_are_clear(host_vars: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        WinRMSettings.from_host_vars(host_vars)


def test_real_protocol_gets_the_settings() -> None:
    protocol: Any = pywinrm_protocol(
        WinRMSettings(host="127.2.0.1", user="u", password="p", ca_trust_path="/tmp/ca.pem")
    )
    assert protocol.transport.endpoint == "https://127.2.0.1:5986/wsman"
    assert protocol.transport.auth_method == "ntlm"
    assert protocol.transport.server_cert_validation == "validate"
    assert protocol.transport.ca_trust_path == "/tmp/ca.pem"
