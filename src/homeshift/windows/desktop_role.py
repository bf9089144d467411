"""The ``desktop_remote`` role's variables -> the resources of one agent run (one source of truth).

Why Python and not Jinja in ``roles/desktop_remote/vars``: Ansible forks a worker per desktop and
compiles every Jinja template again in each fork; composing this list in Jinja cost about 100 ms of
controller CPU per desktop (more than the WinRM run itself), which alone put a no-op convergence of
16,000 desktops beyond 15 minutes on 2 cores (docs/benchmarks.md). The action plugin
``homeshift.core.desktop_state`` (``from_role_vars: true``) and ``homeshift verify
--expect-role`` both call :func:`role_resources`, so what is converged and what is verified cannot
drift apart.

``variables`` are the role's ``homeshift_*`` variables, already typed (the action plugin checks them
against ``roles/desktop_remote/meta/argument_specs.yml`` first).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from homeshift.windows.profile import ProfileError, VpnProfile, profile_path, render_profile
from homeshift.windows.resources import (
    BitLocker,
    ComplianceCheck,
    File,
    PowerSetting,
    RegistryValue,
    Resource,
    ResourceError,
)
from homeshift.windows.vpn_client import vpn_client_resources

#: the role's tag groups, in the order their resources are applied
GROUPS = ("vpn_client", "vpn_profile", "personalise", "compliance")

WINLOGON_KEY = "HKLM:\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon"

#: profile setting -> role variable (the rest come from homeshift_vpn_profile_extra)
_PROFILE_VARIABLES = {
    "cluster_address": "homeshift_vpn_cluster_address",
    "host_name": "homeshift_vpn_host_name",
    "backup_servers": "homeshift_vpn_backup_servers",
    "user_group": "homeshift_vpn_user_group",
    "start_before_logon": "homeshift_vpn_start_before_logon",
    "auto_connect_on_start": "homeshift_vpn_auto_connect",
}


def selected_groups(run_tags: Collection[str], skip_tags: Collection[str]) -> tuple[str, ...]:
    """The groups a run selects: by tag (``all`` = every group), minus the skipped ones.

    The single ``desktop_state`` task carries every group's tag, so Ansible runs it whenever one
    group is selected; this decides which groups contribute resources.
    """
    wanted = set(GROUPS) if "all" in run_tags else set(run_tags)
    return tuple(g for g in GROUPS if g in wanted and g not in skip_tags)


def _required(variables: Mapping[str, Any], name: str) -> Any:
    if name not in variables or variables[name] is None:
        raise ResourceError(f"{name} is not set")
    return variables[name]


def vpn_profile_settings(variables: Mapping[str, Any]) -> dict[str, Any]:
    """The VpnProfile settings of the role variables; ``homeshift_vpn_profile_extra`` wins."""
    settings = {key: variables.get(name) for key, name in _PROFILE_VARIABLES.items()}
    settings = {key: value for key, value in settings.items() if value is not None}
    return {**settings, **(variables.get("homeshift_vpn_profile_extra") or {})}


def _vpn_client(variables: Mapping[str, Any]) -> list[Resource]:
    return vpn_client_resources(
        _required(variables, "homeshift_vpn_packages"),
        str(_required(variables, "homeshift_vpn_client_version")),
        str(_required(variables, "homeshift_installer_share")),
        bool(variables.get("homeshift_vpn_install_sbl", True)),
        bool(variables.get("homeshift_vpn_install_dart", False)),
        [str(p) for p in variables.get("homeshift_vpn_msi_properties") or ()],
    )


def _vpn_profile(variables: Mapping[str, Any]) -> list[Resource]:
    version = str(_required(variables, "homeshift_vpn_client_version"))
    name = str(variables.get("homeshift_vpn_profile_name") or "homeshift.xml")
    try:
        xml = render_profile(VpnProfile.from_mapping(vpn_profile_settings(variables)))
        path = profile_path(version, name)
    except ProfileError as exc:
        raise ResourceError(str(exc)) from None
    return [File.from_text("vpn-profile", path, xml)]


def _personalise(variables: Mapping[str, Any]) -> list[Resource]:
    count = _required(variables, "homeshift_cached_logons_count")
    resources: list[Resource] = [
        RegistryValue("cached-logons", WINLOGON_KEY, "CachedLogonsCount", "string", str(count))
    ]
    power: Sequence[Mapping[str, Any]] = variables.get("homeshift_power_settings") or ()
    for index, item in enumerate(power):
        try:
            resources.append(PowerSetting(**item))
        except TypeError as exc:
            raise ResourceError(f"homeshift_power_settings item {index + 1}: {exc}") from None
    return resources


#: the role variables :func:`preflight_resources` reads (its thresholds)
PREFLIGHT_VARIABLES = ("homeshift_compliance_os_build_min", "homeshift_compliance_free_disk_gb_min")


def preflight_resources(variables: Mapping[str, Any]) -> tuple[Resource, ...]:
    """The checks a desktop must pass before its wave moves it: Windows build and free disk.

    The same two checks (same ids, same thresholds) as the role's ``compliance`` group, so the
    preflight of ``playbooks/wave.yml`` holds back exactly the desktops provisioning would turn
    red for these reasons - before the agent is moved, not after. Read-only. ``variables`` holds
    both :data:`PREFLIGHT_VARIABLES` (the role's argument spec supplies their defaults); a missing
    one is a KeyError, which :func:`role_resources` reports per group.
    """
    return (
        ComplianceCheck(
            "os-build", "os_build_min", build=int(variables["homeshift_compliance_os_build_min"])
        ),
        ComplianceCheck(
            "free-disk",
            "free_disk_gb_min",
            drive="C:",
            gb=float(variables["homeshift_compliance_free_disk_gb_min"]),
        ),
    )


def _compliance(variables: Mapping[str, Any]) -> list[Resource]:
    resources: list[Resource] = [
        *preflight_resources(variables),
        ComplianceCheck(
            "network-adapter",
            "network_adapter",
            kind=variables["homeshift_compliance_network_adapter"],
        ),
    ]
    if variables.get("homeshift_compliance_require_tpm"):
        resources.append(ComplianceCheck("tpm", "tpm_present"))
    if variables.get("homeshift_bitlocker_enforce"):
        resources.append(
            BitLocker(
                "bitlocker",
                mount_point="C:",
                encryption_method=variables["homeshift_bitlocker_encryption_method"],
            )
        )
    resources.append(
        ComplianceCheck("bitlocker-protected", "bitlocker_protected", mount_point="C:")
    )
    return resources


_BUILDERS = {
    "vpn_client": _vpn_client,
    "vpn_profile": _vpn_profile,
    "personalise": _personalise,
    "compliance": _compliance,
}


def role_resources(
    variables: Mapping[str, Any], groups: Collection[str] = GROUPS
) -> tuple[Resource, ...]:
    """The resources of the selected ``groups``, in :data:`GROUPS` order.

    Raises :class:`ResourceError` naming the variable or item that is wrong.
    """
    unknown = sorted(set(groups) - set(GROUPS))
    if unknown:
        raise ResourceError(f"unknown desktop_remote group(s) {unknown}; known: {list(GROUPS)}")
    resources: list[Resource] = []
    for group in GROUPS:
        if group in groups:
            try:
                resources.extend(_BUILDERS[group](variables))
            except KeyError as exc:
                raise ResourceError(f"{group}: {exc.args[0]} is not set") from None
    return tuple(resources)
