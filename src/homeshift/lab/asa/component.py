"""The ASA lab component: N headends (plus spares), each an SSH listener on its own loopback.

Options (``lab-spec.json`` ``asa``): ``headends`` (N, group ``headends``), ``spares`` (K, group
``spare_headends``), ``model`` (default ``ASAv30``), ``licensed_peers`` (default from the model
table, unverified), ``transcripts`` (YAML of canned show outputs, see ``transcripts.py``),
``write_memory_delay_s`` (how long ``write memory`` takes, default 0), ``overrides``
(``{"asa-02": {"model": "ASAv10"}}``: any of the four previous options per headend), ``port``
(SSH port, default 22), ``address_offset`` (first address index in the lab's ASA block, so
parallel labs never collide; ``auto`` = the first free block from index 30000 on).

State: ``DIR/asa/<name>/startup-config`` (chmod 600, written by ``write memory``). A lab
restart loads it, so unsaved changes are lost like on a reload.
"""

from __future__ import annotations

import errno
import functools
import hashlib
import logging
import time
from collections.abc import Mapping
from typing import Any

import asyncssh

from homeshift.lab.asa.cluster import Cluster
from homeshift.lab.asa.device import ADMIN_USER, MODEL_PEERS, Headend, derive_secret
from homeshift.lab.asa.faults import HeadendFaults, apply_fault
from homeshift.lab.asa.model import AsaConfig, Interface
from homeshift.lab.asa.server import load_host_key, start_listener
from homeshift.lab.asa.session import load_config_text
from homeshift.lab.asa.transcripts import load_transcripts
from homeshift.lab.component import ControlOp, InventoryGroup, LabContext

log = logging.getLogger("homeshift.lab.asa")

DEFAULT_MODEL = "ASAv30"
MAX_HEADENDS = 240
#: ``address_offset: auto`` tries address blocks from here until one is free on the port
AUTO_OFFSET_START = 30000
AUTO_OFFSET_TRIES = 50  # outside addresses come from 198.51.100.0/24 (TEST-NET-2)


def outside_ip(index: int) -> str:
    return f"198.51.100.{10 + index}"


def inside_ip(index: int) -> str:
    return f"192.0.2.{10 + index}"


class AsaLabComponent:
    name = "asa"

    def __init__(self) -> None:
        self.headends: list[Headend] = []
        self.groups: dict[str, list[Headend]] = {}
        self.cluster = Cluster([])
        self.listeners: list[asyncssh.SSHAcceptor] = []

    # ---- lifecycle -------------------------------------------------------------------------
    async def start(self, ctx: LabContext) -> dict[str, InventoryGroup]:
        logging.getLogger("asyncssh").setLevel(logging.WARNING)  # per-packet INFO noise
        opts = ctx.options
        headends = int(opts.get("headends", 2))
        spares = int(opts.get("spares", 0))
        total = headends + spares
        port = int(opts.get("port", 22))
        auto_offset = opts.get("address_offset") == "auto"
        offset = AUTO_OFFSET_START if auto_offset else int(opts.get("address_offset", 0))
        if headends < 0 or spares < 0 or offset < 0 or not 1 <= port <= 65535:
            raise ValueError(
                f"asa options: headends/spares/address_offset must be >= 0 and port 1-65535, "
                f"got {headends}/{spares}/{offset}/{port}"
            )
        if total > MAX_HEADENDS:
            raise ValueError(f"at most {MAX_HEADENDS} ASA headends per lab, asked for {total}")
        overrides = dict(opts.get("overrides") or {})
        transcripts = functools.lru_cache(maxsize=None)(load_transcripts)
        width = max(2, len(str(total)))
        lab_dir = ctx.lab_dir.resolve()
        for i in range(total):
            name = f"asa-{i + 1:0{width}d}"
            headend_opts = {**opts, **overrides.pop(name, {})}
            model, peers = licence(headend_opts, name)
            device = Headend(
                index=i,
                name=name,
                address=ctx.address("asa", offset + i),
                port=port,
                model=model,
                licensed_peers=peers,
                outside_ip=outside_ip(i),
                inside_ip=inside_ip(i),
                password=derive_secret(ctx.seed, lab_dir, name, "password"),
                enable_secret=derive_secret(ctx.seed, lab_dir, name, "enable"),
                state_dir=ctx.state_dir / name,
                serial="9A" + hashlib.sha256(f"{ctx.seed}/{name}".encode()).hexdigest()[:9].upper(),
            )
            delay = float(headend_opts.get("write_memory_delay_s", 0.0))
            if delay < 0:
                raise ValueError(f"{name}: write_memory_delay_s must be >= 0, got {delay}")
            device.write_memory_delay_s = delay
            if headend_opts.get("transcripts"):
                device.transcripts = transcripts(str(headend_opts["transcripts"]))
            self.boot(device)
            self.headends.append(device)
        if overrides:
            raise ValueError(f"overrides name unknown headends: {sorted(overrides)}")
        self.groups = {
            "headends": self.headends[:headends],
            "spare_headends": self.headends[headends:],
        }
        self.cluster = Cluster(self.headends)
        host_key = load_host_key(ctx.state_dir)
        for attempt in range(AUTO_OFFSET_TRIES if auto_offset else 1):
            try:
                for device in self.headends:
                    self.listeners.append(await start_listener(device, self.cluster, host_key))
                break
            except OSError as exc:
                await self._close_listeners()
                if not auto_offset or exc.errno != errno.EADDRINUSE:
                    raise
                offset += total + 7 * attempt  # another block, not a neighbour's next one
                for i, device in enumerate(self.headends):
                    device.address = ctx.address("asa", offset + i)
        else:
            raise OSError(errno.EADDRINUSE, f"no free ASA address block on port {port}")
        log.info("asa: %d headends + %d spares listening on port %d", headends, spares, port)
        return {
            group: self._inventory(devices) for group, devices in self.groups.items() if devices
        }

    def boot(self, device: Headend) -> None:
        """Load the startup config (or write the factory one), like an ASA boot."""
        text = device.startup_text()
        if text is None:
            device.config = device.factory_config()
            device.save_startup()
        else:
            device.config = bare_config(device)
            errors = load_config_text(device, text)
            for error in errors:
                log.warning("%s: startup-config %s", device.name, error)
        device.startup_masked = device.config.render(serial=device.serial, hardware=device.hardware)
        device.anonymous_reporting_answered = False
        device.sessions = None

    async def stop(self) -> None:
        for device in self.headends:
            for conn in list(device.connections):
                conn.abort()
        await self._close_listeners()
        log.info("asa: stopped")

    async def _close_listeners(self) -> None:
        for listener in self.listeners:
            listener.close()
        for listener in self.listeners:
            await listener.wait_closed()
        self.listeners = []

    # ---- inventory -------------------------------------------------------------------------
    def _inventory(self, devices: list[Headend]) -> InventoryGroup:
        hosts = {
            d.name: {
                "ansible_host": d.address,
                "ansible_port": d.port,
                "ansible_user": ADMIN_USER,
                "ansible_password": d.password,
                "ansible_become_password": d.enable_secret,
                "homeshift_lab_model": d.model,
                "homeshift_lab_licensed_peers": d.licensed_peers,
                "homeshift_outside_ip": d.outside_ip,
            }
            for d in devices
        }
        return {"hosts": hosts, "vars": {"ansible_network_os": "asa"}}

    # ---- control operations ----------------------------------------------------------------
    def control_ops(self) -> Mapping[str, ControlOp]:
        return {
            "connect_users": self.cluster.connect_users,
            "disconnect_users": self.cluster.disconnect_users,
            "sessions": self.cluster.sessions,
            "inject_fault": self.inject_fault,
            "clear_faults": self.clear_faults,
            "faults": self.faults,
            "restart": self.restart,
            "running_config": self.running_config,
            "headends": self.list_headends,
        }

    def inject_fault(self, host: str, fault: str, **params: Any) -> dict[str, Any]:
        device = self.cluster.by_name(host)
        apply_fault(device.faults, fault, params)
        log.info("%s: fault %s injected", host, fault)
        return device.faults.describe()

    def clear_faults(self, host: str) -> dict[str, Any]:
        device = self.cluster.by_name(host)
        device.faults = HeadendFaults()
        return device.faults.describe()

    def faults(self, host: str) -> dict[str, Any]:
        return self.cluster.by_name(host).faults.describe()

    def restart(self, host: str) -> dict[str, Any]:
        """Reload: restore the startup config, drop VPN sessions and SSH connections."""
        device = self.cluster.by_name(host)
        dropped = len(device.connections)
        for conn in list(device.connections):
            conn.abort()
        sessions = device.sessions.active if device.sessions else 0
        self.boot(device)
        device.booted_at = time.time()
        return {"host": host, "ssh_connections_dropped": dropped, "vpn_sessions_dropped": sessions}

    def running_config(self, host: str) -> str:
        """The running config as ``show running-config`` prints it (secrets masked)."""
        device = self.cluster.by_name(host)
        return device.config.render(serial=device.serial, hardware=device.hardware)

    def list_headends(self) -> dict[str, Any]:
        return {
            d.name: {
                "address": d.address,
                "port": d.port,
                "group": "headends" if d in self.groups.get("headends", []) else "spare_headends",
                "model": d.model,
                "licensed_peers": d.licensed_peers,
                "outside_ip": d.outside_ip,
            }
            for d in self.headends
        }


def licence(options: Mapping[str, Any], name: str) -> tuple[str, int]:
    """(model, licensed AnyConnect peers) from the ``model`` / ``licensed_peers`` options."""
    model = str(options.get("model", DEFAULT_MODEL))
    if "licensed_peers" in options:
        peers = int(options["licensed_peers"])
    elif model in MODEL_PEERS:
        peers = MODEL_PEERS[model]
    else:
        raise ValueError(
            f"{name}: unknown ASA model {model!r}: give licensed_peers or one of "
            f"{sorted(MODEL_PEERS)}"
        )
    if peers < 0:
        raise ValueError(f"{name}: licensed_peers must be >= 0, got {peers}")
    return model, peers


def bare_config(device: Headend) -> AsaConfig:
    """Hardware only (interfaces exist, nothing configured): what a startup config applies to."""
    config = AsaConfig(hostname=device.name)
    config.interfaces = {h: Interface(h) for h in device.factory_config().interfaces}
    return config
