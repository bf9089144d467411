"""On the ASA lab: the asa:// testinfra backend and headend suite, then load -> wave lights.

Two headends in a load-balancing cluster (750 licensed peers each, plan budget 80% = 600).
Users connected through the lab's cluster director push load up; the waves that depend on the
cluster turn yellow (fits without headroom) and red (does not fit / over the load threshold).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import netmiko
import pytest
import testinfra
import yaml
from typer.testing import CliRunner

from homeshift.cli import app
from homeshift.lab.control import LabControlError
from homeshift.lab.runtime import LabHandle, start_lab, stop_lab
from homeshift.lab.spec import LabSpec
from homeshift.readiness import Light, Thresholds, WaveDemand, assess_wave_capacity
from homeshift.readiness_inputs import lab_headend_loads
from homeshift.verify.asa import cluster_member, free_capacity, tunnel_group_present

pytestmark = [pytest.mark.lab, pytest.mark.slow]

HOMESHIFT = Path(sys.executable).with_name("homeshift")
PORT = 2222


def address_offset(attempt: int) -> int:
    """Per xdist worker, away from the other suites' ASA blocks; another attempt moves 2,000 on
    when a concurrent test session on the same machine holds the addresses."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    number = int(worker[2:]) if worker[2:].isdigit() else 0
    return 50_000 + attempt * 2_000 + number * 50


def config_lines(name: str, priority: int) -> list[str]:
    pool = f"HS-POOL-{name.upper()}"
    return [
        f"ip local pool {pool} 10.64.{priority}.1-10.64.{priority + 3}.254 mask 255.255.252.0",
        "group-policy GP-HOME internal",
        "group-policy GP-HOME attributes",
        " vpn-tunnel-protocol ssl-client",
        f" address-pools value {pool}",
        "tunnel-group HOMESHIFT type remote-access",
        "tunnel-group HOMESHIFT general-attributes",
        f" address-pool {pool}",
        " default-group-policy GP-HOME",
        "webvpn",
        " enable outside",
        " anyconnect enable",
        "vpn load-balancing",
        " interface lbpublic outside",
        " interface lbprivate inside",
        f" priority {priority}",
        " cluster ip address 198.51.100.200",
        " cluster key lab-cluster-key",
        " participate",
    ]


def configure(h: dict[str, Any], lines: list[str]) -> None:
    with netmiko.ConnectHandler(
        device_type="cisco_asa",
        host=h["ansible_host"],
        port=PORT,
        username=h["ansible_user"],
        password=h["ansible_password"],
        secret=h["ansible_become_password"],
        conn_timeout=10,
    ) as conn:
        conn.send_config_set(lines)


@dataclass
class Lab:
    handle: LabHandle
    hosts: dict[str, dict[str, Any]]

    def spec(self, name: str) -> str:
        h = self.hosts[name]
        return f"asa://{h['ansible_user']}:{h['ansible_password']}@{h['ansible_host']}:{PORT}"


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    base = tmp_path_factory.mktemp("verify-asa-lab")
    for attempt in range(4):
        lab_dir = base / f"attempt-{attempt}"
        spec = {"headends": 2, "port": PORT, "address_offset": address_offset(attempt)}
        try:
            handle = start_lab(lab_dir, LabSpec(components={"asa": spec}))
            break
        except LabControlError:
            stop_lab(lab_dir)
            if attempt == 3:
                raise
    try:
        hosts = yaml.safe_load(handle.inventory.read_text())["all"]["children"]["headends"]["hosts"]
        for priority, (name, h) in enumerate(hosts.items(), start=5):
            configure(h, config_lines(name, priority * 4))
        yield Lab(handle, hosts)
    finally:
        stop_lab(lab_dir)


def test_asa_backend_reads_naturally(lab: Lab) -> None:
    host = testinfra.get_host(lab.spec("asa-01"))
    result = host.run("show vpn-sessiondb summary")
    assert result.rc == 0 and "Device Total VPN Capacity" in result.stdout
    assert host.run("show no-such-thing").rc == 1
    assert tunnel_group_present(host, "HOMESHIFT")
    assert cluster_member(host)
    assert free_capacity(host) == 750
    host.backend.close()


def test_headend_suite_and_wave_lights_follow_the_load(lab: Lab, tmp_path: Path) -> None:
    expect = tmp_path / "expect.yml"
    expect.write_text(
        yaml.safe_dump(
            {
                "headend": {
                    "tunnel_group": "HOMESHIFT",
                    "pools": {n: [f"HS-POOL-{n.upper()}"] for n in lab.hosts},
                    "cluster": True,
                    "load_threshold_pct": 80,
                }
            }
        )
    )

    def verify(out: str) -> tuple[int, dict[str, Any]]:
        results = tmp_path / f"{out}.json"
        done = subprocess.run(
            [
                str(HOMESHIFT),
                "verify",
                "-i",
                str(lab.handle.inventory),
                "--suite",
                "headend",
                "--expect",
                str(expect),
                "--results",
                str(results),
                "--junit",
                str(tmp_path / f"{out}.xml"),
            ],
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        for h in lab.hosts.values():
            assert h["ansible_password"] not in done.stdout + done.stderr
            assert h["ansible_become_password"] not in done.stdout + done.stderr
        return done.returncode, json.loads(results.read_text())["hosts"]

    waves = (WaveDemand(1, ("E1",), 460), WaveDemand(2, ("E2",), 100))
    lab.handle.call("asa.connect_users", count=700)  # ~350 per headend: budget 600 each
    code, hosts = verify("loaded")
    assert code == 0, hosts
    active = {name: hosts[name]["sessions"]["active"] for name in lab.hosts}
    assert sum(active.values()) == 700 and min(active.values()) > 0  # the director balanced
    assert hosts["asa-01"]["sessions"]["limit"] == 750
    assert hosts["asa-01"]["ok"] is True and hosts["asa-01"]["failures"] == []

    loads = lab_headend_loads(lab.handle.lab_dir)
    assert {h.name: h.active for h in loads} == active
    first, second = assess_wave_capacity(waves, loads, Thresholds())
    assert first.light is Light.YELLOW and "fits without headroom" in first.reasons[0]
    assert second.light is Light.RED
    assert "needs 560 sessions, cluster has 500 free" in second.reasons[0]

    # one headend over its threshold while the other has room: the wave is yellow, not red
    configure(lab.hosts["asa-02"], ["vpn-sessiondb max-anyconnect-premium-or-essentials-limit 400"])
    capped = {h.name: h for h in lab_headend_loads(lab.handle.lab_dir)}
    assert capped["asa-02"].limit == 400 and capped["asa-02"].load_pct > 80
    (small,) = assess_wave_capacity(
        (WaveDemand(1, ("E1",), 100),), tuple(capped.values()), Thresholds()
    )
    assert small.light is Light.YELLOW
    assert small.reasons == (
        f"headend asa-02 over its load threshold ({capped['asa-02'].load_pct:.0f}% > 80%); "
        "the cluster can rebalance",
    )

    results = tmp_path / "loaded.json"
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "employee_id,name,team,team_lead_email,site,operating_office,desktop,shift,consent_date\n"
        "E1,A B,T1,l@example.com,Berlin,BER-1,D1,06:00-14:30,2026-11-20\n"
        "E2,C D,T2,l@example.com,Berlin,BER-1,D2,06:00-14:30,2026-11-20\n"
    )
    plan = tmp_path / "plan.json"
    plan.write_text(
        json.dumps(
            {
                "version": 1,
                "waves": [
                    {"number": 1, "teams": ["T1"], "agents": ["E1"], "sessions": 460},
                    {"number": 2, "teams": ["T2"], "agents": ["E2"], "sessions": 100},
                ],
            }
        )
    )
    args = ["board", "--roster", str(roster), "--plan", str(plan)]
    board = CliRunner().invoke(app, [*args, "--verification", str(results), "--json"])
    assert board.exit_code == 0, board.output
    data = json.loads(board.stdout)
    assert [w["light"] for w in data["waves"]] == ["yellow", "red"]
    assert {a["employee_id"]: a["light"] for a in data["agents"]} == {"E1": "yellow", "E2": "red"}

    lab.handle.call("asa.connect_users", count=600)  # ~650 each: 87% > 80% on both
    # live lab counters: both headends over the threshold, nowhere to rebalance
    live = CliRunner().invoke(
        app, [*args, "--lab", str(lab.handle.lab_dir), "--json", "--max-red", "0"]
    )
    assert live.exit_code == 1  # everyone red: the gate closes
    data = json.loads(live.stdout)
    assert data["counts"]["red"] == 2
    assert [w["light"] for w in data["waves"]] == ["red", "red"]
    assert any(
        "asa-01 over its load threshold" in r and "no room to rebalance" in r
        for r in data["waves"][0]["reasons"]
    )
