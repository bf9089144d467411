"""On the Windows lab: a converged desktop is green; break a service or the VPN profile -> red
with that reason, through playbooks/verify.yml -> `homeshift verify` (testinfra winrm://, JUnit,
results.json) -> `homeshift board`.

Four desktops: 0, 1 and 3 converged, 2 never; then 0 loses its VPN agent service and 1 gets a
changed VPN profile. ONE verification run (the playbook) covers every case.
"""

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
from typer.testing import CliRunner

from homeshift.cli import app
from homeshift.lab.control import LabControlError
from homeshift.lab.runtime import LabHandle, start_lab, stop_lab
from homeshift.lab.spec import LabSpec
from homeshift.windows.profile import VpnProfile, profile_path, render_profile
from homeshift.windows.provision import provision
from homeshift.windows.resources import Document, File, RegistryValue
from homeshift.windows.transport import PyWinRMTransport, WinRMSettings
from homeshift.windows.vpn_client import as_task_data, vpn_client_resources

pytestmark = [pytest.mark.lab, pytest.mark.slow]

REPO = Path(__file__).parents[2]
VERSION = "5.1.4.74"
WINLOGON = "HKLM:\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon"
ROSTER = """\
employee_id,name,team,team_lead_email,site,operating_office,desktop,shift,consent_date
E1,Anna Becker,BER-T1,lead@example.com,Berlin,BER-1,{d0},06:00-14:30,2026-11-20
E2,Ben Vogel,BER-T1,lead@example.com,Berlin,BER-1,{d1},06:00-14:30,2026-11-20
E3,Clara Wolf,BER-T2,lead@example.com,Berlin,BER-1,{d2},06:00-14:30,2026-11-20
"""


def address_offset(attempt: int) -> int:
    """This suite's band of the Windows block is 60,000-79,999 (docs in windows_lab_support):
    distinct per xdist worker; another attempt moves 5,000 on when a concurrent test session
    on the same machine holds the addresses."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    number = int(worker[2:]) if worker[2:].isdigit() else 0
    return 60_000 + attempt * 5_000 + number * 500


def start_verify_lab(base: Path) -> tuple[Path, LabHandle]:
    for attempt in range(4):
        lab_dir = base / f"attempt-{attempt}"
        spec = LabSpec(
            components={
                "windows": {
                    "desktops": 4,
                    "https": False,
                    "address_offset": address_offset(attempt),
                }
            },
            seed=5,
        )
        try:
            return lab_dir, start_lab(lab_dir, spec)
        except LabControlError:
            stop_lab(lab_dir)
            if attempt == 3:
                raise
    raise AssertionError("unreachable")


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
    lab_dir, handle = start_verify_lab(tmp_path_factory.mktemp("verify-lab"))
    try:
        group = yaml.safe_load(handle.inventory.read_text())["all"]["children"]["desktops"]
        resources = desired_resources()
        expect = lab_dir / "expect.yml"
        expect.write_text(yaml.safe_dump({"desktop": {"resources": resources}}))
        document = Document(tuple(_resources(resources)), gather_facts=False)
        # desktops 0, 1 and 3 are converged; 2 never is
        for index, (name, host_vars) in enumerate(group["hosts"].items()):
            if index == 2:
                continue
            settings = WinRMSettings.from_host_vars({**group["vars"], **host_vars}, name)
            outcome = provision(name, PyWinRMTransport(settings), document)
            assert not outcome.failed, outcome.msg
        yield Lab(handle, group["hosts"], group["vars"], expect, resources)
    finally:
        stop_lab(lab_dir)


def _resources(items: list[dict[str, Any]]) -> list[Any]:
    from homeshift.windows.resources import resources_from_list

    return list(resources_from_list(items))


def play(lab: Lab, out: Path, max_red: int, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env.update({"ANSIBLE_CONFIG": str(REPO / "ansible.cfg"), "NO_COLOR": "1"})
    return subprocess.run(
        [
            str(Path(sys.executable).with_name("ansible-playbook")),
            "-i",
            str(lab.handle.inventory),
            str(REPO / "playbooks/verify.yml"),
            "-e",
            f"homeshift_verify_expect={lab.expect}",
            "-e",
            f"homeshift_verify_out={out}",
            "-e",
            f"homeshift_max_red={max_red}",
            "-e",
            "homeshift_verify_limit=desktops",
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=REPO,
        env=env,
    )


@dataclass
class Run:
    strict: subprocess.CompletedProcess[str]
    out: Path
    hosts: dict[str, Any]


@pytest.fixture(scope="module")
def run(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    """Break two desktops, run the playbook once (max_red 0), restore the desktops."""
    d0, d1 = lab.names[:2]
    profile = next(r for r in lab.resources if r["id"] == "vpn-profile")
    lab.mutate(d0, "stop_service", name="csc_vpnagent")
    lab.mutate(d1, "set_file", path=profile["path"], content="<AnyConnectProfile/>\n")
    out = tmp_path_factory.mktemp("verify-out")
    try:
        strict = play(lab, out, 0)
        hosts = json.loads((out / "results.json").read_text())["hosts"]
        yield Run(strict, out, hosts)
    finally:
        lab.mutate(d0, "start_service", name="csc_vpnagent")
        lab.mutate(
            d1,
            "set_file",
            path=profile["path"],
            content=render_profile(VpnProfile(cluster_address="vpn.example.com")),
        )


def test_converged_desktop_is_green_broken_ones_are_red_with_the_reason(lab: Lab, run: Run) -> None:
    d0, d1, d2, d3 = lab.names
    profile = next(r for r in lab.resources if r["id"] == "vpn-profile")
    assert run.hosts[d3] == {"kind": "desktop", "ok": True, "failures": []}
    assert run.hosts[d0]["failures"] == ["service csc_vpnagent is Stopped (expected Running)"]
    (reason,) = run.hosts[d1]["failures"]
    assert reason.startswith(f"VPN profile {profile['path']} changed: line 1 is ")
    assert any("is not installed (expected 5.1.4.74)" in f for f in run.hosts[d2]["failures"])

    roster = run.out / "roster.csv"
    roster.write_text(ROSTER.format(d0=d0, d1=d1, d2=d3))
    board = CliRunner().invoke(
        app,
        [
            "board",
            "--roster",
            str(roster),
            "--verification",
            str(run.out / "results.json"),
            "--json",
        ],
    )
    assert board.exit_code == 0, board.output
    agents = {a["employee_id"]: a for a in json.loads(board.stdout)["agents"]}
    assert agents["E1"]["light"] == "red"
    assert (
        f"desktop {d0}: service csc_vpnagent is Stopped (expected Running)"
        in agents["E1"]["reasons"]
    )
    assert agents["E2"]["light"] == "red"
    assert agents["E3"]["reasons"] == ["not in any wave of the plan"]  # desktop green; no plan


def test_junit_names_the_failures_and_no_secret_leaks(lab: Lab, run: Run) -> None:
    junit = (run.out / "junit.xml").read_text()
    root = ET.fromstring(junit)  # noqa: S314 (written by this test run)
    suite = root.find("testsuite")
    assert suite is not None and int(suite.get("tests", 0)) == 16  # 4 areas x 4 desktops
    assert int(suite.get("failures", 0)) == 6  # d0 service, d1 file, d2 all four areas
    assert "service csc_vpnagent is Stopped (expected Running)" in junit
    for text in (
        junit,
        run.strict.stdout,
        run.strict.stderr,
        (run.out / "results.json").read_text(),
    ):
        assert lab.vars["ansible_password"] not in text


@pytest.mark.playbook
def test_verify_playbook_fails_when_red_exceeds_the_threshold(lab: Lab, run: Run) -> None:
    d0, d1, d2, _ = lab.names
    assert run.strict.returncode != 0, run.strict.stdout
    assert f"3 red (more than 0); failed hosts: {d0}, {d1}, {d2}" in run.strict.stdout
    lenient = play(lab, run.out, 3, "-e", "homeshift_verify_run=false")  # gate on the results
    assert lenient.returncode == 0, lenient.stdout + lenient.stderr
    assert "3 red (at most 3)" in lenient.stdout


def test_all_probes_of_a_desktop_travel_in_one_winrm_command(lab: Lab) -> None:
    import testinfra

    from homeshift.verify.desktop import check_desktop, load_expectations
    from homeshift.verify.inventory import load_targets

    name = lab.names[3]
    (target,) = load_targets(lab.handle.inventory, limit=name)
    before = lab.handle.call("windows.stats", host=name)["commands"]
    findings = check_desktop(testinfra.get_host(target.spec), load_expectations(lab.expect))
    after = lab.handle.call("windows.stats", host=name)["commands"]
    assert findings == []
    assert after - before == 1


def test_role_defaults_expect_exactly_what_the_lab_converged(lab: Lab, tmp_path: Path) -> None:
    """`--expect-role`: the inventory's homeshift_* vars + role defaults -> green when converged."""
    inventory = yaml.safe_load(lab.handle.inventory.read_text())
    inventory["all"]["children"]["desktops"]["vars"]["homeshift_vpn_cluster_address"] = (
        "vpn.example.com"
    )
    copy = tmp_path / "inventory.yml"
    copy.write_text(yaml.safe_dump(inventory))
    d3 = lab.names[3]
    done = subprocess.run(
        [
            str(Path(sys.executable).with_name("homeshift")),
            "verify",
            "-i",
            str(copy),
            "--expect-role",
            "--limit",
            d3,
            "--results",
            str(tmp_path / "results.json"),
        ],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["inventory"] == str(copy)
    assert results["hosts"] == {d3: {"kind": "desktop", "ok": True, "failures": []}}
    generated = yaml.safe_load((tmp_path / "results.expect.yml").read_text())
    assert {r["id"] for r in generated["desktop"]["resources"]} >= {"vpn-core", "vpn-profile"}
