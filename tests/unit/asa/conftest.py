"""Shared desired-state builder and a fake :class:`AsaCli` for the ASA unit tests."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from homeshift.asa.config import RavpnConfig
from homeshift.asa.transport import CommandRejected, SaveFailed, TransportError

CLUSTER_KEY = "Cl-Key-7781!"


def desired(**overrides: Any) -> RavpnConfig:
    data: dict[str, Any] = {
        "pools": [
            {
                "name": "HS-POOL-ASA-01",
                "first": "10.64.16.1",
                "last": "10.64.17.254",
                "mask": "255.255.254.0",
            }
        ],
        "group_policies": [
            {
                "name": "HS-GP-HOMEOFFICE",
                "vpn_tunnel_protocol": ["ssl-client"],
                "dns_servers": ["10.1.1.10", "10.1.1.11"],
                "split_tunnel_policy": "tunnelall",
            }
        ],
        "tunnel_groups": [
            {
                "name": "HS-TG-HOMEOFFICE",
                "address_pool": "HS-POOL-ASA-01",
                "default_group_policy": "HS-GP-HOMEOFFICE",
            }
        ],
        "webvpn": {
            "enable_interfaces": ["outside"],
            "anyconnect_images": ["disk0:/anyconnect-win-4.10.pkg 1"],
            "anyconnect_enable": True,
            "tunnel_group_list_enable": True,
        },
        "sessiondb": {"max_anyconnect_premium_or_essentials_limit": 500},
        "load_balancing": {
            "priority": 7,
            "cluster_ip": "192.0.2.100",
            "cluster_key": CLUSTER_KEY,
            "cluster_encryption": True,
            "participate": True,
        },
    }
    data.update(overrides)
    return RavpnConfig.from_dict(data)


class FakeCli:
    """Records what is sent; ``running`` is what ``show running-config`` returns."""

    def __init__(self, running: str = "hostname asa-01\n") -> None:
        self.running = running
        self.after_configure: str | None = None
        self.configured: list[list[str]] = []
        self.saves = 0
        self.reject_at: int | None = None
        self.drop_on_configure = False
        self.save_output = "Building configuration...\n[OK]"
        self.closed = False

    def show(self, command: str) -> str:
        assert command == "show running-config"
        return self.running

    def configure(self, lines: Sequence[str]) -> str:
        self.configured.append(list(lines))
        if self.drop_on_configure:
            raise TransportError("asa-01: connection dropped")
        if self.reject_at is not None and len(self.configured) == 1:
            raise CommandRejected(self.reject_at, lines[self.reject_at], "ERROR: rejected")
        if self.after_configure is not None and len(self.configured) == 1:
            self.running = self.after_configure
        return ""

    def save(self) -> str:
        self.saves += 1
        if "[OK]" not in self.save_output:
            raise SaveFailed("write memory did not report [OK]")
        return self.save_output

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def fake() -> FakeCli:
    return FakeCli()
