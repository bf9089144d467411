"""On the Windows lab: a converged desktop is green; break a service or the VPN profile -> red
with that reason, through `homeshift verify` (testinfra winrm://, JUnit, results.json) and
`homeshift board`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from homeshift.lab.runtime import LabHandle, start_lab, stop_lab
from homeshift.lab.spec import LabSpec
from homeshift.verify.windows import powershell_command
from homeshift.windows.profile import VpnProfile, profile_path, render_profile
from homeshift.windows.provision import provision
from homeshift.windows.resources import Document, File, RegistryValue
from homeshift.windows.transport import PyWinRMTransport, WinRMSettings
from homeshift.windows.vpn_client import as_task_data, vpn_client_resources

pytestmark = [pytest.mark.lab, pytest.mark.slow]

REPO = Path(__file__).parents[2]
HOMESHIFT = Path(sys.executable).with_name("homeshift")
VERSION = "5.1.4.74"
WINLOGON = "HKLM:\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon"
ROSTER = """\
employee_id,name,team,team_lead_email,site,operating_office,desktop,shift,consent_date
E1,Anna Becker,BER-T1,lead@example.com,Berlin,BER-1,{d0},06:00-14:30,2026-11-20
E2,Ben Vogel,BER-T1,lead@example.com,Berlin,BER-1,{d1},06:00-14:30,2026-11-20
E3,Clara Wolf,BER-T2,lead@example.com,Berlin,BER-1,{d2},06:00-14:30,2026-11-20
"""


def address_offset() -> int:
    """Distinct loopback addresses per xdist worker (the Windows lab tests use 20000+)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    number = int(worker[2:]) if worker[2:].isdigit() else 0
    return 60_000 + number * 500


@dataclass
class Lab:
    handle: LabHandle
    hosts: dict[str, dict[str, Any]]
    vars: dict[str, Any]
    expect: Path
    resources: list[dict[str, Any]]

    @property
    def names(self) -> list[str]:
        return list(self.hosts)

    def mutate(self, host: str, action: str, **params: Any) -> None:
        self.handle.call("windows.mutate", host=host, action=action, **params)


def desired_resources() -> list[dict[str, Any]]:
    """What desktop_remote sends (role defaults: package table, profile, cached logons)."""
    defaults = yaml.safe_load((REPO / "roles/desktop_remote/defaults/main.yml").read_text())
    client = vpn_client_resources(
        defaults["homeshift_vpn_packages"], VERSION, defaults["homeshift_installer_share"]
    )
    profile = File.from_text(
        "vpn-profile",
        profile_path(VERSION, "homeshift.xml"),
        render_profile(VpnProfile(cluster_address="vpn.example.com")),
    )
    cached = RegistryValue("cached-logons", WINLOGON, "CachedLogonsCount", "string", "25")
    items = as_task_data([*client, profile, cached])
    return [{k: v for k, v in item.items() if k != "sha256"} for item in items]


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    lab_dir = tmp_path_factory.mktemp("verify-lab")
    spec = LabSpec(
        components={"windows": {"desktops": 3, "https": False, "address_offset": address_offset()}},
        seed=5,
    )
    handle = start_lab(lab_dir, spec)
    try:
        group = yaml.safe_load(handle.inventory.read_text())["all"]["children"]["desktops"]
        resources = desired_resources()
        expect = lab_dir / "expect.yml"
        expect.write_text(yaml.safe_dump({"desktop": {"resources": resources}}))
        document = Document(tuple(_resources(resources)), gather_facts=False)
        for name, host_vars in list(group["hosts"].items())[:2]:  # the third stays unconverged
            settings = WinRMSettings.from_host_vars({**group["vars"], **host_vars}, name)
            outcome = provision(name, PyWinRMTransport(settings), document)
            assert not outcome.failed, outcome.msg
        yield Lab(handle, group["hosts"], group["vars"], expect, resources)
    finally:
        stop_lab(lab_dir)


def _resources(items: list[dict[str, Any]]) -> list[Any]:
    from homeshift.windows.resources import resources_from_list

    return list(resources_from_list(items))


def verify(
    lab: Lab, out: Path, *extra: str
) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    results = out / "results.json"
    done = subprocess.run(
        [
            str(HOMESHIFT),
            "verify",
            "-i",
            str(lab.handle.inventory),
            "--expect",
            str(lab.expect),
            "--results",
            str(results),
            "--junit",
            str(out / "junit.xml"),
            "--suite",
            "desktop",
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
        cwd=out,
    )
    data = json.loads(results.read_text()) if results.exists() else {}
    return done, data


def test_converged_desktops_pass_and_the_unconverged_one_fails(lab: Lab, tmp_path: Path) -> None:
    done, data = verify(lab, tmp_path)
    d0, d1, d2 = lab.names
    assert done.returncode == 1, done.stdout + done.stderr  # d2 was never converged
    hosts = data["hosts"]
    assert hosts[d0] == {"kind": "desktop", "ok": True, "failures": []}
    assert hosts[d1]["ok"] is True
    assert hosts[d2]["ok"] is False
    assert any("is not installed (expected 5.1.4.74)" in f for f in hosts[d2]["failures"])
    assert lab.vars["ansible_password"] not in done.stdout + done.stderr
    assert lab.vars["ansible_password"] not in (tmp_path / "junit.xml").read_text()
    junit_root = ET.parse(tmp_path / "junit.xml").getroot()  # noqa: S314 (written by this test)
    suite = junit_root.find("testsuite")
    assert suite is not None and int(suite.get("tests", 0)) == 12  # 4 areas x 3 desktops
    assert int(suite.get("failures", 0)) >= 1


def test_stopped_service_and_changed_profile_turn_desktops_red(lab: Lab, tmp_path: Path) -> None:
    d0, d1, d2 = lab.names
    profile = next(r for r in lab.resources if r["id"] == "vpn-profile")
    lab.mutate(d0, "stop_service", name="csc_vpnagent")
    lab.mutate(d1, "set_file", path=profile["path"], content="<AnyConnectProfile/>\n")
    try:
        done, data = verify(lab, tmp_path, "--limit", f"{d0},{d1}")
        assert done.returncode == 1
        assert data["hosts"][d0]["failures"] == [
            "service csc_vpnagent is Stopped (expected Running)"
        ]
        (reason,) = data["hosts"][d1]["failures"]
        assert reason.startswith(f"VPN profile {profile['path']} changed: line 1 is ")
        junit = (tmp_path / "junit.xml").read_text()
        assert "service csc_vpnagent is Stopped (expected Running)" in junit

        roster = tmp_path / "roster.csv"
        roster.write_text(ROSTER.format(d0=d0, d1=d1, d2=d2))
        board = subprocess.run(
            [
                str(HOMESHIFT),
                "board",
                "--roster",
                str(roster),
                "--verification",
                str(tmp_path / "results.json"),
                "--json",
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert board.returncode == 0, board.stderr
        agents = {a["employee_id"]: a for a in json.loads(board.stdout)["agents"]}
        assert agents["E1"]["light"] == "red"
        assert (
            f"desktop {d0}: service csc_vpnagent is Stopped (expected Running)"
            in agents["E1"]["reasons"]
        )
        assert agents["E2"]["light"] == "red"
        assert agents["E3"]["light"] == "yellow"  # limited out: not verified in this run
    finally:
        lab.mutate(d0, "start_service", name="csc_vpnagent")
        lab.mutate(
            d1,
            "set_file",
            path=profile["path"],
            content=render_profile(VpnProfile(cluster_address="vpn.example.com")),
        )


def test_all_probes_of_a_desktop_travel_in_one_winrm_command(lab: Lab) -> None:
    import testinfra

    from homeshift.verify.desktop import check_desktop, load_expectations
    from homeshift.verify.inventory import load_targets

    name = lab.names[0]
    (target,) = load_targets(lab.handle.inventory, limit=name)
    before = lab.handle.call("windows.stats", host=name)["commands"]
    findings = check_desktop(testinfra.get_host(target.spec), load_expectations(lab.expect))
    after = lab.handle.call("windows.stats", host=name)["commands"]
    assert findings == []
    assert after - before == 1
    assert powershell_command("x").startswith("powershell.exe -NoProfile")
