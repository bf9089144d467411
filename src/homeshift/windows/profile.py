"""The Cisco Secure Client / AnyConnect VPN profile XML, rendered from the headend cluster.

One source of truth: the Jinja2 template shipped in this package (the role reaches it through the
``homeshift.core.anyconnect_profile`` filter). No timestamps, fixed element order
(ClientInitialization then ServerList, per ``AnyConnectProfile.xsd``), so re-renders are
byte-identical and a second run changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from functools import cache
from typing import Any, Literal

import jinja2

PROFILE_NAMESPACE = "http://schemas.xmlsoap.org/encoding/"

#: Profile folder by client generation (windows.md §4.4).
PROFILE_DIRECTORIES: Mapping[int, str] = {
    4: "C:\\ProgramData\\Cisco\\Cisco AnyConnect Secure Mobility Client\\Profile",
    5: "C:\\ProgramData\\Cisco\\Cisco Secure Client\\VPN\\Profile",
}

_HOST = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.:\-\[\]/]*$")
_FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.-]*\.xml$")


class ProfileError(ValueError):
    """The profile settings are invalid; the message names the setting."""


def client_generation(version: str) -> int:
    """4 for AnyConnect 4.x, 5 for Cisco Secure Client 5.x (from the package version)."""
    try:
        major = int(str(version).split(".")[0])
    except ValueError:
        raise ProfileError(f"VPN client version {version!r} does not start with a number") from None
    if major not in PROFILE_DIRECTORIES:
        raise ProfileError(f"VPN client generation {major} is not supported (4 or 5)")
    return major


def profile_path(version: str, file_name: str) -> str:
    """Where the client of ``version`` reads a profile called ``file_name``."""
    if not _FILE_NAME.match(file_name):
        raise ProfileError(f"profile file name {file_name!r} must be a plain name ending in .xml")
    return f"{PROFILE_DIRECTORIES[client_generation(version)]}\\{file_name}"


@dataclass(frozen=True)
class VpnProfile:
    """What the profile says: where to connect and how the client behaves at a home desk."""

    cluster_address: str
    host_name: str = ""
    backup_servers: tuple[str, ...] = ()
    user_group: str = ""
    start_before_logon: bool = True
    auto_connect_on_start: bool = True
    local_lan_access: bool = False
    auto_reconnect: bool = True
    auto_reconnect_behavior: Literal["ReconnectAfterResume", "DisconnectOnSuspend"] = (
        "ReconnectAfterResume"
    )
    windows_logon_enforcement: Literal["SingleLogon", "SingleLocalLogon", "SingleLogonNoRemote"] = (
        "SingleLocalLogon"
    )
    windows_vpn_establishment: Literal["LocalUsersOnly", "AllowRemoteUsers"] = "LocalUsersOnly"
    certificate_store: Literal["All", "Machine", "User"] = "All"
    authentication_timeout: int = 30
    allow_manual_host_input: bool = False

    def __post_init__(self) -> None:
        for name, address in [("cluster_address", self.cluster_address)] + [
            ("backup_servers", b) for b in self.backup_servers
        ]:
            if not isinstance(address, str) or not _HOST.match(address):
                raise ProfileError(f"VPN profile {name}: {address!r} is not an address or FQDN")
        if self.cluster_address in self.backup_servers:
            raise ProfileError("VPN profile: the cluster address is also listed as a backup server")
        if len(set(self.backup_servers)) != len(self.backup_servers):
            raise ProfileError("VPN profile: backup_servers has duplicates")
        if not 10 <= self.authentication_timeout <= 120:
            raise ProfileError("VPN profile authentication_timeout must be 10..120 seconds")
        choices: Mapping[str, tuple[str, ...]] = {
            "auto_reconnect_behavior": ("ReconnectAfterResume", "DisconnectOnSuspend"),
            "windows_logon_enforcement": ("SingleLogon", "SingleLocalLogon", "SingleLogonNoRemote"),
            "windows_vpn_establishment": ("LocalUsersOnly", "AllowRemoteUsers"),
            "certificate_store": ("All", "Machine", "User"),
        }
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise ProfileError(f"VPN profile {name} must be one of {allowed}")

    @property
    def display_name(self) -> str:
        return self.host_name or self.cluster_address

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> VpnProfile:
        """Build from role variables; unknown keys are an error (typos must not pass silently)."""
        allowed = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise ProfileError(f"VPN profile: unknown setting(s) {unknown}")
        values = dict(data)
        if "cluster_address" not in values or not values["cluster_address"]:
            raise ProfileError(
                "VPN profile: cluster_address is required (the ASA cluster IP or FQDN)"
            )
        backups = values.get("backup_servers") or ()
        if isinstance(backups, str) or not isinstance(backups, Sequence):
            raise ProfileError("VPN profile: backup_servers must be a list")
        values["backup_servers"] = tuple(str(b) for b in backups)
        values["cluster_address"] = str(values["cluster_address"])
        try:
            return cls(**values)
        except TypeError as exc:
            raise ProfileError(f"VPN profile: {exc}") from None


def _xmlbool(value: object) -> str:
    return "true" if value else "false"


@cache
def _template() -> jinja2.Template:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("homeshift.windows", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=False,
    )
    env.filters["xmlbool"] = _xmlbool
    return env.get_template("anyconnect-profile.xml.j2")


def warm_template() -> None:
    """Compile the template now: a process that forks workers does it once, before the forks."""
    _template()


def render_profile(profile: VpnProfile) -> str:
    """The profile XML text (LF line endings, UTF-8 without BOM when encoded)."""
    view = {f.name: getattr(profile, f.name) for f in fields(profile)}
    view["host_name"] = profile.display_name
    return _template().render(p=view)
