"""The core transport and provisioning against the lab over real pywinrm (no Ansible).

HTTPS + certificate validation against the lab CA, the request budget of a no-op run, and the
security refusals (Basic over HTTP, unknown CA) that must fail before anything is retried.
"""

from __future__ import annotations

from typing import Any

import certifi
import pytest
from desktops_lab_support import DesktopLab

from homeshift.windows.provision import gather_facts, provision
from homeshift.windows.resources import Document, File, RegistryValue, Service
from homeshift.windows.transport import (
    ConfigurationError,
    PyWinRMTransport,
    RetryPolicy,
    TransportError,
    WinRMSettings,
)

pytestmark = pytest.mark.lab

HOST_INDEX = 11  # the playbook tests use desktops 0-10


def https_vars(lab: DesktopLab, host: str, **overrides: Any) -> dict[str, Any]:
    host_vars = lab.host_vars(host)
    return {
        **host_vars,
        "ansible_port": host_vars["homeshift_winrm_https_port"],
        "ansible_winrm_scheme": "https",
        "ansible_winrm_transport": "basic",
        **overrides,
    }


def document() -> Document:
    return Document(
        (
            File.from_text("note", "C:\\ProgramData\\homeshift\\note.txt", "hello\n"),
            RegistryValue(
                "cached-logons",
                "HKLM:\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon",
                "CachedLogonsCount",
                "string",
                "30",
            ),
        ),
        diff=True,
    )


def test_basic_over_https_with_ca_validation_and_six_requests_per_noop(
    desktop_lab: DesktopLab,
) -> None:
    host = desktop_lab.hosts[HOST_INDEX]
    settings = WinRMSettings.from_host_vars(https_vars(desktop_lab, host), host)
    assert settings.server_cert_validation == "validate"
    transport = PyWinRMTransport(settings, retry=RetryPolicy(attempts=1))
    first = provision(host, transport, document())
    assert not first.failed, first.msg
    assert first.changed is True
    before = desktop_lab.stats(host)
    second = provision(host, transport, document())
    after = desktop_lab.stats(host)
    assert second.changed is False
    assert after["agent_runs"] - before["agent_runs"] == 1
    # Create, Command, Send, Receive, Signal, Delete
    assert after["http_requests"] - before["http_requests"] <= 6


def test_facts_over_ntlm_http_with_message_encryption(desktop_lab: DesktopLab) -> None:
    host = desktop_lab.hosts[HOST_INDEX]
    settings = WinRMSettings.from_host_vars(desktop_lab.host_vars(host), host)
    assert (settings.scheme, settings.auth) == ("http", "ntlm")
    outcome = gather_facts(host, PyWinRMTransport(settings), secrets=settings.secrets())
    assert not outcome.failed, outcome.msg
    assert outcome.facts["hostname"].upper() == host.upper()
    assert "tpm" in outcome.facts


def test_unknown_ca_is_refused_and_not_retried(desktop_lab: DesktopLab) -> None:
    host = desktop_lab.hosts[HOST_INDEX]
    public_cas = certifi.where()  # real CAs only: the lab's self-made CA is not among them
    settings = WinRMSettings.from_host_vars(
        https_vars(desktop_lab, host, ansible_winrm_ca_trust_path=public_cas), host
    )
    sleeps: list[float] = []
    transport = PyWinRMTransport(settings, sleep=sleeps.append)
    with pytest.raises(TransportError, match=r"certificate .* could not be validated") as caught:
        transport.run("powershell.exe", [], b"")
    assert sleeps == []
    assert desktop_lab.vars["ansible_password"] not in str(caught.value)


def test_basic_over_http_never_reaches_the_desktop(desktop_lab: DesktopLab) -> None:
    host = desktop_lab.hosts[HOST_INDEX]
    before = desktop_lab.stats(host)["http_requests"]
    with pytest.raises(ConfigurationError, match="plain HTTP"):
        WinRMSettings.from_host_vars(
            {**desktop_lab.host_vars(host), "ansible_winrm_transport": "basic"}, host
        )
    assert desktop_lab.stats(host)["http_requests"] == before


def test_wrong_password_is_an_authentication_error(desktop_lab: DesktopLab) -> None:
    host = desktop_lab.hosts[HOST_INDEX]
    settings = WinRMSettings.from_host_vars(
        https_vars(desktop_lab, host, ansible_password="wrong-password-123"), host
    )
    outcome = provision(
        host, PyWinRMTransport(settings, sleep=lambda _s: None), Document((Service("s", "x"),))
    )
    assert outcome.failed
    assert "authentication failed" in outcome.msg
    assert "wrong-password-123" not in outcome.msg
