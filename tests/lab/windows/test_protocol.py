"""WinRM wire protocol against the lab with the real pywinrm client (HTTP and HTTPS)."""

from __future__ import annotations

import base64
import time

import pytest
import requests
import winrm
from windows_lab_support import WindowsLab
from winrm.exceptions import InvalidCredentialsError, WinRMOperationTimeoutError, WSManFaultError

pytestmark = pytest.mark.lab


def test_run_cmd_hostname_over_http_ntlm_with_encryption(windows_lab: WindowsLab) -> None:
    before = windows_lab.call("stats", host=windows_lab.name(0))["http_requests"]
    result = windows_lab.session(0).run_cmd("hostname")
    assert result.status_code == 0
    assert result.std_out == f"{windows_lab.name(0)}\r\n".encode()
    after = windows_lab.call("stats", host=windows_lab.name(0))["http_requests"]
    assert after - before == 8  # 3 NTLM handshake + Create, Command, Receive, Signal, Delete


def test_messages_are_sealed_over_http(windows_lab: WindowsLab) -> None:
    """A plain SOAP body over HTTP is refused, as AllowUnencrypted=false does."""
    session = windows_lab.session(1, message_encryption="never")
    with pytest.raises(InvalidCredentialsError):
        session.run_cmd("hostname")


def test_run_ps_returns_json_and_clixml_errors(windows_lab: WindowsLab) -> None:
    session = windows_lab.session(1)
    ok = session.run_ps(
        "Get-Service -Name WinRM | Select-Object Name,Status,StartType | ConvertTo-Json"
    )
    assert ok.status_code == 0
    assert b'"Status": 4' in ok.std_out
    bad = session.run_ps("Foo-Bar")
    assert bad.status_code == 1
    assert b"The term 'Foo-Bar' is not recognized" in bad.std_err
    assert not bad.std_err.startswith(b"#< CLIXML")  # pywinrm cleaned the CLIXML it received


def test_https_ntlm_validates_the_lab_ca(windows_lab: WindowsLab) -> None:
    result = windows_lab.session(2, https=True, server_cert_validation="validate").run_cmd(
        "hostname"
    )
    assert result.std_out.strip() == windows_lab.name(2).encode()


def test_https_without_the_lab_ca_fails_validation(windows_lab: WindowsLab) -> None:
    session = windows_lab.session(2, https=True, ca_trust_path=None)
    with pytest.raises(requests.exceptions.SSLError):
        session.run_cmd("hostname")


def test_basic_over_https_works(windows_lab: WindowsLab) -> None:
    result = windows_lab.session(3, https=True, transport="ssl").run_cmd("whoami")
    assert result.status_code == 0
    assert result.std_out.strip().endswith(b"\\hs-admin")


def test_basic_over_plain_http_is_refused(windows_lab: WindowsLab) -> None:
    with pytest.raises(InvalidCredentialsError):
        windows_lab.session(3, transport="basic").run_cmd("hostname")


@pytest.mark.parametrize("https", [False, True])
def test_wrong_password_is_401(windows_lab: WindowsLab, https: bool) -> None:
    with pytest.raises(InvalidCredentialsError):
        windows_lab.session(0, https=https, password="not-the-password").run_cmd("hostname")


def test_unknown_shell_is_a_wsman_fault(windows_lab: WindowsLab) -> None:
    protocol = windows_lab.protocol(0)
    with pytest.raises(WSManFaultError) as info:
        protocol.run_command("11111111-2222-3333-4444-555555555555", "hostname")
    assert info.value.wsman_fault_code == 2150858843


def test_receive_without_output_times_out_then_completes(windows_lab: WindowsLab) -> None:
    """The agent bootstrap waits for stdin: Receive faults TimedOut until input ends."""
    protocol = windows_lab.protocol(0, operation_timeout_sec=1, read_timeout_sec=5)
    shell = protocol.open_shell()
    script = "$raw = [Console]::In.ReadToEnd()\n# ##HOMESHIFT-DOCUMENT##"
    encoded = base64.b64encode(script.encode("utf-16-le")).decode()
    command = protocol.run_command(shell, "powershell.exe", ["-EncodedCommand", encoded])
    started = time.monotonic()
    with pytest.raises(WinRMOperationTimeoutError):
        protocol.get_command_output_raw(shell, command)
    assert 0.9 <= time.monotonic() - started < 4
    protocol.send_command_input(shell, command, b"not the agent", end=True)
    _out, err, code = protocol.get_command_output(shell, command)
    assert code == 1
    assert b"StartIndex cannot be less than zero" in err
    protocol.cleanup_command(shell, command)
    protocol.close_shell(shell)


def test_ctrl_c_signal_and_delete_echo_relates_to(windows_lab: WindowsLab) -> None:
    protocol = windows_lab.protocol(1)
    shell = protocol.open_shell(codepage=65001)
    command = protocol.run_command(shell, "echo", ["%COMPUTERNAME%"])
    out, _err, code = protocol.get_command_output(shell, command)
    assert (out, code) == (f"{windows_lab.name(1)}\r\n".encode(), 0)
    # pywinrm asserts RelatesTo == MessageID on Signal and Delete
    protocol.cleanup_command(shell, command)
    protocol.close_shell(shell)
    with pytest.raises(WSManFaultError):
        protocol.run_command(shell, "hostname")  # the shell is gone


def test_large_output_spans_several_receives(windows_lab: WindowsLab) -> None:
    big = "x" * 150_000
    windows_lab.call(
        "mutate", host=windows_lab.name(2), action="set_file", path="C:\\Temp\\big.txt", content=big
    )
    result = windows_lab.session(2).run_ps("Get-Content -Raw -LiteralPath 'C:\\Temp\\big.txt'")
    assert result.status_code == 0
    assert result.std_out.rstrip(b"\r\n") == big.encode()


def test_unknown_cmd_exits_1_like_cmd_exe(windows_lab: WindowsLab) -> None:
    result = windows_lab.session(3).run_cmd("uname", ["-s"])
    assert result.status_code == 1
    assert b"'uname' is not recognized as an internal or external command" in result.std_err


def test_session_keeps_working_for_many_commands(windows_lab: WindowsLab) -> None:
    session = windows_lab.session(0)
    outputs = {session.run_cmd("hostname").std_out for _ in range(5)}
    assert outputs == {f"{windows_lab.name(0)}\r\n".encode()}


def test_winrm_wrong_path_is_404(windows_lab: WindowsLab) -> None:
    reply = requests.post(f"http://{windows_lab.address(0)}:5985/other", data=b"", timeout=5)
    assert reply.status_code == 404


def test_protocol_class_is_real_pywinrm() -> None:
    assert winrm.Session.__module__ == "winrm"


def test_cmd_exe_refuses_command_lines_over_8191_characters(windows_lab: WindowsLab) -> None:
    session = windows_lab.session(0)
    long_script = "\n".join(["hostname"] * 500)  # ~4,500 characters -> ~12,000 encoded
    result = session.run_ps(long_script)
    assert result.status_code == 1
    assert result.std_err == b"The command line is too long.\r\n"
    short = session.run_ps("\n".join(["hostname"] * 100))
    assert short.status_code == 0
