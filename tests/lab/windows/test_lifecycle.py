"""Lab start options, inventory, roster hostnames and persistence across `lab down` / `lab up`."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
import requests
import winrm
from test_agent import CORE, doc, msi
from windows_lab_support import run_agent, start_windows_lab, stop_windows_lab

from homeshift.lab.control import LabControlError
from homeshift.roster import load_roster, write_roster
from homeshift.sample import generate_agents

pytestmark = pytest.mark.lab


def test_roster_inventory_persistence_across_restart(tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    write_roster(generate_agents(5, seed=3), roster)
    names = [agent.desktop for agent in load_roster(roster).agents]
    lab_dir = tmp_path / "lab"
    lab = start_windows_lab(lab_dir, slot=2, desktops=3, roster=str(roster), https=False)
    try:
        assert list(lab.hosts) == names[:3]
        assert lab.vars["ansible_connection"] == "winrm"
        assert lab.vars["ansible_winrm_transport"] == "ntlm"
        assert lab.vars["ansible_winrm_scheme"] == "http"
        assert lab.vars["ansible_user"] == "hs-admin"
        assert "ansible_winrm_ca_trust_path" not in lab.vars  # https is off in this lab
        users_file = lab_dir / "windows" / "ntlm-users"
        assert stat.S_IMODE(users_file.stat().st_mode) == 0o600
        result, _err, code = run_agent(lab, 0, doc(msi(CORE)))
        assert code == 0
        assert result is not None
        lab.call("mutate", host=names[1], action="stop_service", name="Spooler")
        password = lab.vars["ansible_password"]
    finally:
        stop_windows_lab(lab, lab_dir)
    saved = sorted(p.name for p in (lab_dir / "windows" / "desktops").glob("*.json"))
    assert saved == sorted([f"{names[0]}.json", f"{names[1]}.json"])  # only changed desktops
    assert password not in (lab_dir / "lab.log").read_text()

    lab = start_windows_lab(lab_dir, slot=2, desktops=3, roster=str(roster), https=False)
    try:
        assert lab.vars["ansible_password"] == password  # same lab folder, same credentials
        first = lab.call("desktop", host=names[0])
        assert first["facts"]["products"][0]["product_code"] == CORE.product_code
        second = lab.call("desktop", host=names[1])
        assert second["services"]["Spooler"]["status"] == "Stopped"
        third = lab.call("desktop", host=names[2])
        assert third["materialised"] is False
        again, _err, _code = run_agent(lab, 0, doc(msi(CORE)))
        assert again is not None
        assert again["changed"] is False
    finally:
        stop_windows_lab(lab, lab_dir)


def test_generated_hostnames_and_distinct_passwords(tmp_path: Path) -> None:
    first = start_windows_lab(tmp_path / "a", slot=3, desktops=2, https=False)
    try:
        assert list(first.hosts) == ["WS-D0000001", "WS-D0000002"]
        assert first.session(1).run_cmd("hostname").std_out == b"WS-D0000002\r\n"
        stats = first.call("stats")
        assert stats["per_desktop"]["WS-D0000002"]["http_requests"] == 8
        assert stats["desktops"] == 2
    finally:
        stop_windows_lab(first, tmp_path / "a")
    second = start_windows_lab(tmp_path / "b", slot=3, desktops=1, https=False)
    try:
        assert second.vars["ansible_password"] != first.vars["ansible_password"]
    finally:
        stop_windows_lab(second, tmp_path / "b")


def test_bad_roster_fails_the_start_with_the_row(tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    write_roster(generate_agents(2, seed=3), roster)
    text = roster.read_text().splitlines()
    text[2] = text[2].replace(text[2].split(",")[6], "NOT A HOSTNAME!")
    roster.write_text("\n".join(text) + "\n")
    with pytest.raises(LabControlError, match="row 3, column desktop"):
        start_windows_lab(tmp_path / "lab", slot=4, desktops=2, roster=str(roster))
    stop_windows_lab(None, tmp_path / "lab")


def test_auto_address_offset_moves_a_second_lab_to_a_free_band(tmp_path: Path) -> None:
    first = start_windows_lab(
        tmp_path / "one", slot=4, desktops=2, https=False, address_offset="auto"
    )
    try:
        second = start_windows_lab(
            tmp_path / "two", slot=4, desktops=2, https=True, address_offset="auto"
        )
        try:
            assert not {first.address(0), first.address(1)} & {second.address(0), second.address(1)}
            assert second.session(1, https=True).run_cmd("hostname").status_code == 0
            assert first.session(1).run_cmd("hostname").status_code == 0
        finally:
            stop_windows_lab(second, tmp_path / "two")
    finally:
        stop_windows_lab(first, tmp_path / "one")


def test_https_only_lab_has_no_plain_http_listener(tmp_path: Path) -> None:
    """https: only - one socket per desktop (16,000 fit in RLIMIT_NOFILE), inventory over HTTPS."""
    lab = start_windows_lab(tmp_path / "lab", slot=5, desktops=2, https="only")
    try:
        assert lab.vars["ansible_winrm_scheme"] == "https"
        assert lab.vars["ansible_port"] == lab.vars["homeshift_winrm_https_port"]
        assert lab.session(0, https=True).run_cmd("hostname").std_out.strip()
        plain = winrm.Session(
            f"http://{lab.address(0)}:5985/wsman",
            auth=(lab.vars["ansible_user"], lab.vars["ansible_password"]),
            transport="ntlm",
        )
        with pytest.raises(requests.exceptions.ConnectionError, match="refused"):
            plain.run_cmd("hostname")
    finally:
        stop_windows_lab(lab, tmp_path / "lab")
