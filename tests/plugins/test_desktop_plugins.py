"""desktop_state and filters as Ansible runs them, no lab: bad input fails clearly, per host."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "collections"))

from ansible.errors import AnsibleFilterError  # noqa: E402
from ansible_collections.homeshift.core.plugins.filter.anyconnect_profile import (  # noqa: E402
    anyconnect_profile,
    anyconnect_profile_path,
)
from ansible_collections.homeshift.core.plugins.filter.vpn_client_resources import (  # noqa: E402
    vpn_client_resources_filter,
)

PACKAGES: dict[str, Any] = {
    "5.1.4.74": {
        "folder": "cisco\\secure-client\\5.1.4.74",
        "service": "csc_vpnagent",
        "core": {
            "file": "core.msi",
            "product_code": "{BE8F3867-5727-5EDC-8E72-452069ABBE61}",
            "display_name": "Cisco Secure Client - AnyConnect VPN",
        },
        "sbl": {
            "file": "sbl.msi",
            "product_code": "{9775FF37-7161-508F-9A5C-3AFB4668B4C1}",
            "display_name": "Cisco Secure Client - Start Before Login",
        },
    }
}


def test_vpn_client_resources_core_first_with_stop_on_error() -> None:
    resources = vpn_client_resources_filter(
        PACKAGES, "5.1.4.74", "\\\\fs01\\deploy\\", True, False, ["LOCKDOWN=1"]
    )
    assert [r["id"] for r in resources] == ["vpn-core", "vpn-sbl", "vpn-agent-service"]
    assert resources[0]["stop_on_error"] is True
    assert resources[1]["stop_on_error"] is False
    assert resources[0]["source"] == "\\\\fs01\\deploy\\cisco\\secure-client\\5.1.4.74\\core.msi"
    assert resources[0]["arguments"] == ["/qn", "/norestart", "LOCKDOWN=1"]
    assert resources[2] == {
        "id": "vpn-agent-service",
        "type": "service",
        "name": "csc_vpnagent",
        "state": "running",
        "start_mode": "auto",
        "stop_on_error": False,
    }
    without_sbl = vpn_client_resources_filter(PACKAGES, "5.1.4.74", "\\\\fs01\\d", False)
    assert [r["id"] for r in without_sbl] == ["vpn-core", "vpn-agent-service"]


def test_unknown_version_is_a_filter_error_naming_the_known_ones() -> None:
    with pytest.raises(
        AnsibleFilterError, match=r"'9\.9' is not in the package table.*5\.1\.4\.74"
    ):
        vpn_client_resources_filter(PACKAGES, "9.9", "\\\\fs01\\d")


def test_profile_filters() -> None:
    xml = anyconnect_profile({"cluster_address": "vpn.example.com"})
    assert "<HostAddress>vpn.example.com</HostAddress>" in xml
    with pytest.raises(AnsibleFilterError, match="cluster_address is required"):
        anyconnect_profile({"cluster_address": ""})
    with pytest.raises(AnsibleFilterError, match="mapping"):
        anyconnect_profile("vpn.example.com")  # type: ignore[arg-type]
    assert anyconnect_profile_path("5.1.4.74", "a.xml").endswith("\\VPN\\Profile\\a.xml")


PLAYBOOK = """
- name: Bad input
  hosts: desks
  gather_facts: false
  tasks:
    - name: Apply
      homeshift.core.desktop_state:
        resources: "{{ desk_resources }}"
"""

INVENTORY = """
desks:
  hosts:
    desk-basic-http:
      ansible_host: 127.0.0.1
      ansible_port: 5985
      ansible_winrm_transport: basic
      ansible_password: Very-Secret-1
      desk_resources: [{type: service, id: s, name: csc_vpnagent}]
    desk-bad-resource:
      ansible_host: 127.0.0.1
      ansible_winrm_transport: ntlm
      desk_resources: [{type: service, id: s, name: csc_vpnagent}, {type: teleport, id: t}]
"""


def test_bad_input_fails_each_host_clearly_without_connecting(tmp_path: Path) -> None:
    out, code = _ansible_playbook(tmp_path, PLAYBOOK, INVENTORY)
    assert code == 2, out
    assert "desk-basic-http: 127.0.0.1: Basic authentication over plain HTTP" in out
    assert "desk-bad-resource: resource #2 ('t'): unknown type 'teleport'" in out
    assert "Very-Secret-1" not in out
    assert "Traceback" not in out
    summary = json.dumps(out.count("failed=1"))
    assert summary == "2"


ROLE_PLAYBOOK = """
- name: Bad role variables
  hosts: desks
  gather_facts: false
  tasks:
    - name: Converge
      ansible.builtin.import_role:
        name: homeshift.core.desktop_remote
        rolespec_validate: false
"""

ROLE_INVENTORY = """
desks:
  vars:
    ansible_host: 127.0.0.1
    ansible_port: 1
    ansible_winrm_scheme: https
    ansible_winrm_transport: basic
    ansible_password: Very-Secret-2
    homeshift_vpn_cluster_address: vpn.example.com
  hosts:
    desk-not-a-bool:
      homeshift_vpn_install_sbl: perhaps
    desk-unknown-version:
      homeshift_vpn_client_version: "9.9"
    desk-no-cluster:
      homeshift_vpn_cluster_address: ""
    desk-bad-choice:
      homeshift_compliance_network_adapter: carrier-pigeon
"""


def test_role_variables_are_checked_per_host_before_connecting(tmp_path: Path) -> None:
    """from_role_vars: the role's argument spec applies per host, errors name host and variable."""
    out, code = _ansible_playbook(tmp_path, ROLE_PLAYBOOK, ROLE_INVENTORY)
    assert code == 2, out
    assert "desk-not-a-bool: desktop_remote role variables:" in out
    assert "homeshift_vpn_install_sbl" in out and "bool" in out
    assert "desk-unknown-version: VPN client version '9.9' is not in the package table" in out
    assert "desk-no-cluster: VPN profile: cluster_address is required" in out
    assert "desk-bad-choice: desktop_remote role variables:" in out and "carrier-pigeon" in out
    assert out.count("failed=1") == 4
    assert "cannot connect" not in out  # nothing was sent: every host failed before connecting
    assert "Very-Secret-2" not in out
    assert "Traceback" not in out


def _ansible_playbook(tmp_path: Path, playbook: str, inventory: str) -> tuple[str, int]:
    """Run ``playbook`` against ``inventory`` (YAML texts); output and exit code."""
    (tmp_path / "pb.yml").write_text(playbook)
    (tmp_path / "inv.yml").write_text(inventory)
    env = {
        **os.environ,
        "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"),
        "ANSIBLE_LOCAL_TEMP": str(tmp_path / "tmp"),
        "ANSIBLE_HOME": str(tmp_path / "home"),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_STDOUT_CALLBACK": "default",
    }
    proc = subprocess.run(
        [
            str(Path(sys.executable).parent / "ansible-playbook"),
            "-i",
            str(tmp_path / "inv.yml"),
            str(tmp_path / "pb.yml"),
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return proc.stdout + proc.stderr, proc.returncode


PREFLIGHT_PLAYBOOK = """
- name: Preflight
  hosts: desks
  gather_facts: false
  tasks:
    - name: Read the desktop and record the verdict
      homeshift.core.desktop_facts:
        preflight: true
      vars:
        homeshift_winrm_connection_retries: 2
        homeshift_winrm_connection_retry_delay: 0.1
    - name: Show the verdict
      ansible.builtin.debug:
        msg: "VERDICT {{ inventory_hostname }} {{ homeshift_preflight.values() | join(' ') }}"
"""


def test_preflight_records_the_verdict_instead_of_failing(tmp_path: Path) -> None:
    closed_port = (
        "\n    desk-closed-port: {ansible_host: 127.0.0.1, ansible_port: 1,"
        " ansible_user: u, ansible_password: p}\n"
    )
    out, code = _ansible_playbook(
        tmp_path, PREFLIGHT_PLAYBOOK, INVENTORY.rstrip("\n") + closed_port
    )
    assert code == 0, out
    assert "VERDICT desk-basic-http failed" in out
    assert "VERDICT desk-closed-port unreachable" in out
    assert "(after 2 attempts)" in out  # homeshift_winrm_connection_retries applied
    assert out.count("failed=0") == 3 and "unreachable=1" not in out
    assert "Very-Secret-1" not in out


def test_a_bad_retry_variable_is_a_verdict_naming_it(tmp_path: Path) -> None:
    playbook = PREFLIGHT_PLAYBOOK.replace(
        "      vars:\n        homeshift_winrm_connection_retries: 2\n"
        "        homeshift_winrm_connection_retry_delay: 0.1\n",
        "",
    )
    inventory = (
        "desks:\n  hosts:\n    desk-bad-retries: {ansible_host: 127.0.0.1, ansible_port: 1,"
        " ansible_user: u, ansible_password: p, homeshift_winrm_connection_retries: many}\n"
        "    desk-bad-threshold: {ansible_host: 127.0.0.1, ansible_port: 1,"
        " ansible_user: u, ansible_password: p, homeshift_compliance_free_disk_gb_min: lots}\n"
    )
    out, code = _ansible_playbook(tmp_path, playbook, inventory)
    assert code == 0, out
    assert (
        "VERDICT desk-bad-retries failed desk-bad-retries: homeshift_winrm_connection_retries:"
        in out
    )
    # the preflight thresholds are the role's variables, checked against its argument spec
    # before anything is sent (port 1 would otherwise make the verdict "unreachable")
    assert (
        "VERDICT desk-bad-threshold failed desk-bad-threshold: desktop_remote role variables:"
        in out
    )
    assert "homeshift_compliance_free_disk_gb_min" in out and "float" in out
    assert "Traceback" not in out
