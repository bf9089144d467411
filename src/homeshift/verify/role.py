"""Desktop expectations computed from the ``desktop_remote`` role's defaults and a host's vars.

The role's resources come from ``homeshift.windows.desktop_role.role_resources``, which is used
here too, so verification expects exactly what the role converges: VPN client MSIs and agent
service, the VPN profile (only when ``homeshift_vpn_cluster_address`` is set) and
``CachedLogonsCount``. Power settings and compliance checks are reported by the agent itself and
not verified here.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from homeshift.verify.desktop import ExpectationsError
from homeshift.windows import desktop_role
from homeshift.windows.resources import ResourceError
from homeshift.windows.vpn_client import as_task_data

#: roles/desktop_remote/defaults/main.yml in a checkout (src/homeshift/verify -> repo root)
ROLE_DEFAULTS = Path(__file__).resolve().parents[3] / "roles/desktop_remote/defaults/main.yml"
#: what verification checks; power settings and compliance are reported by the agent itself
VERIFIABLE = frozenset({"msi_package", "service", "file", "registry_value"})


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
    variables: dict[str, Any] = {
        **defaults,
        **{k: x for k, x in host_vars.items() if k.startswith("homeshift_")},
    }
    groups = ["vpn_client", "personalise"]
    if variables.get("homeshift_vpn_cluster_address"):
        groups.append("vpn_profile")
    try:
        resources = [
            r for r in desktop_role.role_resources(variables, groups) if r.type in VERIFIABLE
        ]
    except ResourceError as exc:
        raise ExpectationsError(f"host {host}: role variables: {exc}") from None
    return [{k: x for k, x in r.items() if k != "sha256"} for r in as_task_data(resources)]


def expectations_document(per_host: Mapping[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """``desktop.resources`` when every host expects the same, else ``desktop.hosts.<name>``."""
    lists = list(per_host.values())
    if lists and all(resources == lists[0] for resources in lists):
        return {"desktop": {"resources": lists[0]}}
    return {"desktop": {"hosts": {name: {"resources": r} for name, r in per_host.items()}}}
