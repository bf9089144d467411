# Copyright: homeshift contributors; Apache-2.0
"""Filter: the desktop_state resources that install a VPN client version - thin adapter."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ansible.errors import AnsibleFilterError

from homeshift.windows.resources import ResourceError
from homeshift.windows.vpn_client import as_task_data, vpn_client_resources


def vpn_client_resources_filter(
    packages: Mapping[str, Any],
    version: str,
    share: str,
    install_sbl: bool = True,
    install_dart: bool = False,
    msi_properties: Sequence[str] = (),
) -> list[dict[str, Any]]:
    try:
        resources = vpn_client_resources(
            packages, version, share, bool(install_sbl), bool(install_dart), list(msi_properties)
        )
    except ResourceError as exc:
        raise AnsibleFilterError(str(exc)) from None
    return as_task_data(resources)


class FilterModule:
    def filters(self) -> dict[str, Callable[..., list[dict[str, Any]]]]:
        return {"vpn_client_resources": vpn_client_resources_filter}
