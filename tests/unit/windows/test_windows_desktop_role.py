"""desktop_remote's variables -> resources: what the role's Jinja built, tag groups, errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from homeshift.windows.desktop_role import GROUPS, role_resources, selected_groups
from homeshift.windows.resources import ResourceError, resources_from_list
from homeshift.windows.vpn_client import as_task_data

REPO = Path(__file__).resolve().parents[3]
FIXTURE = Path(__file__).parent / "fixtures" / "role" / "jinja_role_resources.yml"
ROLE = REPO / "roles" / "desktop_remote"


def role_defaults(**overrides: Any) -> dict[str, Any]:
    defaults = yaml.safe_load((ROLE / "defaults" / "main.yml").read_text())
    return {**defaults, "homeshift_vpn_cluster_address": "vpn.homeshift.example", **overrides}


def test_role_defaults_give_exactly_what_the_former_jinja_composition_gave() -> None:
    expected = as_task_data(resources_from_list(yaml.safe_load(FIXTURE.read_text())))
    assert as_task_data(role_resources(role_defaults())) == expected


def test_argument_spec_defaults_match_role_defaults() -> None:
    """The plugin validates with the spec; defaults/main.yml must say the same (one behaviour)."""
    spec = yaml.safe_load((ROLE / "meta" / "argument_specs.yml").read_text())
    options = spec["argument_specs"]["main"]["options"]
    defaults = yaml.safe_load((ROLE / "defaults" / "main.yml").read_text())
    assert set(options) == set(defaults)
    for name, option in options.items():
        if "default" in option:
            assert option["default"] == defaults[name], name


@pytest.mark.parametrize(
    ("run_tags", "skip_tags", "expected"),
    [
        (["all"], [], GROUPS),
        (["vpn_profile"], [], ("vpn_profile",)),
        (["all"], ["compliance", "vpn_client"], ("vpn_profile", "personalise")),
        (["compliance", "vpn_client"], [], ("vpn_client", "compliance")),
        (["something_else"], [], ()),
    ],
)
def test_selected_groups_follow_tags(
    run_tags: list[str], skip_tags: list[str], expected: tuple[str, ...]
) -> None:
    assert selected_groups(run_tags, skip_tags) == expected


def test_groups_select_their_resources_in_order() -> None:
    ids = [r.id for r in role_resources(role_defaults(), ["compliance", "vpn_profile"])]
    assert ids[0] == "vpn-profile"
    assert ids[1:] == ["os-build", "free-disk", "network-adapter", "tpm", "bitlocker-protected"]


def test_switches_change_the_list() -> None:
    ids = [
        r.id
        for r in role_resources(
            role_defaults(
                homeshift_bitlocker_enforce=True,
                homeshift_compliance_require_tpm=False,
                homeshift_vpn_install_sbl=False,
                homeshift_vpn_install_dart=True,
                homeshift_power_settings=[],
            )
        )
    ]
    assert "bitlocker" in ids and "tpm" not in ids
    assert "vpn-sbl" not in ids and "vpn-dart" in ids
    assert not any(i.startswith("power-") for i in ids)


def test_profile_extra_overrides_and_reaches_the_xml() -> None:
    resources = role_resources(
        role_defaults(homeshift_vpn_profile_extra={"local_lan_access": True}), ["vpn_profile"]
    )
    xml = resources[0].content.decode()  # type: ignore[union-attr]
    assert '<LocalLanAccess UserControllable="false">true</LocalLanAccess>' in xml


@pytest.mark.parametrize(
    ("overrides", "groups", "message"),
    [
        ({"homeshift_vpn_cluster_address": ""}, ["vpn_profile"], "cluster_address is required"),
        ({"homeshift_vpn_client_version": "9.9"}, ["vpn_client"], "'9.9' is not in the package"),
        ({"homeshift_vpn_packages": None}, ["vpn_client"], "homeshift_vpn_packages is not set"),
        (
            {"homeshift_power_settings": [{"id": "p", "subgroup": "S", "ac": 0, "dc": 0}]},
            ["personalise"],
            "homeshift_power_settings item 1",
        ),
        ({}, ["teleport"], "unknown desktop_remote group"),
    ],
)
def test_bad_variables_raise_naming_the_variable(
    overrides: dict[str, Any], groups: list[str], message: str
) -> None:
    with pytest.raises(ResourceError, match=message):
        role_resources(role_defaults(**overrides), groups)


def test_missing_compliance_variable_is_named() -> None:
    variables = role_defaults()
    del variables["homeshift_compliance_os_build_min"]
    with pytest.raises(ResourceError, match="compliance: homeshift_compliance_os_build_min"):
        role_resources(variables, ["compliance"])
