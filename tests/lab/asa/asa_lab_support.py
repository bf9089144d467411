"""Helpers for ASA lab tests: xdist-safe addresses, lab start, netmiko connections."""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import netmiko
import yaml

from homeshift.lab.asa.component import inside_ip, outside_ip
from homeshift.lab.asa.device import Headend
from homeshift.lab.runtime import start_lab
from homeshift.lab.spec import LabSpec

#: SSH port of the test labs (unprivileged, so the tests also run without root)
TEST_PORT = 2222
_slots = itertools.count()


def address_offset() -> int:
    """A block of 30 addresses per lab, distinct per xdist worker and per lab in a worker."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    number = int(worker[2:]) if worker[2:].isdigit() else 0
    return 1000 + number * 3000 + (next(_slots) % 100) * 30


@dataclass
class AsaLab:
    lab_dir: Path
    inventory: dict[str, Any]

    def host(self, name: str) -> dict[str, Any]:
        for group in self.inventory["all"]["children"].values():
            if name in group["hosts"]:
                return dict(group["hosts"][name])
        raise KeyError(name)

    def raw_shell(self, name: str) -> RawShell:
        """A plain paramiko PTY shell (no netmiko), logged in at ``>``."""
        return RawShell(self.host(name))

    def connect(self, name: str, *, secret: bool | str = True, **extra: Any) -> Any:
        """netmiko session; ``secret``: True = the inventory's, a string = that, False = login."""
        host = self.host(name)
        params: dict[str, Any] = {
            "device_type": "cisco_asa",
            "host": host["ansible_host"],
            "port": host["ansible_port"],
            "username": host["ansible_user"],
            "password": host["ansible_password"],
            "conn_timeout": 5,
        }
        if isinstance(secret, str):
            params["secret"] = secret
        elif secret:
            params["secret"] = host["ansible_become_password"]
        params.update(extra)
        return netmiko.ConnectHandler(**params)


class RawShell:
    """paramiko ``invoke_shell`` as netmiko opens it, with a byte-exact receive log."""

    def __init__(self, host: dict[str, Any]) -> None:
        import paramiko

        self.client = paramiko.SSHClient()
        self.client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
        self.client.connect(
            host["ansible_host"],
            port=host["ansible_port"],
            username=host["ansible_user"],
            password=host["ansible_password"],
            look_for_keys=False,
            allow_agent=False,
        )
        self.shell = self.client.invoke_shell(term="vt100", width=511, height=1000)
        self.received = b""  # everything, for assertions on the whole transcript
        self.pending = b""  # not yet returned by read_until

    def send(self, text: str) -> None:
        self.shell.send(text.encode())

    def read_until(self, marker: str, timeout: float = 5.0) -> str:
        """What arrived since the last call, up to and including ``marker``."""
        import time

        deadline = time.monotonic() + timeout
        wanted = marker.encode()
        while wanted not in self.pending and time.monotonic() < deadline:
            if self.shell.recv_ready():
                data = self.shell.recv(65536)
                self.pending += data
                self.received += data
            else:
                time.sleep(0.01)
        assert wanted in self.pending, self.pending
        end = self.pending.index(wanted) + len(wanted)
        chunk, self.pending = self.pending[:end], self.pending[end:]
        return chunk.decode()

    def close(self) -> None:
        self.client.close()


def start_asa_lab(lab_dir: Path, headends: int = 2, spares: int = 0, **options: Any) -> AsaLab:
    spec = {
        "headends": headends,
        "spares": spares,
        "port": TEST_PORT,
        "address_offset": address_offset(),
        **options,
    }
    start_lab(lab_dir, LabSpec(components={"asa": spec}))
    return read_lab(lab_dir)


def read_lab(lab_dir: Path) -> AsaLab:
    inventory = yaml.safe_load((lab_dir / "inventory.yml").read_text())
    return AsaLab(lab_dir, inventory)


RAVPN_LINES = [
    "ip local pool POOL-A 10.99.0.1-10.99.0.100 mask 255.255.255.0",
    "group-policy GP-HOME internal",
    "group-policy GP-HOME attributes",
    " vpn-tunnel-protocol ssl-client",
    " address-pools value POOL-A",
    " split-tunnel-policy tunnelall",
    " webvpn",
    "  anyconnect keep-installer installed",
    "tunnel-group TG-HOME type remote-access",
    "tunnel-group TG-HOME general-attributes",
    " address-pool POOL-A",
    " default-group-policy GP-HOME",
    "tunnel-group TG-HOME webvpn-attributes",
    " group-alias HOME enable",
    "webvpn",
    " enable outside",
    " anyconnect image disk0:/anyconnect-win-4.10.pkg 1",
    " anyconnect enable",
    " tunnel-group-list enable",
]


def cluster_lines(priority: int, key: str = "lab-cluster-key") -> list[str]:
    return [
        "vpn load-balancing",
        " interface lbpublic outside",
        " interface lbprivate inside",
        f" priority {priority}",
        " cluster ip address 198.51.100.200",
        f" cluster key {key}",
        " participate",
    ]


def make_headend(tmp_path: Path, index: int, peers: int = 750) -> Headend:
    """A headend model without SSH (session/cluster unit tests)."""
    name = f"asa-{index + 1:02d}"
    return Headend(
        index=index,
        name=name,
        address="127.0.0.1",
        port=0,
        model="ASAv30",
        licensed_peers=peers,
        outside_ip=outside_ip(index),
        inside_ip=inside_ip(index),
        password=f"pw{index}",
        enable_secret=f"en{index}",
        state_dir=tmp_path / name,
        serial=f"9A{index:09d}",
    )
