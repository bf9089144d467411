"""pywinrm's own Protocol against the lab's WS-Man layer in process (no sockets, no auth).

A transport stub (pywinrm's ``TransportStub`` idea, style.md P10) hands pywinrm's envelopes to the
component's dispatcher; normalised responses are compared with the envelope fixture folder, so a
change of wire format shows up as a readable diff.
"""

from __future__ import annotations

import asyncio
import base64
import re
from array import array
from pathlib import Path

import pytest
import winrm
from winrm.exceptions import WinRMOperationTimeoutError, WinRMTransportError, WSManFaultError

from homeshift.lab.windows.component import WindowsLabComponent
from homeshift.lab.windows.desktop import Desktop

FIXTURES = Path(__file__).parent / "fixtures" / "envelopes"
_UUID = re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")


class LoopTransport:
    """Replaces pywinrm's HTTP transport: envelope in, the lab's envelope out."""

    def __init__(self, component: WindowsLabComponent, loop: asyncio.AbstractEventLoop) -> None:
        self.component = component
        self.loop = loop
        self.replies: list[bytes] = []

    def send_message(self, message: str | bytes) -> bytes:
        body = message.encode() if isinstance(message, str) else message
        status, reply = self.loop.run_until_complete(self.component._wsman(0, body, "hs-admin"))
        self.replies.append(reply)
        if status != 200:
            raise WinRMTransportError("http", status, reply.decode())
        return reply

    def close_session(self) -> None:
        return None


@pytest.fixture
def wire() -> tuple[winrm.Protocol, LoopTransport]:
    component = WindowsLabComponent()
    component.desktops = [Desktop(0, "WS-T0000001", 7)]
    component.addresses = ["127.2.0.1"]
    for name in ("requests", "agent_runs", "commands_run"):
        setattr(component, name, array("L", [0]))
    loop = asyncio.new_event_loop()
    protocol = winrm.Protocol(
        "http://127.2.0.1:5985/wsman",
        transport="plaintext",
        username="u",
        password="p",
        operation_timeout_sec=1,
        read_timeout_sec=2,
    )
    transport = LoopTransport(component, loop)
    protocol.transport = transport  # type: ignore[assignment]
    yield protocol, transport
    loop.close()


def normalise(envelope: bytes) -> str:
    text = _UUID.sub("UUID", envelope.decode())
    return text.replace("><", ">\n<").strip() + "\n"


def check_fixture(name: str, envelope: bytes) -> None:
    path = FIXTURES / f"{name}.xml"
    if not path.exists():
        path.write_text(normalise(envelope))
        pytest.fail(f"{path} did not exist and was written: review and commit it")
    assert normalise(envelope) == path.read_text()


def test_full_command_cycle_matches_the_envelope_fixtures(
    wire: tuple[winrm.Protocol, LoopTransport],
) -> None:
    protocol, transport = wire
    shell = protocol.open_shell()
    command = protocol.run_command(shell, "hostname")
    out, err, code = protocol.get_command_output(shell, command)
    protocol.cleanup_command(shell, command)
    protocol.close_shell(shell)
    assert (out, err, code) == (b"WS-T0000001\r\n", b"", 0)
    for name, reply in zip(
        ("create", "command", "receive", "signal", "delete"), transport.replies, strict=True
    ):
        check_fixture(name, reply)


def test_fault_envelopes(wire: tuple[winrm.Protocol, LoopTransport]) -> None:
    protocol, transport = wire
    with pytest.raises(WSManFaultError):
        protocol.run_command("00000000-0000-0000-0000-000000000000", "hostname")
    check_fixture("fault-invalid-selectors", transport.replies[-1])
    shell = protocol.open_shell()
    script = "[Console]::In.ReadToEnd() # ##HOMESHIFT-DOCUMENT##"
    encoded = base64.b64encode(script.encode("utf-16-le")).decode()
    command = protocol.run_command(shell, "powershell", ["-EncodedCommand", encoded])
    with pytest.raises(WinRMOperationTimeoutError):
        protocol.get_command_output_raw(shell, command)
    check_fixture("fault-timed-out", transport.replies[-1])


ENVELOPE = (
    '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
    'xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" '
    'xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd" '
    'xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell">'
    "<s:Header><a:Action>{action}</a:Action><a:MessageID>uuid:1</a:MessageID>"
    '<w:SelectorSet><w:Selector Name="ShellId">{shell_id}</w:Selector></w:SelectorSet>'
    "</s:Header><s:Body>{body}</s:Body></s:Envelope>"
)
SHELL = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell"


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not xml at all",
        b"<s:Envelope xmlns:s='http://www.w3.org/2003/05/soap-envelope'/>",
        ENVELOPE.format(action="urn:unknown", shell_id="X", body="").encode(),
        ENVELOPE.format(action=f"{SHELL}/Receive", shell_id="X", body="").encode(),
    ],
)
def test_malformed_envelopes_become_soap_faults(
    wire: tuple[winrm.Protocol, LoopTransport], body: bytes
) -> None:
    _protocol, transport = wire
    loop = transport.loop
    status, reply = loop.run_until_complete(transport.component._wsman(0, body, "hs-admin"))
    assert status == 500
    assert b"<s:Fault>" in reply


def test_send_with_bad_base64_is_a_fault(wire: tuple[winrm.Protocol, LoopTransport]) -> None:
    protocol, transport = wire
    shell = protocol.open_shell()
    script = "[Console]::In.ReadToEnd() # ##HOMESHIFT-DOCUMENT##"
    encoded = base64.b64encode(script.encode("utf-16-le")).decode()
    command = protocol.run_command(shell, "powershell", ["-EncodedCommand", encoded])
    body = ENVELOPE.format(
        action=f"{SHELL}/Send",
        shell_id=shell,
        body=f'<rsp:Send><rsp:Stream Name="stdin" CommandId="{command}" End="true">'
        "!!!not base64!!!</rsp:Stream></rsp:Send>",
    ).encode()
    status, reply = transport.loop.run_until_complete(
        transport.component._wsman(0, body, "hs-admin")
    )
    assert status == 500
    assert b"not valid base64" in reply
