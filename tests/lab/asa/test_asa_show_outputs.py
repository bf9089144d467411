"""Show-command outputs parse with ntc-templates and report what the emulator holds."""

from __future__ import annotations

from collections.abc import Iterator
from ipaddress import IPv4Address

import pytest
from asa_lab_support import RAVPN_LINES, AsaLab, cluster_lines, start_asa_lab

from homeshift.lab.control import call
from homeshift.lab.runtime import stop_lab

pytestmark = pytest.mark.lab


@pytest.fixture(scope="module")
def vpn_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AsaLab]:
    """Two clustered headends with RA-VPN config and 30 connected users."""
    lab_dir = tmp_path_factory.mktemp("asa-show")
    lab = start_asa_lab(lab_dir, headends=2, model="ASAv10")
    try:
        for i, name in enumerate(["asa-01", "asa-02"]):
            pool = f"ip local pool POOL-A 10.{90 + i}.0.1-10.{90 + i}.0.100 mask 255.255.255.0"
            with lab.connect(name) as conn:
                conn.send_config_set([pool, *RAVPN_LINES[1:], *cluster_lines(10 - i)])
        result = call(lab_dir, "asa.connect_users", count=30)
        assert result["placement"] == {"asa-01": 15, "asa-02": 15}
        yield lab
    finally:
        stop_lab(lab_dir)


def test_show_version_parses(vpn_lab: AsaLab) -> None:
    with vpn_lab.connect("asa-01") as conn:
        parsed = conn.send_command("show version", use_textfsm=True)
        raw = conn.send_command("show version")
    assert isinstance(parsed, list), parsed
    assert parsed[0]["hostname"] == "asa-01"
    assert parsed[0]["model"] == "ASAv10"
    assert parsed[0]["version"] == "9.16(4)"
    assert parsed[0]["serial"][0].startswith("9A")
    assert "Total VPN Peers                   : 250" in raw
    assert "AnyConnect Premium Peers          : 250" in raw


def test_show_vpn_sessiondb_parses(vpn_lab: AsaLab) -> None:
    with vpn_lab.connect("asa-02") as conn:
        parsed = conn.send_command("show vpn-sessiondb", use_textfsm=True)
        summary = conn.send_command("show vpn-sessiondb summary")
    row = parsed[0]
    assert row["vpn_session_name"][0] == "AnyConnect Client"
    assert row["vpn_session_active"][0] == "15"
    assert row["total_active_and_inactive"] == "15"
    assert row["device_total_vpn_capacity"] == "250"
    assert row["device_load_percent"] == "6"  # 15 / 250
    assert "VPN Session Summary" in summary


def test_show_vpn_sessiondb_anyconnect_parses(vpn_lab: AsaLab) -> None:
    with vpn_lab.connect("asa-01") as conn:
        parsed = conn.send_command("show vpn-sessiondb anyconnect", use_textfsm=True)
    assert len(parsed) == 15
    for session in parsed:
        assert session["tunnel_group"] == "TG-HOME"
        assert session["group_policy"] == "GP-HOME"
        assert (
            IPv4Address("10.90.0.1")
            <= IPv4Address(session["assigned_ip"])
            <= IPv4Address("10.90.0.100")
        )
    assert len({s["assigned_ip"] for s in parsed}) == 15
    assert len({s["username"] for s in parsed}) == 15


def test_show_running_config_tunnel_group_parses(vpn_lab: AsaLab) -> None:
    with vpn_lab.connect("asa-01") as conn:
        parsed = conn.send_command("show running-config tunnel-group", use_textfsm=True)
    assert parsed[0]["name"] == "TG-HOME"
    assert parsed[0]["type"] == "remote-access"
    assert parsed[0]["ipv4_pool_name"] == "POOL-A"
    assert parsed[0]["group_policy"] == "GP-HOME"
    assert parsed[0]["webvpn_grp_alias"] == ["HOME"]


def test_show_ip_local_pool_counts(vpn_lab: AsaLab) -> None:
    with vpn_lab.connect("asa-01") as conn:
        out = conn.send_command("show ip local pool POOL-A")
    row = out.splitlines()[1].split()
    assert row[:3] == ["10.90.0.1", "10.90.0.100", "255.255.255.0"]
    assert row[3:] == ["85", "0", "15"]  # free, held, in use


def test_show_vpn_load_balancing_marks_director(vpn_lab: AsaLab) -> None:
    with vpn_lab.connect("asa-02") as conn:
        out = conn.send_command("show vpn load-balancing")
    assert "Enabled    Backup" in out
    lines = out.splitlines()
    master = next(line for line in lines if line.startswith("Master"))
    assert master.split()[1] == "10" and master.endswith("198.51.100.10")
    assert any(line.endswith("198.51.100.11*") for line in lines)


def test_show_cpu_clock_and_sessions_op(vpn_lab: AsaLab) -> None:
    with vpn_lab.connect("asa-01") as conn:
        cpu = conn.send_command("show cpu usage")
        clock = conn.send_command("show clock")
    assert cpu.startswith("CPU utilization for 5 seconds = ")
    assert " UTC " in clock
    stats = call(vpn_lab.lab_dir, "asa.sessions")["members"]["asa-01"]
    assert stats["active"] == 15 and stats["peak"] == 15 and stats["limit"] == 100
    assert stats["cpu_percent"] == int(cpu.split("= ")[1].split("%")[0])


def test_show_interface_ip_brief_parses(vpn_lab: AsaLab) -> None:
    with vpn_lab.connect("asa-02") as conn:
        parsed = conn.send_command("show interface ip brief", use_textfsm=True)
        nameif = conn.send_command("show nameif")
    rows = {row["interface"]: row for row in parsed}
    assert rows["GigabitEthernet0/0"]["ip_address"] == "198.51.100.11"
    assert rows["GigabitEthernet0/0"]["status"] == "up"
    assert rows["Management0/0"]["status"] == "administratively down"
    assert "GigabitEthernet0/1       inside                   100" in nameif
