"""WS-Management envelopes: parse what pywinrm / Ansible send, build what Windows answers.

Only the WinRS (cmd shell) subset is spoken. Responses follow the samples in windows.md §1.4:
``Name="ShellId"`` selectors in CreateResponse, ``a:RelatesTo`` echoing the request MessageID
(pywinrm asserts it on Signal and Delete) and SOAP 1.2 faults sent with HTTP 500.
"""

from __future__ import annotations

import base64
import re
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

NS = {
    "s": "http://www.w3.org/2003/05/soap-envelope",
    "a": "http://schemas.xmlsoap.org/ws/2004/08/addressing",
    "w": "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd",
    "rsp": "http://schemas.microsoft.com/wbem/wsman/1/windows/shell",
    "x": "http://schemas.xmlsoap.org/ws/2004/09/transfer",
}
SHELL_URI = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell"
CMD_RESOURCE = f"{SHELL_URI}/cmd"
ACTION_CREATE = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Create"
ACTION_DELETE = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete"
ACTION_COMMAND = f"{SHELL_URI}/Command"
ACTION_SEND = f"{SHELL_URI}/Send"
ACTION_RECEIVE = f"{SHELL_URI}/Receive"
ACTION_SIGNAL = f"{SHELL_URI}/Signal"
SIGNAL_TERMINATE = f"{SHELL_URI}/signal/terminate"
SIGNAL_CTRL_C = f"{SHELL_URI}/signal/ctrl_c"
STATE_DONE = f"{SHELL_URI}/CommandState/Done"
STATE_RUNNING = f"{SHELL_URI}/CommandState/Running"

#: WSManFault codes (decimal, as Windows prints them)
FAULT_TIMED_OUT = 2150858793
FAULT_INVALID_SELECTORS = 2150858843  # unverified code for an unknown ShellId (windows.md §8)
FAULT_ACTION_NOT_SUPPORTED = 2150858778
FAULT_SCHEMA_VALIDATION = 2150858817

_DURATION = re.compile(r"^PT(\d+(?:\.\d+)?)S$")


class WsmanFault(Exception):
    """A SOAP fault to return with HTTP 500."""

    def __init__(self, code: int, subcode: str, reason: str, value: str = "s:Sender") -> None:
        super().__init__(reason)
        self.code = code
        self.subcode = subcode
        self.reason = reason
        self.value = value


@dataclass
class Request:
    """The parts of a WS-Man request the emulator routes on."""

    action: str
    message_id: str
    resource_uri: str
    shell_id: str | None
    operation_timeout: float
    options: dict[str, str]
    body: ET.Element | None
    command_ids: list[str] = field(default_factory=list)


def _text(elem: ET.Element | None) -> str:
    return "" if elem is None or elem.text is None else elem.text.strip()


def parse_request(data: bytes) -> Request:
    try:
        root = ET.fromstring(data)  # noqa: S314 - loopback lab, bodies come from test clients
    except ET.ParseError as exc:
        raise WsmanFault(
            FAULT_SCHEMA_VALIDATION, "w:SchemaValidationError", f"Malformed SOAP envelope: {exc}"
        ) from exc
    header = root.find("s:Header", NS)
    body = root.find("s:Body", NS)
    if header is None:
        raise WsmanFault(FAULT_SCHEMA_VALIDATION, "w:SchemaValidationError", "No SOAP header.")
    shell_id = None
    for selector in header.iter(f"{{{NS['w']}}}Selector"):
        if selector.get("Name") == "ShellId":
            shell_id = _text(selector)
    options = {opt.get("Name", ""): _text(opt) for opt in header.iter(f"{{{NS['w']}}}Option")}
    timeout_text = _text(header.find("w:OperationTimeout", NS))
    match = _DURATION.match(timeout_text)
    return Request(
        action=_text(header.find("a:Action", NS)),
        message_id=_text(header.find("a:MessageID", NS)),
        resource_uri=_text(header.find("w:ResourceURI", NS)),
        shell_id=shell_id,
        operation_timeout=float(match.group(1)) if match else 60.0,
        options=options,
        body=body,
    )


def find(body: ET.Element | None, path: str) -> ET.Element | None:
    return None if body is None else body.find(path, NS)


def _envelope(action: str, relates_to: str, body: str) -> bytes:
    return (
        '<s:Envelope xml:lang="en-US" xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
        'xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" '
        'xmlns:x="http://schemas.xmlsoap.org/ws/2004/09/transfer" '
        'xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd" '
        'xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell" '
        'xmlns:p="http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd">'
        f"<s:Header><a:Action>{action}</a:Action>"
        f"<a:MessageID>uuid:{str(uuid.uuid4()).upper()}</a:MessageID>"
        "<a:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:To>"
        f"<a:RelatesTo>{escape(relates_to)}</a:RelatesTo></s:Header>"
        f"<s:Body>{body}</s:Body></s:Envelope>"
    ).encode()


def create_response(req: Request, shell_id: str, address: str, owner: str) -> bytes:
    body = (
        f"<x:ResourceCreated><a:Address>{escape(address)}</a:Address><a:ReferenceParameters>"
        f"<w:ResourceURI>{CMD_RESOURCE}</w:ResourceURI><w:SelectorSet>"
        f'<w:Selector Name="ShellId">{shell_id}</w:Selector></w:SelectorSet>'
        "</a:ReferenceParameters></x:ResourceCreated>"
        f"<rsp:Shell><rsp:ShellId>{shell_id}</rsp:ShellId>"
        f"<rsp:ResourceUri>{CMD_RESOURCE}</rsp:ResourceUri>"
        f"<rsp:Owner>{escape(owner)}</rsp:Owner><rsp:ClientIP>127.0.0.1</rsp:ClientIP>"
        "<rsp:IdleTimeOut>PT7200.000S</rsp:IdleTimeOut><rsp:InputStreams>stdin</rsp:InputStreams>"
        "<rsp:OutputStreams>stdout stderr</rsp:OutputStreams></rsp:Shell>"
    )
    return _envelope(
        "http://schemas.xmlsoap.org/ws/2004/09/transfer/CreateResponse", req.message_id, body
    )


def command_response(req: Request, command_id: str) -> bytes:
    body = f"<rsp:CommandResponse><rsp:CommandId>{command_id}</rsp:CommandId></rsp:CommandResponse>"
    return _envelope(f"{SHELL_URI}/CommandResponse", req.message_id, body)


def send_response(req: Request) -> bytes:
    return _envelope(f"{SHELL_URI}/SendResponse", req.message_id, "<rsp:SendResponse/>")


def signal_response(req: Request) -> bytes:
    return _envelope(f"{SHELL_URI}/SignalResponse", req.message_id, "<rsp:SignalResponse/>")


def delete_response(req: Request) -> bytes:
    return _envelope(
        "http://schemas.xmlsoap.org/ws/2004/09/transfer/DeleteResponse", req.message_id, ""
    )


def receive_response(
    req: Request,
    command_id: str,
    stdout: bytes,
    stderr: bytes,
    done: bool,
    exit_code: int,
) -> bytes:
    parts = ["<rsp:ReceiveResponse>"]
    for name, data in (("stdout", stdout), ("stderr", stderr)):
        if data:
            encoded = base64.b64encode(data).decode()
            parts.append(
                f'<rsp:Stream Name="{name}" CommandId="{command_id}">{encoded}</rsp:Stream>'
            )
    if done:
        parts.append(f'<rsp:Stream Name="stdout" CommandId="{command_id}" End="true"/>')
        parts.append(f'<rsp:Stream Name="stderr" CommandId="{command_id}" End="true"/>')
        parts.append(
            f'<rsp:CommandState CommandId="{command_id}" State="{STATE_DONE}">'
            f"<rsp:ExitCode>{exit_code}</rsp:ExitCode></rsp:CommandState>"
        )
    else:
        parts.append(f'<rsp:CommandState CommandId="{command_id}" State="{STATE_RUNNING}"/>')
    parts.append("</rsp:ReceiveResponse>")
    return _envelope(f"{SHELL_URI}/ReceiveResponse", req.message_id, "".join(parts))


def fault_response(relates_to: str, fault: WsmanFault, machine: str) -> bytes:
    body = (
        "<s:Fault><s:Code>"
        f"<s:Value>{fault.value}</s:Value><s:Subcode><s:Value>{fault.subcode}</s:Value></s:Subcode>"
        f'</s:Code><s:Reason><s:Text xml:lang="en-US">{escape(fault.reason)}</s:Text></s:Reason>'
        "<s:Detail>"
        f'<f:WSManFault xmlns:f="http://schemas.microsoft.com/wbem/wsman/1/wsmanfault" '
        f'Code="{fault.code}" Machine="{escape(machine)}">'
        f"<f:Message>{escape(fault.reason)}</f:Message></f:WSManFault></s:Detail></s:Fault>"
    )
    return _envelope("http://schemas.dmtf.org/wbem/wsman/1/wsman/fault", relates_to, body)


def timed_out() -> WsmanFault:
    return WsmanFault(
        FAULT_TIMED_OUT,
        "w:TimedOut",
        "The WS-Management service cannot complete the operation within the time specified in "
        "OperationTimeout.  ",
        value="s:Receiver",
    )


def invalid_shell(shell_id: str | None) -> WsmanFault:
    return WsmanFault(
        FAULT_INVALID_SELECTORS,
        "w:InvalidSelectors",
        f"The request for the Windows Remote Shell with ShellId {shell_id} failed because the "
        "shell was not found on the server. Possible causes are: the specified ShellId is "
        "incorrect or the shell no longer exists on the server. Provide the correct ShellId or "
        "create a new shell and retry the operation. ",
    )
