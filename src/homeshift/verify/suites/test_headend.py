"""Headend verification over the ``asa://`` backend: pools, tunnel-group, cluster, capacity."""

from __future__ import annotations

from typing import Any

import pytest

from homeshift.verify.asa_backend import AsaConnectionError
from homeshift.verify.expectations import HeadendFinding, check_headend
from homeshift.verify.pytest_plugin import host_name

homeshift_backends = ("asa",)


@pytest.fixture(scope="module")
def findings(host: Any, homeshift_expectations: Any, homeshift_record: Any) -> list[HeadendFinding]:
    name = host_name(host)
    try:
        found, summary = check_headend(host, name, homeshift_expectations.headend)
    except (AsaConnectionError, OSError, ValueError) as exc:
        found, summary = [HeadendFinding("unreachable", f"headend {name}: {exc}")], None
    finally:
        close = getattr(host.backend, "close", None)
        if close is not None:
            close()
    homeshift_record(
        host,
        "headend",
        found,
        active=summary.active if summary else None,
        limit=summary.capacity if summary else None,
    )
    return found


def _messages(findings: list[HeadendFinding], area: str) -> list[str]:
    return [f.message for f in findings if f.area in (area, "unreachable")]


def test_pools_configured(findings: list[HeadendFinding]) -> None:
    assert not (problems := _messages(findings, "pools")), "; ".join(problems)


def test_tunnel_group_present(findings: list[HeadendFinding]) -> None:
    assert not (problems := _messages(findings, "tunnel_group")), "; ".join(problems)


def test_cluster_member(findings: list[HeadendFinding]) -> None:
    assert not (problems := _messages(findings, "cluster")), "; ".join(problems)


def test_free_capacity_above_threshold(findings: list[HeadendFinding]) -> None:
    assert not (problems := _messages(findings, "capacity")), "; ".join(problems)
