"""The ASA configuration model the emulator keeps, and ``show running-config`` rendered from it.

Only what the RA-VPN job touches is modelled (P9 scope rule): hostname, enable password,
interfaces, ``ip local pool``, group-policies, tunnel-groups, global ``webvpn``,
``vpn load-balancing``, ``vpn-sessiondb`` limits, usernames and ``terminal width``.
Rendering follows asa-cli.md §2.2: one-space indentation for sub-modes, two spaces for
group-policy -> webvpn, and the ASA section order.

Secrets: passwords are kept as pbkdf2-style hashes; the cluster key is kept as typed because
members must compare it. ``render(masked=True)`` (every show command) prints ``*****``;
only the startup-config file on disk (chmod 600) carries the real values.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
from dataclasses import dataclass, field

ASA_VERSION = "9.16(4)"
MASK = "*****"
DEFAULT_TERMINAL_WIDTH = 80


def hash_password(secret: str, salt: str) -> str:
    """A deterministic pbkdf2 hash in the ``$sha512$<iterations>$<salt>$<hash>`` shape."""
    digest = hashlib.pbkdf2_hmac("sha512", secret.encode(), salt.encode(), 1000, 16)
    salt_b64 = base64.b64encode(salt.encode()[:16]).decode()
    return f"$sha512$1000${salt_b64}${base64.b64encode(digest).decode()}"


def check_password(secret: str, stored: str, salt: str) -> bool:
    return hash_password(secret, salt) == stored


def ip_to_int(text: str) -> int:
    return int(ipaddress.IPv4Address(text))


def int_to_ip(value: int) -> str:
    return str(ipaddress.IPv4Address(value))


@dataclass
class Interface:
    hardware: str
    nameif: str | None = None
    security_level: int | None = None
    ip: str | None = None
    mask: str | None = None
    shutdown: bool = False


@dataclass
class Pool:
    name: str
    first: int
    last: int
    mask: str | None = None

    @property
    def size(self) -> int:
        return self.last - self.first + 1

    def overlaps(self, other: Pool) -> bool:
        return self.first <= other.last and other.first <= self.last

    def line(self) -> str:
        text = f"ip local pool {self.name} {int_to_ip(self.first)}-{int_to_ip(self.last)}"
        return text + (f" mask {self.mask}" if self.mask else "")


@dataclass
class GroupPolicy:
    name: str
    internal: bool = True
    #: attribute keyword -> the rest of the line, in the order typed (rendered in that order)
    attributes: dict[str, str] = field(default_factory=dict)
    webvpn: dict[str, str] = field(default_factory=dict)
    has_attributes: bool = False
    #: ``DfltGrpPolicy``: exists on every ASA, shown only when changed, has no ``internal`` line
    builtin: bool = False

    @property
    def address_pools(self) -> list[str]:
        value = self.attributes.get("address-pools", "")
        words = value.split()
        return words[1:] if words[:1] == ["value"] else []


@dataclass
class TunnelGroup:
    name: str
    type: str = "remote-access"
    general: dict[str, str] = field(default_factory=dict)
    webvpn: dict[str, str] = field(default_factory=dict)
    has_general: bool = False
    has_webvpn: bool = False

    @property
    def address_pools(self) -> list[str]:
        words = self.general.get("address-pool", "").split()
        return [w for w in words if not w.startswith("(")]

    @property
    def default_group_policy(self) -> str:
        return self.general.get("default-group-policy", "DfltGrpPolicy").strip()

    @property
    def alias_enabled(self) -> bool:
        return any(k.startswith("group-alias ") and v == "enable" for k, v in self.webvpn.items())


@dataclass
class Webvpn:
    enabled_on: list[str] = field(default_factory=list)
    images: dict[int, str] = field(default_factory=dict)  # order -> image path
    profiles: dict[str, str] = field(default_factory=dict)  # name -> path
    anyconnect_enabled: bool = False
    tunnel_group_list: bool = False
    present: bool = False


@dataclass
class LoadBalancing:
    """``vpn load-balancing`` (syntax unverified, asa-cli.md §2.1)."""

    present: bool = False
    interfaces: dict[str, str] = field(default_factory=dict)  # lbpublic/lbprivate -> nameif
    nat: str | None = None
    priority: int | None = None
    cluster_ip: str | None = None
    cluster_port: int | None = None
    cluster_key: str | None = None
    encryption: bool = False
    participate: bool = False

    #: default priority when none is configured (unverified: genieparser sample shows Pri 5)
    DEFAULT_PRIORITY = 5

    @property
    def effective_priority(self) -> int:
        return self.priority if self.priority is not None else self.DEFAULT_PRIORITY


@dataclass
class User:
    name: str
    password_hash: str
    privilege: int = 2


@dataclass
class AsaConfig:
    """The mutable running configuration of one headend."""

    hostname: str
    enable_hash: str | None = None
    terminal_width: int = DEFAULT_TERMINAL_WIDTH
    interfaces: dict[str, Interface] = field(default_factory=dict)
    pools: dict[str, Pool] = field(default_factory=dict)
    group_policies: dict[str, GroupPolicy] = field(default_factory=dict)
    tunnel_groups: dict[str, TunnelGroup] = field(default_factory=dict)
    webvpn: Webvpn = field(default_factory=Webvpn)
    load_balancing: LoadBalancing = field(default_factory=LoadBalancing)
    sessiondb: dict[str, int] = field(default_factory=dict)  # limit keyword -> value
    users: dict[str, User] = field(default_factory=dict)

    # ---- queries ---------------------------------------------------------------------------
    def interface_by_nameif(self, nameif: str) -> Interface | None:
        for interface in self.interfaces.values():
            if interface.nameif == nameif:
                return interface
        return None

    def pool_users(self, pool: str) -> list[str]:
        """Tunnel-groups and group-policies that reference ``pool`` (they block its removal)."""
        users = [
            f"tunnel-group {t.name}" for t in self.tunnel_groups.values() if pool in t.address_pools
        ]
        users += [
            f"group-policy {g.name}"
            for g in self.group_policies.values()
            if pool in g.address_pools
        ]
        return users

    # ---- rendering -------------------------------------------------------------------------
    def render(
        self,
        *,
        masked: bool = True,
        serial: str = "9A0000000",
        hardware: str = "ASAv",
        section: str | None = None,
        name: str | None = None,
    ) -> str:
        """``show running-config [section [name]]``; ``masked=False`` only for the saved file."""
        sections = self._sections(masked)
        if section is not None:
            lines = [
                line
                for key, obj, block in sections
                if key == section and (name is None or obj == name)
                for line in block
            ]
            return "\n".join(lines) + ("\n" if lines else "")
        body = [line for _, _, block in sections for line in block]
        head = [
            ": Saved",
            ":",
            f": Serial Number: {serial}",
            f": Hardware:   {hardware}, 8192 MB RAM, CPU Xeon E5 series 2300 MHz, 2 CPUs",
            ":",
            f"ASA Version {ASA_VERSION}",
            "!",
        ]
        text = "\n".join(head + body)
        checksum = hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()
        return f"{text}\nCryptochecksum:{checksum}\n: end\n"

    def checksum(self) -> str:
        digest = hashlib.md5(self.render(masked=False).encode(), usedforsecurity=False).hexdigest()
        return " ".join(digest[i : i + 8] for i in range(0, 32, 8))

    def _sections(self, masked: bool) -> list[tuple[str, str | None, list[str]]]:
        """(section keyword, object name, lines) in ASA running-config order."""
        out: list[tuple[str, str | None, list[str]]] = []
        if self.terminal_width != DEFAULT_TERMINAL_WIDTH:
            out.append(("terminal", None, [f"terminal width {self.terminal_width}"]))
        out.append(("hostname", None, [f"hostname {self.hostname}"]))
        if self.enable_hash:
            secret = MASK if masked else self.enable_hash
            out.append(("enable", None, [f"enable password {secret} pbkdf2"]))
        out.append(("names", None, ["names"]))
        for pool in self.pools.values():
            out.append(("ip local pool", pool.name, [pool.line()]))
        out.append(("!", None, ["!"]))
        for interface in self.interfaces.values():
            block = [f"interface {interface.hardware}"]
            if interface.shutdown:
                block.append(" shutdown")
            if interface.nameif:
                block.append(f" nameif {interface.nameif}")
            else:
                block.append(" no nameif")
            if interface.security_level is not None:
                block.append(f" security-level {interface.security_level}")
            else:
                block.append(" no security-level")
            if interface.ip:
                block.append(f" ip address {interface.ip} {interface.mask}")
            else:
                block.append(" no ip address")
            block.append("!")
            out.append(("interface", interface.hardware, block))
        out.append(("ftp", None, ["ftp mode passive", "pager lines 24"]))
        for interface in self.interfaces.values():
            if interface.nameif:
                out.append(("mtu", interface.nameif, [f"mtu {interface.nameif} 1500"]))
        for key, value in self.sessiondb.items():
            out.append(("vpn-sessiondb", None, [f"vpn-sessiondb {key} {value}"]))
        lb = self.load_balancing
        if lb.present:
            block = ["vpn load-balancing"]
            for role, nameif in lb.interfaces.items():
                block.append(f" interface {role} {nameif}")
            if lb.nat:
                block.append(f" nat {lb.nat}")
            if lb.priority is not None:
                block.append(f" priority {lb.priority}")
            if lb.cluster_ip:
                block.append(f" cluster ip address {lb.cluster_ip}")
            if lb.cluster_port is not None:
                block.append(f" cluster port {lb.cluster_port}")
            if lb.cluster_key is not None:
                block.append(f" cluster key {MASK if masked else lb.cluster_key}")
            if lb.encryption:
                block.append(" cluster encryption")
            if lb.participate:
                block.append(" participate")
            out.append(("vpn load-balancing", None, block))
        wv = self.webvpn
        if wv.present:
            block = ["webvpn"]
            block += [f" enable {nameif}" for nameif in wv.enabled_on]
            block += [
                f" anyconnect image {path} {order}" for order, path in sorted(wv.images.items())
            ]
            block += [f" anyconnect profiles {n} {p}" for n, p in wv.profiles.items()]
            if wv.anyconnect_enabled:
                block.append(" anyconnect enable")
            if wv.tunnel_group_list:
                block.append(" tunnel-group-list enable")
            out.append(("webvpn", None, block))
        for gp in self.group_policies.values():
            block = (
                []
                if gp.builtin
                else [f"group-policy {gp.name} {'internal' if gp.internal else 'external'}"]
            )
            if gp.attributes or gp.webvpn or (gp.has_attributes and not gp.builtin):
                block.append(f"group-policy {gp.name} attributes")
                block += [f" {k} {v}".rstrip() for k, v in gp.attributes.items()]
                if gp.webvpn:
                    block.append(" webvpn")
                    block += [f"  {k} {v}".rstrip() for k, v in gp.webvpn.items()]
            out.append(("group-policy", gp.name, block))
        for user in self.users.values():
            secret = MASK if masked else user.password_hash
            out.append(
                (
                    "username",
                    user.name,
                    [f"username {user.name} password {secret} pbkdf2 privilege {user.privilege}"],
                )
            )
        for tg in self.tunnel_groups.values():
            block = [f"tunnel-group {tg.name} type {tg.type}"]
            if tg.has_general or tg.general:
                block.append(f"tunnel-group {tg.name} general-attributes")
                block += [f" {k} {v}".rstrip() for k, v in tg.general.items()]
            if tg.has_webvpn or tg.webvpn:
                block.append(f"tunnel-group {tg.name} webvpn-attributes")
                block += [f" {k} {v}".rstrip() for k, v in tg.webvpn.items()]
            out.append(("tunnel-group", tg.name, block))
        out.append(("!", None, ["!"]))
        return out
