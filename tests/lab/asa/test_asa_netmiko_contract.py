"""Emulator contract: real netmiko ``cisco_asa`` sessions against the ASA lab over SSH."""

from __future__ import annotations

import re

import pytest
from asa_lab_support import RAVPN_LINES, AsaLab, read_lab
from netmiko.exceptions import ConfigInvalidException, ReadTimeout

from homeshift.lab.control import call
from homeshift.lab.runtime import start_lab, stop_lab
from homeshift.lab.spec import LabSpec

pytestmark = pytest.mark.lab

ERROR_PATTERN = r"ERROR: .*|Removing .* not allowed.*"


def test_connect_with_secret_reaches_privileged_mode(asa_lab: AsaLab) -> None:
    with asa_lab.connect("asa-01") as conn:
        assert conn.find_prompt() == "asa-01#"
        curpriv = conn.send_command("show curpriv")
        assert "Current privilege level : 15" in curpriv
        assert "P_PRIV" in curpriv
        assert conn.send_command("show terminal").startswith("Width = 511")


def test_connect_without_secret_uses_login(asa_lab: AsaLab) -> None:
    with asa_lab.connect("asa-02", secret=False) as conn:
        assert conn.find_prompt() == "asa-02#"
        assert "Username : admin" in conn.send_command("show curpriv")


def test_wrong_enable_secret_fails_netmiko_enable(asa_lab: AsaLab) -> None:
    # the ASA answers "Invalid password" and asks again, so netmiko never sees "#"
    with pytest.raises((ValueError, ReadTimeout)):
        asa_lab.connect("asa-03", secret="not-the-secret", read_timeout_override=1.5)


def test_abbreviations_and_errors(asa_lab: AsaLab) -> None:
    with asa_lab.connect("asa-01") as conn:
        assert "Cisco Adaptive Security Appliance Software Version" in conn.send_command("sh ver")
        assert "hostname asa-01" in conn.send_command("sh run")
        assert 'Ambiguous command:  "c"' in conn.send_command("c")
        enable_again = conn.send_command("enable", expect_string=r"#")
        assert "ERROR: % Invalid input detected at '^' marker." in enable_again
        bogus = conn.send_command("show bogus-thing")
        lines = bogus.splitlines()
        caret = next(line for line in lines if line.strip() == "^")
        # the marker sits under the bad word, counted from the start of the prompt
        assert caret.index("^") == len("asa-01# show ")
        assert "Incomplete command" in conn.send_command("show ip local")


def test_user_mode_refuses_show_running_config(asa_lab: AsaLab) -> None:
    with asa_lab.connect("asa-02", secret=False) as conn:
        conn.send_command("disable", expect_string=r">")
        out = conn.send_command("show running-config", expect_string=r">")
        assert "Invalid input detected" in out
        conn.send_command("login", expect_string=r"Username:")
        conn.send_command(asa_lab.host("asa-02")["ansible_user"], expect_string="Password:")
        conn.write_channel(asa_lab.host("asa-02")["ansible_password"] + "\n")
        conn.read_until_pattern(r"asa-02#")


def test_send_config_set_ra_vpn_and_running_config(asa_lab: AsaLab) -> None:
    with asa_lab.connect("asa-01") as conn:
        conn.send_config_set(RAVPN_LINES, error_pattern=ERROR_PATTERN)
        running = conn.send_command("show running-config")
    assert "terminal width 511" in running  # netmiko's session preparation changes the config
    for line in (
        "ip local pool POOL-A 10.99.0.1-10.99.0.100 mask 255.255.255.0",
        "group-policy GP-HOME attributes",
        " vpn-tunnel-protocol ssl-client",
        "  anyconnect keep-installer installed",
        "tunnel-group TG-HOME general-attributes",
        " default-group-policy GP-HOME",
        " group-alias HOME enable",
        " anyconnect enable",
    ):
        assert line in running.splitlines()
    assert re.search(r"^username admin password \*{5} pbkdf2 privilege 15$", running, re.M)
    host = asa_lab.host("asa-01")
    assert host["ansible_password"] not in running
    assert host["ansible_become_password"] not in running


def test_error_pattern_raises_on_invalid_and_refused_lines(asa_lab: AsaLab) -> None:
    with asa_lab.connect("asa-01") as conn:
        with pytest.raises(ConfigInvalidException, match=r"no-such-command.*Invalid input"):
            conn.send_config_set(["no-such-command here"], error_pattern=ERROR_PATTERN)
        with pytest.raises(ConfigInvalidException, match="overlaps"):
            conn.send_config_set(
                ["ip local pool OVERLAP 10.99.0.50-10.99.0.60"], error_pattern=ERROR_PATTERN
            )
        with pytest.raises(ConfigInvalidException, match="not allowed, it is being used"):
            conn.send_config_set(["no ip local pool POOL-A"], error_pattern=ERROR_PATTERN)
        with pytest.raises(ConfigInvalidException, match="does not exist"):
            conn.send_config_set(
                ["tunnel-group TG-HOME general-attributes", " default-group-policy NOPE"],
                error_pattern=ERROR_PATTERN,
            )
        conn.exit_config_mode()
        # terminal width is a global configuration command on an ASA, not an exec one
        assert "Invalid input" in conn.send_command("terminal width 511")
        # clear configure removes a whole object
        conn.send_config_set(
            ["group-policy GP-TMP internal", "clear configure group-policy GP-TMP"],
            error_pattern=ERROR_PATTERN,
        )
        assert conn.send_command("show running-config group-policy GP-TMP").strip() == ""


def test_save_config_persists_across_lab_restart(tmp_path_factory: pytest.TempPathFactory) -> None:
    from asa_lab_support import start_asa_lab

    lab_dir = tmp_path_factory.mktemp("asa-restart")
    lab = start_asa_lab(lab_dir, headends=1)
    try:
        with lab.connect("asa-01") as conn:
            conn.send_config_set(
                ["ip local pool SAVED 10.50.0.1-10.50.0.10"], error_pattern=ERROR_PATTERN
            )
            saved = conn.save_config()
            assert "Building configuration..." in saved
            assert "[OK]" in saved
            conn.send_config_set(["ip local pool UNSAVED 10.60.0.1-10.60.0.10"])
            startup = conn.send_command("show startup-config")
            assert "ip local pool SAVED" in startup and "UNSAVED" not in startup
        startup_file = lab_dir / "asa" / "asa-01" / "startup-config"
        assert startup_file.stat().st_mode & 0o777 == 0o600
        assert (lab_dir / "inventory.yml").stat().st_mode & 0o777 == 0o600
        spec = LabSpec.read(lab_dir)
        stop_lab(lab_dir)
        start_lab(lab_dir, spec)
        lab = read_lab(lab_dir)
        with lab.connect("asa-01") as conn:
            running = conn.send_command("show running-config ip local pool")
        assert "ip local pool SAVED 10.50.0.1-10.50.0.10" in running
        assert "UNSAVED" not in running
        log = (lab_dir / "lab.log").read_text()
        host = lab.host("asa-01")
        assert host["ansible_password"] not in log
        assert host["ansible_become_password"] not in log
    finally:
        stop_lab(lab_dir)


def test_restart_control_op_reloads_one_headend(asa_lab: AsaLab) -> None:
    with asa_lab.connect("asa-03") as conn:
        conn.send_config_set(["hostname renamed"])
        assert conn.find_prompt() == "renamed#"
        result = call(asa_lab.lab_dir, "asa.restart", host="asa-03")
        assert result["ssh_connections_dropped"] == 1
        with pytest.raises((OSError, EOFError, ReadTimeout)):  # the reload cut this session
            conn.send_command("show clock", read_timeout=3)
    with asa_lab.connect("asa-03") as conn:
        assert conn.find_prompt() == "asa-03#"


def test_inventory_groups_and_vars(asa_lab: AsaLab) -> None:
    children = asa_lab.inventory["all"]["children"]
    assert sorted(children["headends"]["hosts"]) == ["asa-01", "asa-02", "asa-03"]
    assert sorted(children["spare_headends"]["hosts"]) == ["asa-04"]
    assert children["headends"]["vars"]["ansible_network_os"] == "asa"
    hosts = [asa_lab.host(f"asa-0{i}") for i in range(1, 5)]
    assert len({h["ansible_password"] for h in hosts}) == 4
    assert len({h["ansible_become_password"] for h in hosts}) == 4
    assert all(h["ansible_password"] != "cisco" for h in hosts)
    assert all(h["ansible_host"].startswith("127.1.") for h in hosts)
    assert hosts[0]["homeshift_lab_model"] == "ASAv30"
    assert hosts[0]["homeshift_lab_licensed_peers"] == 750
    assert hosts[2]["homeshift_lab_licensed_peers"] == 100  # per-headend override
    assert hosts[0]["homeshift_outside_ip"] == "198.51.100.10"
    with asa_lab.connect("asa-04") as conn:  # spares are reachable, unconfigured
        assert "tunnel-group" not in conn.send_command("show running-config")


def test_enable_secret_is_not_echoed(asa_lab: AsaLab) -> None:
    """Raw paramiko shell: commands are echoed, the enable secret typed at Password: is not."""
    secret = asa_lab.host("asa-01")["ansible_become_password"]
    shell = asa_lab.raw_shell("asa-01")
    try:
        shell.read_until("asa-01> ")
        shell.send("enable\n")
        assert shell.read_until("Password: ").endswith("enable\r\nPassword: ")
        shell.send(secret + "\n")
        shell.read_until("asa-01# ")
    finally:
        shell.close()
    assert secret not in shell.received.decode()


def test_pager_holds_long_output_until_a_key(asa_lab: AsaLab) -> None:
    """Without ``terminal pager 0`` the ASA pages at 24 lines: space, RETURN and q work."""
    shell = asa_lab.raw_shell("asa-02")
    try:
        shell.read_until("asa-02> ")
        shell.send("enable\n")
        shell.read_until("Password: ")
        shell.send(asa_lab.host("asa-02")["ansible_become_password"] + "\n")
        shell.read_until("asa-02# ")
        shell.send("show running-config\n")
        first = shell.read_until("<--- More --->")
        assert first.count("\r\n") == 25  # the echoed command line + 24 lines of output
        shell.send("\r")  # one more line
        one = shell.read_until("<--- More --->")
        assert one.count("\r\n") == 1
        shell.send(" ")  # the next page is the last one: it ends at the prompt
        rest = shell.read_until("asa-02# ")
        assert ": end\r\n" in rest and "More" not in rest and "\r\r\n" not in rest
        shell.send("show running-config\n")
        shell.read_until("<--- More --->")
        shell.send("q")  # q stops the output
        assert ": end" not in shell.read_until("asa-02# ")
        shell.send("terminal pager 0\n")
        shell.read_until("asa-02# ")
        shell.send("show running-config\n")
        assert "<--- More --->" not in shell.read_until(": end")
    finally:
        shell.close()


def test_running_config_op_masks_secrets(asa_lab: AsaLab) -> None:
    text = call(asa_lab.lab_dir, "asa.running_config", host="asa-01")
    host = asa_lab.host("asa-01")
    assert "hostname asa-01" in text and "enable password ***** pbkdf2" in text
    assert host["ansible_password"] not in text and host["ansible_become_password"] not in text


def test_bad_lab_options_fail_the_start_with_a_reason(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    from asa_lab_support import start_asa_lab

    from homeshift.lab.control import LabControlError

    lab_dir = tmp_path_factory.mktemp("asa-bad")
    with pytest.raises(LabControlError, match="unknown ASA model 'ASA9999'"):
        start_asa_lab(lab_dir, headends=1, model="ASA9999")
    with pytest.raises(LabControlError, match=r"overrides name unknown headends: \['asa-07'\]"):
        start_asa_lab(lab_dir, headends=1, overrides={"asa-07": {"licensed_peers": 5}})


def test_auto_address_offset_skips_blocks_in_use(tmp_path_factory: pytest.TempPathFactory) -> None:
    from asa_lab_support import TEST_PORT

    dirs = [tmp_path_factory.mktemp("asa-auto") for _ in range(2)]
    try:
        labs = []
        for lab_dir in dirs:
            spec = {"headends": 1, "port": TEST_PORT, "address_offset": "auto"}
            start_lab(lab_dir, LabSpec(components={"asa": spec}))
            labs.append(read_lab(lab_dir))
        first, second = (lab.host("asa-01")["ansible_host"] for lab in labs)
        assert first != second
        with labs[1].connect("asa-01") as conn:
            assert conn.find_prompt() == "asa-01#"
    finally:
        for lab_dir in dirs:
            stop_lab(lab_dir)


def test_typed_ahead_lines_are_echoed_after_the_previous_prompt(asa_lab: AsaLab) -> None:
    """Several lines in one write (netmiko's RETURN + command) read like a real session."""
    shell = asa_lab.raw_shell("asa-01")
    try:
        shell.read_until("asa-01> ")
        shell.send("\nshow curpriv\n\nshow clock\n")
        text = shell.read_until("UTC")
        shell.read_until("asa-01> ")
    finally:
        shell.close()
    assert text.startswith("\r\nasa-01> show curpriv\r\nUsername : enable_1\r\n")
    assert "P_UNPR\r\nasa-01> \r\nasa-01> show clock\r\n" in text
    assert "asa-01> asa-01>" not in shell.received.decode()
