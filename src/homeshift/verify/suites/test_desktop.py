"""Desktop verification: the converged state, read back in ONE PowerShell command per desktop,
all desktops of the run in parallel (``--homeshift-concurrency``, default 8).

One test per area (VPN client, services, registry, files/VPN profile) so the JUnit report says
what is wrong; the verdict recorded for the board holds every finding of the host.
"""

from __future__ import annotations

from typing import Any

import pytest

from homeshift.verify.desktop import Finding

homeshift_backends = ("winrm",)


@pytest.fixture(scope="module")
def findings(
    host: Any,
    homeshift_expectations: Any,
    homeshift_record: Any,
    homeshift_desktop_findings: Any,
) -> list[Finding]:
    if homeshift_expectations.desktop_for(host).empty:
        pytest.skip("no desktop expectations given (--homeshift-expect FILE)")
    found: list[Finding] = homeshift_desktop_findings(host)  # every desktop read in parallel
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
