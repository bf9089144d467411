"""The lab's installer share ``\\\\fs01\\deploy``: Cisco client MSIs every desktop can read.

The files are synthetic (a few hundred bytes each) but stable: names follow Cisco's pre-deploy
naming (windows.md §4.1), and the product codes are **lab values** (Cisco changes the ProductCode
with every version; these are generated once per package name, not Cisco's real GUIDs). Tests and
provisioning read this table instead of hard-coding codes or hashes.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

SHARE_ROOT = "\\\\fs01\\deploy"
_LAB_NAMESPACE = uuid.UUID("6f1d6c1e-2f51-4c36-9d0e-8d7c6a1b5e00")

#: uninstall-key parent used by the agent contract (64-bit view; WOW6432Node is not modelled)
UNINSTALL_KEY = "HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall"

SECURE_CLIENT_DIR = "C:\\Program Files (x86)\\Cisco\\Cisco Secure Client"
ANYCONNECT_DIR = "C:\\Program Files (x86)\\Cisco\\Cisco AnyConnect Secure Mobility Client"
SECURE_CLIENT_PROFILE_DIR = "C:\\ProgramData\\Cisco\\Cisco Secure Client\\VPN\\Profile"
ANYCONNECT_PROFILE_DIR = "C:\\ProgramData\\Cisco\\Cisco AnyConnect Secure Mobility Client\\Profile"


@dataclass(frozen=True, slots=True)
class MsiPackage:
    """One installer on the share and what installing it does to a desktop."""

    family: str  # "secure-client" (5.x) or "anyconnect" (4.x)
    module: str  # "core-vpn", "sbl" / "gina", "dart"
    version: str
    file_name: str
    display_name: str
    service: str | None  # service the MSI creates
    service_display_name: str | None
    installed_files: tuple[str, ...]
    requires_core: bool
    reboot_required: bool  # exit 3010 on every desktop
    size_mb: int

    @property
    def product_code(self) -> str:
        """Lab product code: a stable GUID per (family, module, version)."""
        name = f"{self.family}/{self.module}/{self.version}"
        return "{" + str(uuid.uuid5(_LAB_NAMESPACE, name)).upper() + "}"

    @property
    def unc_path(self) -> str:
        return f"{SHARE_ROOT}\\cisco\\{self.family}\\{self.version}\\{self.file_name}"

    @property
    def content(self) -> bytes:
        """The synthetic MSI bytes (stable, so their SHA-256 is stable)."""
        header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE compound file signature, as real MSIs
        body = f"homeshift lab MSI\n{self.file_name}\n{self.display_name}\n{self.version}\n"
        return header + body.encode() + bytes(range(256))

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest().upper()

    @property
    def uninstall_key(self) -> str:
        return f"{UNINSTALL_KEY}\\{self.product_code}"

    def as_dict(self) -> dict[str, object]:
        return {
            "family": self.family,
            "module": self.module,
            "version": self.version,
            "file_name": self.file_name,
            "unc_path": self.unc_path,
            "display_name": self.display_name,
            "product_code": self.product_code,
            "sha256": self.sha256,
            "service": self.service,
            "reboot_required": self.reboot_required,
        }


def _secure_client(version: str, module: str, reboot: bool = False) -> MsiPackage:
    names = {
        "core-vpn": "Cisco Secure Client - AnyConnect VPN",
        "sbl": "Cisco Secure Client - Start Before Login",
        "dart": "Cisco Secure Client - Diagnostics and Reporting Tool",
    }
    files = {
        "core-vpn": (
            f"{SECURE_CLIENT_DIR}\\vpnagent.exe",
            f"{SECURE_CLIENT_DIR}\\vpnui.exe",
            f"{SECURE_CLIENT_DIR}\\vpncli.exe",
            f"{SECURE_CLIENT_PROFILE_DIR}\\AnyConnectProfile.xsd",
        ),
        "sbl": (f"{SECURE_CLIENT_DIR}\\vpnplap64.dll",),
        "dart": (f"{SECURE_CLIENT_DIR}\\DART\\dartcli.exe",),
    }
    core = module == "core-vpn"
    return MsiPackage(
        family="secure-client",
        module=module,
        version=version,
        file_name=f"cisco-secure-client-win-{version}-{module}-predeploy-k9.msi",
        display_name=names[module],
        service="csc_vpnagent" if core else None,
        service_display_name="Cisco Secure Client - AnyConnect VPN Agent" if core else None,
        installed_files=files[module],
        requires_core=not core,
        reboot_required=reboot,
        size_mb=60 if core else 8,
    )


def _anyconnect(version: str, module: str) -> MsiPackage:
    core = module == "core-vpn"
    return MsiPackage(
        family="anyconnect",
        module=module,
        version=version,
        file_name=f"anyconnect-win-{version}-{module}-predeploy-k9.msi",
        display_name="Cisco AnyConnect Secure Mobility Client"
        if core
        else "Cisco AnyConnect Start Before Login Module",
        service="vpnagent" if core else None,
        service_display_name="Cisco AnyConnect Secure Mobility Agent" if core else None,
        installed_files=(f"{ANYCONNECT_DIR}\\vpnagent.exe", f"{ANYCONNECT_DIR}\\vpnui.exe")
        if core
        else (f"{ANYCONNECT_DIR}\\vpnplap64.dll",),
        requires_core=not core,
        reboot_required=False,
        size_mb=50 if core else 6,
    )


#: Every package on the share. The SBL module needs a reboot (exit 3010) in the lab.
PACKAGES: tuple[MsiPackage, ...] = (
    _secure_client("5.1.4.74", "core-vpn"),
    _secure_client("5.1.4.74", "sbl", reboot=True),
    _secure_client("5.1.4.74", "dart"),
    _secure_client("5.1.6.103", "core-vpn"),
    _secure_client("5.1.6.103", "sbl", reboot=True),
    _secure_client("5.1.6.103", "dart"),
    _anyconnect("4.10.08029", "core-vpn"),
    _anyconnect("4.10.08029", "gina"),
)

#: The version some desktops already run before the move.
LEGACY_ANYCONNECT = PACKAGES[6]

_BY_PATH: Mapping[str, MsiPackage] = {p.unc_path.lower(): p for p in PACKAGES}
_BY_CODE: Mapping[str, MsiPackage] = {p.product_code.upper(): p for p in PACKAGES}


def package_at(path: str) -> MsiPackage | None:
    """The package stored at a UNC path (case-insensitive), if any."""
    return _BY_PATH.get(path.lower())


def package_by_code(product_code: str) -> MsiPackage | None:
    return _BY_CODE.get(product_code.upper())


def find_package(family: str, module: str, version: str) -> MsiPackage:
    for package in PACKAGES:
        if (package.family, package.module, package.version) == (family, module, version):
            return package
    raise KeyError(f"no {family} {module} {version} on the lab share")


def share_files() -> dict[str, bytes]:
    """UNC path -> bytes for every file on the share."""
    return {p.unc_path: p.content for p in PACKAGES}


def share_manifest() -> list[dict[str, object]]:
    """The table as JSON-ready rows (``windows.share`` control operation)."""
    return [p.as_dict() for p in PACKAGES]
