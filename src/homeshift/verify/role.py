"""Desktop expectations computed from the ``desktop_remote`` role's defaults and a host's vars.

The role builds its resource list with Jinja filters over the same core functions used here
(``vpn_client_resources``, ``anyconnect_profile``), so verification expects exactly what the role
converges: VPN client MSIs and agent service, the VPN profile (only when
``homeshift_vpn_cluster_address`` is set) and ``CachedLogonsCount``. Power settings and
compliance checks are reported by the agent itself and not verified here.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from homeshift.verify.desktop import ExpectationsError
from homeshift.windows.profile import ProfileError, VpnProfile, profile_path, render_profile
from homeshift.windows.resources import File, RegistryValue, Resource, ResourceError
from homeshift.windows.vpn_client import as_task_data, vpn_client_resources

#: roles/desktop_remote/defaults/main.yml in a checkout (src/homeshift/verify -> repo root)
ROLE_DEFAULTS = Path(__file__).resolve().parents[3] / "roles/desktop_remote/defaults/main.yml"
WINLOGON = "HKLM:\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon"


def load_role_defaults(path: Path = ROLE_DEFAULTS) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ExpectationsError(f"role defaults {path}: cannot read ({exc})") from exc
    if not isinstance(data, dict):
        raise ExpectationsError(f"role defaults {path}: not a mapping")
    return data


def role_resources(
    host: str, host_vars: Mapping[str, Any], defaults: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """The verifiable resources ``desktop_remote`` would send to ``host`` (contract form)."""
    v: dict[str, Any] = {
        **defaults,
        **{k: x for k, x in host_vars.items() if k.startswith("homeshift_")},
    }
    version = str(v["homeshift_vpn_client_version"])
    try:
        resources: list[Resource] = list(
            vpn_client_resources(
                v["homeshift_vpn_packages"],
                version,
                str(v["homeshift_installer_share"]),
                bool(v.get("homeshift_vpn_install_sbl", True)),
                bool(v.get("homeshift_vpn_install_dart", False)),
                [str(p) for p in v.get("homeshift_vpn_msi_properties") or []],
            )
        )
        if v.get("homeshift_vpn_cluster_address"):
            settings = {
                "cluster_address": v["homeshift_vpn_cluster_address"],
                "host_name": v.get("homeshift_vpn_host_name", ""),
                "backup_servers": v.get("homeshift_vpn_backup_servers") or [],
                "user_group": v.get("homeshift_vpn_user_group", ""),
                "start_before_logon": v.get("homeshift_vpn_start_before_logon", True),
                "auto_connect_on_start": v.get("homeshift_vpn_auto_connect", True),
                **(v.get("homeshift_vpn_profile_extra") or {}),
            }
            resources.append(
                File.from_text(
                    "vpn-profile",
                    profile_path(
                        version, str(v.get("homeshift_vpn_profile_name", "homeshift.xml"))
                    ),
                    render_profile(VpnProfile.from_mapping(settings)),
                )
            )
        resources.append(
            RegistryValue(
                "cached-logons",
                WINLOGON,
                "CachedLogonsCount",
                "string",
                str(v.get("homeshift_cached_logons_count", "10")),
            )
        )
    except (KeyError, ResourceError, ProfileError) as exc:
        raise ExpectationsError(f"host {host}: role variables: {exc}") from None
    return [{k: x for k, x in r.items() if k != "sha256"} for r in as_task_data(resources)]


def expectations_document(per_host: Mapping[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """``desktop.resources`` when every host expects the same, else ``desktop.hosts.<name>``."""
    lists = list(per_host.values())
    if lists and all(resources == lists[0] for resources in lists):
        return {"desktop": {"resources": lists[0]}}
    return {"desktop": {"hosts": {name: {"resources": r} for name, r in per_host.items()}}}
