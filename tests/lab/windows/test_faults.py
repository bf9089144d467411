"""Every injectable desktop fault, as a real pywinrm client experiences it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from test_agent import CORE, doc, msi, profile_file
from windows_lab_support import WindowsLab, run_agent, start_windows_lab, stop_windows_lab
from winrm.exceptions import InvalidCredentialsError, WinRMOperationTimeoutError

from homeshift.lab.control import LabControlError

pytestmark = pytest.mark.lab


@pytest.fixture(scope="module")
def fault_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WindowsLab]:
    lab_dir = tmp_path_factory.mktemp("windows-faults")
    lab = start_windows_lab(lab_dir, slot=1, desktops=9, https=False, reboot_s=1.0)
    try:
        yield lab
    finally:
        stop_windows_lab(lab, lab_dir)


@pytest.fixture
def faulty(fault_lab: WindowsLab, request: pytest.FixtureRequest) -> Iterator[Any]:
    """inject(i, fault, **params); every fault is cleared after the test."""
    touched: list[str] = []

    def inject(i: int, fault: str, **params: Any) -> dict[str, Any]:
        touched.append(fault_lab.name(i))
        result: dict[str, Any] = fault_lab.call(
            "inject_fault", host=fault_lab.name(i), fault=fault, **params
        )
        return result

    yield inject
    for name in touched:
        fault_lab.call("clear_faults", host=name)


def test_unreachable_refuses_connections_until_cleared(fault_lab: WindowsLab, faulty: Any) -> None:
    faulty(0, "unreachable")
    with pytest.raises(requests.exceptions.ConnectionError):
        fault_lab.session(0).run_cmd("hostname")
    fault_lab.call("clear_faults", host=fault_lab.name(0))
    assert fault_lab.session(0).run_cmd("hostname").status_code == 0


def test_auth_401_rejects_good_credentials(fault_lab: WindowsLab, faulty: Any) -> None:
    faulty(1, "auth_401")
    with pytest.raises(InvalidCredentialsError):
        fault_lab.session(1).run_cmd("hostname")
    assert fault_lab.session(2).run_cmd("hostname").status_code == 0  # only that desktop


def test_slow_receive_delays_each_receive(fault_lab: WindowsLab, faulty: Any) -> None:
    faulty(2, "slow_receive", delay_s=1.0)
    started = time.monotonic()
    result = fault_lab.session(2).run_cmd("hostname")
    assert result.status_code == 0
    assert time.monotonic() - started >= 1.0


def test_hanging_receive_times_out_forever(fault_lab: WindowsLab, faulty: Any) -> None:
    faulty(3, "hanging_receive")
    protocol = fault_lab.protocol(3, operation_timeout_sec=1, read_timeout_sec=3)
    shell = protocol.open_shell()
    command = protocol.run_command(shell, "hostname")
    for _ in range(2):
        with pytest.raises(WinRMOperationTimeoutError):
            protocol.get_command_output_raw(shell, command)
    protocol.close_shell(shell)


def test_msi_1618_for_the_next_k_installs(fault_lab: WindowsLab, faulty: Any) -> None:
    faulty(4, "msi_1618", count=2)
    codes = []
    for _ in range(3):
        result, _err, _code = run_agent(fault_lab, 4, doc(msi(CORE)))
        assert result is not None
        codes.append(result["results"][0]["exit_code"])
    assert codes == [1618, 1618, 0]


def test_msi_1603_with_log_excerpt(fault_lab: WindowsLab, faulty: Any) -> None:
    faulty(5, "msi_1603")
    result, _err, code = run_agent(fault_lab, 5, doc(msi(CORE)))
    assert code == 1
    assert result is not None
    entry = result["results"][0]
    assert entry["exit_code"] == 1603
    assert "Return value 3" in entry["log_excerpt"]


def test_disk_full_fails_installs_and_file_writes(fault_lab: WindowsLab, faulty: Any) -> None:
    faulty(6, "disk_full")
    check = {"id": "disk", "type": "compliance", "check": "free_disk_gb_min", "gb": 10}
    result, _err, code = run_agent(fault_lab, 6, doc(msi(CORE), profile_file(), check))
    assert code == 1
    assert result is not None
    installer, profile, disk = result["results"]
    assert installer["exit_code"] == 1603
    assert "Out of disk space" in installer["log_excerpt"]
    assert profile["error"] == "There is not enough space on the disk."
    assert (disk["compliant"], disk["observed"]) == (False, 0.0)
    fault_lab.call("clear_faults", host=fault_lab.name(6))
    assert fault_lab.call("desktop", host=fault_lab.name(6))["volumes"]["C:"]["free_gb"] > 0


def test_reboot_midway_drops_the_run_and_comes_back(fault_lab: WindowsLab, faulty: Any) -> None:
    faulty(7, "reboot_midway", down_s=1.5)
    with pytest.raises(requests.exceptions.ConnectionError):
        run_agent(fault_lab, 7, doc(msi(CORE), profile_file()))
    with pytest.raises(requests.exceptions.ConnectionError):
        fault_lab.session(7).run_cmd("hostname")  # still rebooting
    deadline = time.monotonic() + 10
    while True:
        try:
            assert fault_lab.session(7).run_cmd("hostname").status_code == 0
            break
        except requests.exceptions.ConnectionError:
            assert time.monotonic() < deadline, "desktop did not come back"
            time.sleep(0.2)
    model = fault_lab.call("desktop", host=fault_lab.name(7))
    assert model["pending_reboot"] is True
    assert model["boot_count"] == 1
    assert model["facts"]["products"][0]["product_code"] == CORE.product_code
    assert (
        "C:\\ProgramData\\Cisco\\Cisco Secure Client\\VPN\\Profile\\corp.xml"
        not in (model["files"])
    )


def test_unknown_fault_is_refused(fault_lab: WindowsLab) -> None:
    with pytest.raises(LabControlError, match="unknown fault 'meteor'"):
        fault_lab.call("inject_fault", host=fault_lab.name(0), fault="meteor")
    with pytest.raises(LabControlError, match="no desktop 'NOPE'"):
        fault_lab.call("inject_fault", host="NOPE", fault="auth_401")


def _wait_until_back(lab: WindowsLab, i: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            lab.session(i).run_cmd("hostname")
            return
        except requests.exceptions.ConnectionError:
            assert time.monotonic() < deadline, "desktop did not come back"
            time.sleep(0.2)


def test_shutdown_restart_completes_a_pending_reboot(fault_lab: WindowsLab) -> None:
    name = fault_lab.name(8)
    fault_lab.call("mutate", host=name, action="set_pending_reboot", value=True)
    boot_time = "(Get-CimInstance -ClassName Win32_OperatingSystem).LastBootUpTime.ToFileTime()"
    before = fault_lab.session(8).run_ps(boot_time).std_out
    assert fault_lab.session(8).run_cmd("shutdown", ["/r", "/t", "0"]).status_code == 0
    time.sleep(0.8)
    with pytest.raises(requests.exceptions.ConnectionError):
        fault_lab.session(8).run_cmd("hostname")
    _wait_until_back(fault_lab, 8)
    assert fault_lab.session(8).run_ps(boot_time).std_out != before
    assert fault_lab.call("desktop", host=name)["pending_reboot"] is False


def test_reset_returns_a_desktop_to_its_office_default(fault_lab: WindowsLab) -> None:
    name = fault_lab.name(0)
    fault_lab.call("mutate", host=name, action="stop_service", name="Spooler")
    assert fault_lab.call("desktop", host=name)["services"]["Spooler"]["status"] == "Stopped"
    assert fault_lab.call("reset", host=name) == {"reset": [name]}
    model = fault_lab.call("desktop", host=name)
    assert model["services"]["Spooler"]["status"] == "Running"
    assert model["materialised"] is False
