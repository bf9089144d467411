"""Each injectable fault, observed by a real netmiko client."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from asa_lab_support import AsaLab
from netmiko.exceptions import NetmikoAuthenticationException, ReadTimeout

from homeshift.lab.control import LabControlError, call

pytestmark = pytest.mark.lab


@pytest.fixture()
def fault(asa_lab: AsaLab) -> Iterator[object]:
    """Inject faults with ``fault(host, name, **params)``; cleared after the test."""
    hosts: set[str] = set()

    def inject(host: str, name: str, **params: object) -> object:
        hosts.add(host)
        return call(asa_lab.lab_dir, "asa.inject_fault", host=host, fault=name, **params)

    yield inject
    for host in hosts:
        call(asa_lab.lab_dir, "asa.clear_faults", host=host)


def test_auth_refused(asa_lab: AsaLab, fault) -> None:  # type: ignore[no-untyped-def]
    fault("asa-01", "auth_refused")
    with pytest.raises(NetmikoAuthenticationException):
        asa_lab.connect("asa-01")
    call(asa_lab.lab_dir, "asa.clear_faults", host="asa-01")
    with asa_lab.connect("asa-01") as conn:
        assert conn.find_prompt() == "asa-01#"


def test_drop_after_commands(asa_lab: AsaLab, fault) -> None:  # type: ignore[no-untyped-def]
    # netmiko's session preparation sends 7 non-empty lines (curpriv, enable, secret, pager,
    # configure terminal, terminal width, end); the connection dies after the 9th line
    fault("asa-02", "drop_after_commands", n=9)
    answered = 0
    with (
        pytest.raises(Exception) as excinfo,
        asa_lab.connect("asa-02", read_timeout_override=3) as conn,
    ):
        for _ in range(5):
            conn.send_command("show clock")
            answered += 1
    assert answered == 2
    assert not isinstance(excinfo.value, NetmikoAuthenticationException)


def test_slow_responses(asa_lab: AsaLab, fault) -> None:  # type: ignore[no-untyped-def]
    with asa_lab.connect("asa-03") as conn:
        started = time.monotonic()
        conn.send_command("show clock")
        fast = time.monotonic() - started
        fault("asa-03", "slow", delay_s=0.4)
        started = time.monotonic()
        conn.send_command("show clock")  # netmiko sends RETURN + command: two delayed lines
        slow = time.monotonic() - started
    assert slow >= 0.8 > fast


def test_reject_command(asa_lab: AsaLab, fault) -> None:  # type: ignore[no-untyped-def]
    fault(
        "asa-01",
        "reject_command",
        command=r"^tunnel-group ",
        message="ERROR: Command authorization failed",
    )
    with asa_lab.connect("asa-01") as conn:
        out = conn.send_config_set(["tunnel-group X type remote-access"])
        assert "ERROR: Command authorization failed" in out
        assert "tunnel-group X" not in conn.send_command("show running-config tunnel-group")


def test_write_memory_fails(asa_lab: AsaLab, fault) -> None:  # type: ignore[no-untyped-def]
    fault("asa-01", "write_memory_fails")
    with asa_lab.connect("asa-01") as conn:
        out = conn.save_config()
    assert "[FAILED]" in out and "[OK]" not in out


def test_anonymous_reporting_notice(asa_lab: AsaLab, fault) -> None:  # type: ignore[no-untyped-def]
    fault("asa-03", "anonymous_reporting_notice")
    # netmiko's own session preparation enters config mode and cannot answer the question
    with pytest.raises((ReadTimeout, ValueError)):
        asa_lab.connect("asa-03", read_timeout_override=1)
    # a client that answers it gets through, and is not asked again until a reload
    with asa_lab.connect("asa-03", allow_auto_change=False) as conn:
        out = conn.send_command_timing("configure terminal", last_read=0.5)
        assert "[Y]es, [N]o, [A]sk later:" in out
        out = conn.send_command_timing("n", last_read=0.5, strip_prompt=False)
        assert 'issue the command "call-home reporting anonymous"' in out
        assert out.strip().endswith("asa-03(config)#")
        conn.send_command_timing("end", last_read=0.3)
    with asa_lab.connect("asa-03") as conn:
        assert conn.find_prompt() == "asa-03#"


def test_unknown_fault_is_refused(asa_lab: AsaLab) -> None:
    with pytest.raises(LabControlError, match="unknown fault 'melt'"):
        call(asa_lab.lab_dir, "asa.inject_fault", host="asa-01", fault="melt")
    with pytest.raises(LabControlError, match="unknown headend"):
        call(asa_lab.lab_dir, "asa.inject_fault", host="asa-99", fault="slow")


def test_write_memory_delay_option(tmp_path_factory: pytest.TempPathFactory) -> None:
    from asa_lab_support import start_asa_lab

    from homeshift.lab.runtime import stop_lab

    lab_dir = tmp_path_factory.mktemp("asa-wrdelay")
    lab = start_asa_lab(lab_dir, headends=1, write_memory_delay_s=0.6)
    try:
        with lab.connect("asa-01") as conn:
            started = time.monotonic()
            out = conn.save_config()
            took = time.monotonic() - started
    finally:
        stop_lab(lab_dir)
    assert took >= 0.6
    copied = float(out.split("copied in ")[1].split()[0])
    assert 0.6 <= copied < took + 0.1


def test_login_banner_and_auto_enable(asa_lab: AsaLab, fault) -> None:  # type: ignore[no-untyped-def]
    fault("asa-02", "login_banner", text="Authorized access only. Disconnect now otherwise.")
    fault("asa-02", "auto_enable")
    shell = asa_lab.raw_shell("asa-02")
    try:
        first = shell.read_until("asa-02# ")  # lands privileged: no enable needed
    finally:
        shell.close()
    assert first.startswith("Authorized access only. Disconnect now otherwise.\r\n")
    # netmiko copes with both: check_enable_mode sees '#', the banner has no prompt character
    with asa_lab.connect("asa-02", secret=False) as conn:
        assert conn.find_prompt() == "asa-02#"
        assert "Username : admin" in conn.send_command("show curpriv")


def test_failover_prompt(asa_lab: AsaLab, fault) -> None:  # type: ignore[no-untyped-def]
    fault("asa-01", "failover_prompt", role="pri/act")
    with asa_lab.connect("asa-01") as conn:
        assert conn.find_prompt() == "asa-01/pri/act#"
        assert conn.base_prompt == "asa-01/pri/act"
        out = conn.send_config_set(["ip local pool FO-TEST 10.77.0.1-10.77.0.9"])
        assert "asa-01/pri/act(config)#" in out
        conn.send_config_set(["no ip local pool FO-TEST"])
