# Copyright: homeshift contributors; Apache-2.0
"""Filters: the Cisco Secure Client / AnyConnect VPN profile XML - thin adapter.

The template and its validation live in ``homeshift.windows.profile`` (one source of truth).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ansible.errors import AnsibleFilterError

from homeshift.windows.profile import ProfileError, VpnProfile, profile_path, render_profile


def anyconnect_profile(settings: Mapping[str, Any]) -> str:
    """Render the profile XML from a mapping of VpnProfile settings."""
    if not isinstance(settings, Mapping):
        raise AnsibleFilterError("anyconnect_profile expects a mapping of profile settings")
    try:
        return render_profile(VpnProfile.from_mapping(settings))
    except ProfileError as exc:
        raise AnsibleFilterError(str(exc)) from None


def anyconnect_profile_path(version: str, file_name: str) -> str:
    """The profile folder of the client generation of ``version`` + ``file_name``."""
    try:
        return profile_path(str(version), str(file_name))
    except ProfileError as exc:
        raise AnsibleFilterError(str(exc)) from None


class FilterModule:
    def filters(self) -> dict[str, Callable[..., str]]:
        return {
            "anyconnect_profile": anyconnect_profile,
            "anyconnect_profile_path": anyconnect_profile_path,
        }
