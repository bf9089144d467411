"""Which MSI modules and service make up the VPN client of a given version.

The package table (version -> folder, service, module -> file/product_code/display_name) comes from
role variables: the lab share's values by default, the customer's share in a real rollout.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from homeshift.windows.resources import MsiPackage, Resource, ResourceError, Service

#: install order: the core VPN module first (the others need it), then SBL, then DART
MODULE_ORDER = ("core", "sbl", "dart")


def vpn_client_resources(
    packages: Mapping[str, Any],
    version: str,
    share: str,
    install_sbl: bool = True,
    install_dart: bool = False,
    msi_properties: Sequence[str] = (),
) -> list[Resource]:
    """MSI resources (core with stop_on_error) and the VPN agent service for ``version``."""
    entry = packages.get(str(version))
    if not isinstance(entry, Mapping):
        raise ResourceError(
            f"VPN client version {version!r} is not in the package table; known: {sorted(packages)}"
        )
    for key in ("folder", "service", "core"):
        if key not in entry:
            raise ResourceError(f"VPN client package table for {version}: {key!r} is missing")
    wanted = {"core": True, "sbl": install_sbl, "dart": install_dart}
    source_dir = f"{str(share).rstrip(chr(92))}\\{str(entry['folder']).strip(chr(92))}"
    resources: list[Resource] = []
    for module in MODULE_ORDER:
        if not wanted[module] or module not in entry:
            continue
        package = entry[module]
        try:
            resources.append(
                MsiPackage(
                    id=f"vpn-{module}",
                    product_code=str(package["product_code"]),
                    version=str(version),
                    display_name=str(package["display_name"]),
                    source=f"{source_dir}\\{package['file']}",
                    arguments=("/qn", "/norestart", *(str(p) for p in msi_properties)),
                    stop_on_error=module == "core",
                )
            )
        except (KeyError, TypeError) as exc:
            raise ResourceError(f"VPN client {version} module {module}: missing {exc}") from None
    resources.append(Service(id="vpn-agent-service", name=str(entry["service"])))
    return resources


def as_task_data(resources: Sequence[Resource]) -> list[dict[str, Any]]:
    """Resources as plain dicts accepted back by ``resources_from_list`` (Ansible task args)."""
    return [r.to_document() for r in resources]
