"""The emulated Windows desktop: a mutable model materialised only when something changes it.

Thousands of desktops share one process, so a :class:`Desktop` holds just its index and hostname
until it is written to. Reads of an untouched desktop build its default state from the seed on the
fly (deterministic, a few dozen microseconds); the first write materialises that state and keeps
it. Only materialised desktops are persisted (``DIR/windows/desktops/<HOST>.json``).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from homeshift.lab.windows import share

DOMAIN = "corp.example.com"
MIN_SUPPORTED_BUILD = 19045  # Windows 10 22H2; a few lab desktops are below it

#: (caption, build, version) pool; the first entries are below MIN_SUPPORTED_BUILD
_OS_BELOW_MIN = (("Microsoft Windows 10 Enterprise", 19044, "21H2"),)
_OS_POOL = (
    ("Microsoft Windows 10 Enterprise", 19045, "22H2"),
    ("Microsoft Windows 11 Enterprise", 22621, "22H2"),
    ("Microsoft Windows 11 Enterprise", 22631, "23H2"),
    ("Microsoft Windows 11 Enterprise", 26100, "24H2"),
)

WINLOGON_KEY = "HKLM:\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon"
REBOOT_PENDING_KEY = (
    "HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Component Based Servicing\\RebootPending"
)

#: powercfg aliases -> GUIDs (windows.md §5.2 and powercfg /aliases)
POWER_ALIASES: dict[str, str] = {
    "SCHEME_BALANCED": "381b4222-f694-41f0-9685-ff5bb260df2e",
    "SCHEME_MIN": "8c5e7fda-e8bf-4a96-9a85-a6e23a8c635c",
    "SCHEME_MAX": "a1841308-3541-4fab-bc81-f71556f20b4a",
    "SUB_SLEEP": "238c9fa8-0aad-41ed-83f4-97be242c8f20",
    "STANDBYIDLE": "29f6c1db-86da-48c5-9fdb-f2b67b1f44da",
    "HIBERNATEIDLE": "9d7815a6-7ee4-497e-8888-515a05f02364",
    "SUB_VIDEO": "7516b95f-f776-4464-8c53-06167f40cc99",
    "VIDEOIDLE": "3c0bc021-c8a8-4e07-a973-6b14cbcb2b7e",
    "SUB_DISK": "0012ee47-9041-4b5d-9b77-535fba8b1442",
    "DISKIDLE": "6738e2c4-e8a5-4a42-b16a-e040e769756e",
    "SUB_BUTTONS": "4f971e89-eebd-4455-a8de-9e59040e7347",
    "LIDACTION": "5ca83367-6e45-459f-a27b-476b1d01c936",
    "PBUTTONACTION": "7648efa3-dd9c-4e3e-b566-50f929386280",
}
POWER_NAMES: dict[str, str] = {
    "SUB_SLEEP": "Sleep",
    "STANDBYIDLE": "Sleep after",
    "HIBERNATEIDLE": "Hibernate after",
    "SUB_VIDEO": "Display",
    "VIDEOIDLE": "Turn off display after",
    "SUB_DISK": "Hard disk",
    "DISKIDLE": "Turn off hard disk after",
    "SUB_BUTTONS": "Power buttons and lid",
    "LIDACTION": "Lid close action",
    "PBUTTONACTION": "Power button action",
}
#: Balanced defaults (seconds, or an action index) as (ac, dc)
_POWER_DEFAULTS: dict[tuple[str, str], tuple[int, int]] = {
    ("SUB_SLEEP", "STANDBYIDLE"): (1800, 900),
    ("SUB_SLEEP", "HIBERNATEIDLE"): (0, 0),
    ("SUB_VIDEO", "VIDEOIDLE"): (600, 300),
    ("SUB_DISK", "DISKIDLE"): (1200, 600),
    ("SUB_BUTTONS", "LIDACTION"): (1, 1),
    ("SUB_BUTTONS", "PBUTTONACTION"): (1, 1),
}

REG_KINDS = ("string", "expandstring", "dword", "qword", "multistring", "binary")
RegData = str | int | list[str]


class DesktopError(ValueError):
    """An operation on the model is invalid (bad path, unknown service, disk full ...)."""


@dataclass(slots=True)
class RegValue:
    name: str
    kind: str
    data: RegData


@dataclass(slots=True)
class RegKey:
    path: str  # canonical display form, "HKLM:\\SOFTWARE\\..."
    values: dict[str, RegValue] = field(default_factory=dict)  # lower name -> value


@dataclass(slots=True)
class Service:
    name: str
    display_name: str
    status: str  # "Running" | "Stopped"
    start_type: str  # "Automatic" | "Manual" | "Disabled"
    delayed: bool = False


@dataclass(slots=True)
class Volume:
    mount_point: str
    size_gb: float
    free_gb: float
    protection_status: str  # "On" | "Off"
    volume_status: str  # "FullyEncrypted" | "FullyDecrypted" | "EncryptionInProgress"
    encryption_percentage: int
    encryption_method: str  # "XtsAes128" | "XtsAes256" | "None"


@dataclass(slots=True)
class DesktopState:
    """Everything a desktop knows about itself; mutated by commands and the agent."""

    hostname: str
    domain: str
    os_caption: str
    build: int
    os_version: str
    adapters: list[dict[str, str]]
    tpm_present: bool
    volumes: dict[str, Volume]
    registry: dict[str, RegKey]  # lower canonical path -> key
    files: dict[str, tuple[str, bytes]]  # lower path -> (path, bytes)
    directories: dict[str, str]  # lower path -> path
    services: dict[str, Service]  # lower name -> service
    power: dict[str, list[int]]  # "SUB_SLEEP/STANDBYIDLE" -> [ac, dc]
    local_groups: dict[str, list[str]]
    pending_reboot: bool = False
    boot_count: int = 0

    # ---- registry -------------------------------------------------------------------------
    def reg_key(self, path: str) -> RegKey | None:
        return self.registry.get(canonical_reg_path(path).lower())

    def reg_key_exists(self, path: str) -> bool:
        lower = canonical_reg_path(path).lower()
        if lower == REBOOT_PENDING_KEY.lower():
            return self.pending_reboot
        if lower in self.registry:
            return True
        prefix = lower + "\\"
        return any(k.startswith(prefix) for k in self.registry)

    def reg_subkeys(self, path: str) -> list[str]:
        lower = canonical_reg_path(path).lower() + "\\"
        names = {
            key.path[len(lower) :].split("\\", 1)[0]
            for k, key in self.registry.items()
            if k.startswith(lower)
        }
        return sorted(names, key=str.lower)

    def reg_get(self, path: str, name: str) -> RegValue | None:
        key = self.reg_key(path)
        return None if key is None else key.values.get(name.lower())

    def reg_set(self, path: str, name: str, kind: str, data: RegData) -> None:
        if kind not in REG_KINDS:
            raise DesktopError(f"registry type {kind!r} is not one of {', '.join(REG_KINDS)}")
        canonical = canonical_reg_path(path)
        key = self.registry.setdefault(canonical.lower(), RegKey(canonical))
        key.values[name.lower()] = RegValue(name, kind, data)

    def reg_delete_value(self, path: str, name: str) -> bool:
        key = self.reg_key(path)
        return key is not None and key.values.pop(name.lower(), None) is not None

    def reg_delete_key(self, path: str) -> bool:
        lower = canonical_reg_path(path).lower()
        doomed = [k for k in self.registry if k == lower or k.startswith(lower + "\\")]
        for k in doomed:
            del self.registry[k]
        return bool(doomed)

    # ---- files ----------------------------------------------------------------------------
    def read_file(self, path: str) -> bytes | None:
        norm = normalise_path(path)
        if norm.startswith("\\\\"):
            package = share.package_at(norm)
            return None if package is None else package.content
        entry = self.files.get(norm.lower())
        return None if entry is None else entry[1]

    def is_directory(self, path: str) -> bool:
        norm = normalise_path(path).lower().rstrip("\\")
        if norm.startswith("\\\\"):
            return any(p.unc_path.lower().startswith(norm + "\\") for p in share.PACKAGES)
        if len(norm) == 2 and norm[1] == ":":
            return norm.upper() in self.volumes
        return norm in self.directories

    def write_file(self, path: str, data: bytes) -> None:
        norm = normalise_path(path)
        if norm.startswith("\\\\"):
            raise DesktopError(f"Access to the path '{path}' is denied.")
        drive = norm[:2].upper()
        volume = self.volumes.get(drive)
        if volume is None:
            raise DesktopError(f"Could not find a part of the path '{path}'.")
        old = self.files.get(norm.lower())
        grow_gb = (len(data) - (len(old[1]) if old else 0)) / 1024**3
        if volume.free_gb <= 0 or grow_gb > volume.free_gb:
            raise DesktopError("There is not enough space on the disk.")
        volume.free_gb = round(volume.free_gb - grow_gb, 6)
        self.files[norm.lower()] = (norm, data)
        self._add_parents(norm)

    def delete_file(self, path: str) -> bool:
        return self.files.pop(normalise_path(path).lower(), None) is not None

    def make_directory(self, path: str) -> None:
        norm = normalise_path(path).rstrip("\\")
        self.directories[norm.lower()] = norm
        self._add_parents(norm)

    def _add_parents(self, norm: str) -> None:
        parts = norm.split("\\")
        for end in range(2, len(parts)):
            parent = "\\".join(parts[:end])
            self.directories.setdefault(parent.lower(), parent)

    def file_sha256(self, path: str) -> str | None:
        data = self.read_file(path)
        return None if data is None else hashlib.sha256(data).hexdigest().upper()

    # ---- services, power, disks ------------------------------------------------------------
    def service(self, name: str) -> Service | None:
        return self.services.get(name.lower())

    def power_value(self, subgroup: str, setting: str) -> list[int]:
        key = f"{power_alias(subgroup)}/{power_alias(setting)}"
        value = self.power.get(key)
        if value is None:
            raise DesktopError(f'Invalid Parameters -- try "/?" for help ({subgroup} {setting})')
        return value

    def consume_disk(self, drive: str, gb: float) -> None:
        volume = self.volumes[drive.upper()]
        if volume.free_gb < gb:
            raise DesktopError("There is not enough space on the disk.")
        volume.free_gb = round(volume.free_gb - gb, 3)

    # ---- facts (the agent contract's "facts" object) ---------------------------------------
    def facts(self) -> dict[str, Any]:
        uninstall = canonical_reg_path(share.UNINSTALL_KEY).lower() + "\\"
        products = []
        for lower, key in sorted(self.registry.items()):
            if not lower.startswith(uninstall) or "\\" in lower[len(uninstall) :]:
                continue
            name = key.values.get("displayname")
            if name is not None and str(name.data).startswith("Cisco"):
                version = key.values.get("displayversion")
                products.append(
                    {
                        "product_code": key.path.rsplit("\\", 1)[1],
                        "display_name": name.data,
                        "display_version": None if version is None else version.data,
                    }
                )
        cached = self.reg_get(WINLOGON_KEY, "CachedLogonsCount")
        return {
            "hostname": self.hostname,
            "domain": self.domain,
            "os": {
                "caption": self.os_caption,
                "edition": "Enterprise",
                "build": self.build,
                "version": self.os_version,
            },
            "disks": [
                {"drive": v.mount_point, "size_gb": v.size_gb, "free_gb": round(v.free_gb, 1)}
                for v in self.volumes.values()
            ],
            "adapters": [dict(a) for a in self.adapters],
            "tpm": {
                "present": self.tpm_present,
                "ready": self.tpm_present,
                "version": "2.0" if self.tpm_present else None,
            },
            "bitlocker": [
                {
                    "mount_point": v.mount_point,
                    "protection_status": v.protection_status,
                    "volume_status": v.volume_status,
                    "encryption_percentage": v.encryption_percentage,
                }
                for v in self.volumes.values()
            ],
            "products": products,
            "services": [
                {"name": s.name, "state": s.status.lower(), "start_mode": start_mode_of(s)}
                for s in self.services.values()
                if s.name.lower() in ("vpnagent", "csc_vpnagent")
            ],
            "pending_reboot": self.pending_reboot,
            "cached_logons_count": None if cached is None else str(cached.data),
        }

    # ---- persistence ----------------------------------------------------------------------
    def to_json(self, with_file_bytes: bool = True) -> dict[str, Any]:
        files: dict[str, Any] = {}
        for path, data in self.files.values():
            if with_file_bytes:
                files[path] = base64.b64encode(data).decode()
            else:
                files[path] = {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
        return {
            "hostname": self.hostname,
            "domain": self.domain,
            "os": {"caption": self.os_caption, "build": self.build, "version": self.os_version},
            "adapters": self.adapters,
            "tpm_present": self.tpm_present,
            "volumes": {
                k: {
                    "size_gb": v.size_gb,
                    "free_gb": v.free_gb,
                    "protection_status": v.protection_status,
                    "volume_status": v.volume_status,
                    "encryption_percentage": v.encryption_percentage,
                    "encryption_method": v.encryption_method,
                }
                for k, v in self.volumes.items()
            },
            "registry": {
                key.path: {v.name: {"type": v.kind, "data": v.data} for v in key.values.values()}
                for key in self.registry.values()
            },
            "files": files,
            "directories": sorted(self.directories.values()),
            "services": {
                s.name: {
                    "display_name": s.display_name,
                    "status": s.status,
                    "start_type": s.start_type,
                    "delayed": s.delayed,
                }
                for s in self.services.values()
            },
            "power": self.power,
            "local_groups": self.local_groups,
            "pending_reboot": self.pending_reboot,
            "boot_count": self.boot_count,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DesktopState:
        state = cls(
            hostname=str(data["hostname"]),
            domain=str(data["domain"]),
            os_caption=str(data["os"]["caption"]),
            build=int(data["os"]["build"]),
            os_version=str(data["os"]["version"]),
            adapters=[dict(a) for a in data["adapters"]],
            tpm_present=bool(data["tpm_present"]),
            volumes={k: Volume(mount_point=k, **v) for k, v in dict(data["volumes"]).items()},
            registry={},
            files={},
            directories={},
            services={},
            power={k: [int(x) for x in v] for k, v in dict(data["power"]).items()},
            local_groups={k: list(v) for k, v in dict(data["local_groups"]).items()},
            pending_reboot=bool(data.get("pending_reboot", False)),
            boot_count=int(data.get("boot_count", 0)),
        )
        for path, values in dict(data["registry"]).items():
            canonical = canonical_reg_path(path)
            key = state.registry.setdefault(canonical.lower(), RegKey(canonical))
            for name, value in dict(values).items():
                key.values[name.lower()] = RegValue(name, value["type"], value["data"])
        for path, b64 in dict(data["files"]).items():
            state.files[path.lower()] = (path, base64.b64decode(b64))
        for path in data["directories"]:
            state.directories[path.lower()] = path
        for name, svc in dict(data["services"]).items():
            state.services[name.lower()] = Service(name=name, **svc)
        return state


def start_mode_of(service: Service) -> str:
    """The agent contract's start_mode vocabulary for a service."""
    if service.start_type == "Automatic":
        return "delayed" if service.delayed else "auto"
    return service.start_type.lower()


def power_alias(name: str) -> str:
    """Normalise a powercfg alias or GUID to its alias (``SUB_SLEEP``)."""
    upper = name.strip().upper()
    if upper in POWER_ALIASES:
        return upper
    for alias, guid in POWER_ALIASES.items():
        if guid == name.strip().lower():
            return alias
    raise DesktopError(f'Invalid Parameters -- try "/?" for help ({name})')


_HIVES = {
    "hklm": "HKLM:",
    "hkey_local_machine": "HKLM:",
    "hku": "HKU:",
    "hkey_users": "HKU:",
    "hkcu": "HKCU:",
    "hkey_current_user": "HKCU:",
}


def canonical_reg_path(path: str) -> str:
    """``HKEY_LOCAL_MACHINE\\Software\\X`` / ``Registry::HKLM\\...`` -> ``HKLM:\\Software\\X``."""
    text = path.strip().replace("/", "\\")
    if text.lower().startswith("registry::"):
        text = text[len("registry::") :]
    hive, _, rest = text.partition("\\")
    hive_name = _HIVES.get(hive.rstrip(":").lower())
    if hive_name is None:
        raise DesktopError(
            f"Cannot find drive. A drive with the name '{hive.rstrip(':')}' does not exist."
        )
    rest = "\\".join(part for part in rest.split("\\") if part)
    return f"{hive_name}\\{rest}" if rest else f"{hive_name}\\"


def normalise_path(path: str) -> str:
    """Windows file path with backslashes and no trailing separator (``C:\\`` stays)."""
    text = path.strip().replace("/", "\\")
    if text.startswith("\\\\"):
        return "\\\\" + "\\".join(p for p in text[2:].split("\\") if p)
    if len(text) >= 2 and text[1] == ":":
        drive = text[:2].upper()
        rest = "\\".join(p for p in text[2:].split("\\") if p)
        return f"{drive}\\{rest}" if rest else f"{drive}\\"
    raise DesktopError(f"Cannot find path '{path}' because it does not exist.")


# ---- the seed-driven default ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DesktopProfile:
    """The per-desktop random choices (small and immutable)."""

    os_caption: str
    build: int
    os_version: str
    size_gb: float
    free_gb: float
    wifi: bool
    tpm: bool
    bitlocker_on: bool
    legacy_anyconnect: bool
    reboot_on_install: bool
    cached_logons: str


def desktop_profile(seed: int, index: int) -> DesktopProfile:
    rng = random.Random(seed * 1_000_003 + index * 7919 + 17)
    below_min = rng.random() < 0.04
    caption, build, version = rng.choice(_OS_BELOW_MIN if below_min else _OS_POOL)
    size = rng.choice((237.9, 237.9, 476.3, 952.9))
    nearly_full = rng.random() < 0.05
    free = round(rng.uniform(0.4, 4.0) if nearly_full else rng.uniform(25.0, size * 0.7), 1)
    tpm = rng.random() >= 0.06
    return DesktopProfile(
        os_caption=caption,
        build=build,
        os_version=version,
        size_gb=size,
        free_gb=free,
        wifi=rng.random() < 0.6,
        tpm=tpm,
        bitlocker_on=tpm and rng.random() < 0.85,
        legacy_anyconnect=rng.random() < 0.2,
        reboot_on_install=rng.random() < 0.1,
        cached_logons=rng.choice(("10", "10", "10", "2", "0")),
    )


_BASE_SERVICES = (
    ("WinRM", "Windows Remote Management (WS-Management)", "Running", "Automatic", False),
    ("wuauserv", "Windows Update", "Running", "Manual", False),
    ("BITS", "Background Intelligent Transfer Service", "Running", "Automatic", True),
    ("Dnscache", "DNS Client", "Running", "Automatic", False),
    ("LanmanWorkstation", "Workstation", "Running", "Automatic", False),
    ("mpssvc", "Windows Defender Firewall", "Running", "Automatic", False),
    ("Spooler", "Print Spooler", "Running", "Automatic", False),
    ("W32Time", "Windows Time", "Running", "Manual", False),
    ("dot3svc", "Wired AutoConfig", "Stopped", "Manual", False),
)


def default_state(seed: int, index: int, hostname: str) -> DesktopState:
    """A fresh desktop as it sits in the office before the move."""
    p = desktop_profile(seed, index)
    adapters = [{"name": "Ethernet", "kind": "wired", "status": "Up"}]
    if p.wifi:
        adapters.append({"name": "Wi-Fi", "kind": "wireless", "status": "Disconnected"})
    on = p.bitlocker_on
    state = DesktopState(
        hostname=hostname,
        domain=DOMAIN,
        os_caption=p.os_caption,
        build=p.build,
        os_version=p.os_version,
        adapters=adapters,
        tpm_present=p.tpm,
        volumes={
            "C:": Volume(
                mount_point="C:",
                size_gb=p.size_gb,
                free_gb=p.free_gb,
                protection_status="On" if on else "Off",
                volume_status="FullyEncrypted" if on else "FullyDecrypted",
                encryption_percentage=100 if on else 0,
                encryption_method="XtsAes128" if on else "None",
            )
        },
        registry={},
        files={},
        directories={},
        services={
            name.lower(): Service(name, display, status, start, delayed)
            for name, display, status, start, delayed in _BASE_SERVICES
        },
        power={f"{s}/{k}": [ac, dc] for (s, k), (ac, dc) in _POWER_DEFAULTS.items()},
        local_groups={
            "Administrators": [
                "CORP\\Domain Admins",
                f"{hostname}\\Administrator",
                f"{hostname}\\hs-admin",
            ],
            "Users": ["CORP\\Domain Users"],
            "Remote Desktop Users": [],
        },
    )
    if p.wifi:
        state.services["wlansvc"] = Service("WlanSvc", "WLAN AutoConfig", "Running", "Automatic")
    state.reg_set(WINLOGON_KEY, "CachedLogonsCount", "string", p.cached_logons)
    state.reg_set(WINLOGON_KEY, "Shell", "string", "explorer.exe")
    state.reg_set(
        "HKLM:\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion",
        "CurrentBuild",
        "string",
        str(p.build),
    )
    state.reg_set(
        "HKLM:\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion",
        "EditionID",
        "string",
        "Enterprise",
    )
    state.reg_set(
        "HKLM:\\SOFTWARE\\Policies\\Microsoft\\Windows\\WindowsUpdate",
        "WUServer",
        "string",
        "http://wsus01.corp.example.com:8530",
    )
    state.reg_set(
        "HKLM:\\SOFTWARE\\Policies\\Microsoft\\Windows\\WindowsUpdate\\AU",
        "UseWUServer",
        "dword",
        1,
    )
    state.make_directory("C:\\Windows\\System32")
    state.make_directory("C:\\ProgramData")
    state.make_directory("C:\\Users\\Public")
    state.make_directory("C:\\Windows\\Temp")
    if p.legacy_anyconnect:
        install_package_effects(state, share.LEGACY_ANYCONNECT)
    return state


@functools.lru_cache(maxsize=512)
def _cached_default(seed: int, index: int, hostname: str) -> DesktopState:
    """Read-only defaults of recently used untouched desktops (a command reads several times)."""
    return default_state(seed, index, hostname)


def install_package_effects(state: DesktopState, package: share.MsiPackage) -> None:
    """What a successful MSI install leaves on the desktop (key, service, files)."""
    if package.family == "secure-client" and package.module == "core-vpn":
        # Secure Client 5 upgrades AnyConnect 4.x in place: the old core and its agent go away.
        for old in share.PACKAGES:
            if old.family == "anyconnect":
                remove_package_effects(state, old)
        for other in share.PACKAGES:  # one core version at a time
            if other.family == "secure-client" and other.module == "core-vpn" and other != package:
                remove_package_effects(state, other)
    key = package.uninstall_key
    state.reg_set(key, "DisplayName", "string", package.display_name)
    state.reg_set(key, "DisplayVersion", "string", package.version)
    state.reg_set(key, "Publisher", "string", "Cisco Systems, Inc.")
    state.reg_set(key, "UninstallString", "expandstring", f"MsiExec.exe /X{package.product_code}")
    state.reg_set(key, "WindowsInstaller", "dword", 1)
    if package.service:
        state.services[package.service.lower()] = Service(
            package.service, package.service_display_name or package.service, "Running", "Automatic"
        )
    for path in package.installed_files:
        data = f"{package.display_name} {package.version} {path.rsplit(chr(92), 1)[1]}\n".encode()
        state.files[path.lower()] = (path, data)
        state._add_parents(path)


def remove_package_effects(state: DesktopState, package: share.MsiPackage) -> bool:
    """Undo :func:`install_package_effects`; False when the product was not installed."""
    if not state.reg_key_exists(package.uninstall_key):
        return False
    state.reg_delete_key(package.uninstall_key)
    if package.service:
        still_needed = any(
            p.service == package.service and p != package and state.reg_key_exists(p.uninstall_key)
            for p in share.PACKAGES
        )
        if not still_needed:
            state.services.pop(package.service.lower(), None)
    for path in package.installed_files:
        state.files.pop(path.lower(), None)
    return True


# ---- the fleet -----------------------------------------------------------------------------


class Desktop:
    """One desktop: index and hostname always; state only once changed."""

    __slots__ = ("_state", "dirty", "hostname", "index", "seed")

    def __init__(self, index: int, hostname: str, seed: int) -> None:
        self.index = index
        self.hostname = hostname
        self.seed = seed
        self._state: DesktopState | None = None
        self.dirty = False

    @property
    def materialised(self) -> bool:
        return self._state is not None

    def view(self) -> DesktopState:
        """The state for reading; never mutate it (it may be a shared cached default)."""
        if self._state is not None:
            return self._state
        return _cached_default(self.seed, self.index, self.hostname)

    def edit(self) -> DesktopState:
        """The state for writing: materialised (and marked for persistence) on first use."""
        if self._state is None:
            self._state = default_state(self.seed, self.index, self.hostname)
        self.dirty = True
        return self._state

    def load(self, state: DesktopState) -> None:
        self._state = state

    def reset(self) -> None:
        """Back to the office default: the next read builds it from the seed again."""
        self._state = None
        self.dirty = False


def hostnames_from_roster(path: str | Path, limit: int | None) -> list[str]:
    """Desktop hostnames in roster row order (strict roster validation applies)."""
    from homeshift.roster import load_roster

    roster = load_roster(path)
    names = [agent.desktop for agent in roster.agents]
    return names if limit is None else names[:limit]


def generated_hostnames(count: int) -> list[str]:
    return [f"WS-D{i + 1:07d}" for i in range(count)]


def save_state(path: Path, state: DesktopState) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(state.to_json(), indent=1, sort_keys=True))
    tmp.replace(path)


def load_state(path: Path) -> DesktopState:
    return DesktopState.from_json(json.loads(path.read_text()))
