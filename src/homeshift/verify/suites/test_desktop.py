"""Desktop verification: the converged state, read back in ONE PowerShell command per desktop.

One test per area (VPN client, services, registry, files/VPN profile) so the JUnit report says
what is wrong; the verdict recorded for the board holds every finding of the host.
"""

from __future__ import annotations

from typing import Any

import pytest

from homeshift.verify.desktop import Finding, check_desktop

homeshift_backends = ("winrm",)


@pytest.fixture(scope="module")
def findings(host: Any, homeshift_expectations: Any, homeshift_record: Any) -> list[Finding]:
    expected = homeshift_expectations.desktop_for(host)
    if expected.empty:
        pytest.skip("no desktop expectations given (--homeshift-expect FILE)")
    try:
        found = check_desktop(host, expected)
    except Exception as exc:  # unreachable, refused credentials, ...: the host is red
        found = [Finding("unreachable", f"not reachable: {type(exc).__name__}: {exc}")]
    homeshift_record(host, "desktop", found)
    return found


def _messages(findings: list[Finding], *areas: str) -> list[str]:
    return [f.message for f in findings if f.area in (*areas, "unreachable")]


def test_vpn_client_installed(findings: list[Finding]) -> None:
    assert not (problems := _messages(findings, "vpn_client")), "; ".join(problems)


def test_services_running(findings: list[Finding]) -> None:
    assert not (problems := _messages(findings, "service")), "; ".join(problems)


def test_registry_values(findings: list[Finding]) -> None:
    assert not (problems := _messages(findings, "registry")), "; ".join(problems)


def test_vpn_profile_and_files(findings: list[Finding]) -> None:
    assert not (problems := _messages(findings, "file")), "; ".join(problems)
