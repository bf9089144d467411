"""One emulated headend: identity, credentials, running/startup config, faults, VPN runtime."""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from homeshift.lab.asa.faults import HeadendFaults
from homeshift.lab.asa.model import AsaConfig, Interface, User, hash_password

if TYPE_CHECKING:
    from homeshift.lab.asa.cluster import MemberSessions

#: Licensed AnyConnect peers per model [unverified except ASAv10 = 250, ASA5516 = 300,
#: FPR2130 = 7500: asa-cli.md §3.2]. Override with the ``licensed_peers`` option.
MODEL_PEERS: dict[str, int] = {
    "ASAv5": 50,
    "ASAv10": 250,
    "ASAv30": 750,
    "ASAv50": 10000,
    "ASAv100": 20000,
    "ASA5516": 300,
    "ASA5525": 750,
    "ASA5545": 2500,
    "ASA5555": 5000,
    "FPR2130": 7500,
}

ADMIN_USER = "admin"


def derive_secret(seed: int, lab_dir: Path, name: str, purpose: str) -> str:
    """A per-headend secret derived from the lab seed: deterministic, never ``cisco``."""
    digest = hashlib.sha256(f"homeshift-asa-lab/{seed}/{lab_dir}/{name}/{purpose}".encode())
    return f"Hs{digest.hexdigest()[:14]}"


@dataclass
class Headend:
    index: int
    name: str
    address: str
    port: int
    model: str
    licensed_peers: int
    outside_ip: str
    inside_ip: str
    password: str
    enable_secret: str
    state_dir: Path
    serial: str
    config: AsaConfig = field(init=False)
    faults: HeadendFaults = field(default_factory=HeadendFaults)
    booted_at: float = field(default_factory=time.time)
    anonymous_reporting_answered: bool = False
    startup_masked: str | None = None
    #: transcript mode: normalised command -> canned output (see transcripts.py)
    transcripts: dict[str, str] = field(default_factory=dict)
    #: how long ``write memory`` takes (real samples: 0.29-1.31 s, asa-cli.md §2.3)
    write_memory_delay_s: float = 0.0
    sessions: MemberSessions | None = None
    connections: set[Any] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.config = self.factory_config()

    @property
    def salt(self) -> str:
        return self.name

    def factory_config(self) -> AsaConfig:
        """A factory-ish config: hostname, outside/inside, admin user, enable secret; no VPN."""
        config = AsaConfig(hostname=self.name)
        config.enable_hash = hash_password(self.enable_secret, self.salt)
        config.interfaces = {
            "GigabitEthernet0/0": Interface(
                "GigabitEthernet0/0", "outside", 0, self.outside_ip, "255.255.255.0"
            ),
            "GigabitEthernet0/1": Interface(
                "GigabitEthernet0/1", "inside", 100, self.inside_ip, "255.255.255.0"
            ),
            "Management0/0": Interface("Management0/0", shutdown=True),
        }
        config.users = {ADMIN_USER: User(ADMIN_USER, hash_password(self.password, self.salt), 15)}
        return config

    @property
    def startup_path(self) -> Path:
        return self.state_dir / "startup-config"

    def save_startup(self) -> int:
        """Write the running config as the startup config (chmod 600); returns its size."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        text = self.config.render(masked=False, serial=self.serial, hardware=self.hardware)
        tmp = self.startup_path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
        tmp.replace(self.startup_path)
        self.startup_masked = self.config.render(serial=self.serial, hardware=self.hardware)
        return len(text.encode())

    def startup_text(self) -> str | None:
        try:
            return self.startup_path.read_text()
        except FileNotFoundError:
            return None

    @property
    def hardware(self) -> str:
        return "ASAv" if self.model.startswith("ASAv") else self.model

    def uptime(self) -> str:
        seconds = int(time.time() - self.booted_at)
        days, rest = divmod(seconds, 86400)
        hours, rest = divmod(rest, 3600)
        mins, secs = divmod(rest, 60)
        if days:
            return f"{days} days {hours} hours"
        if hours:
            return f"{hours} hours {mins} mins"
        return f"{mins} mins {secs} secs"
