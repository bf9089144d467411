"""WinRS shells and commands: the state behind Create / Command / Send / Receive / Signal / Delete.

A command runs once its input is complete: at Command time when it reads no stdin, or when the
``End="true"`` Send arrives for the agent and Ansible bootstraps (they read stdin to the end).
Receive long-polls for that result up to the request's OperationTimeout, then faults TimedOut,
as Windows does; output larger than one envelope is returned over several Receives.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from homeshift.lab.windows import agent
from homeshift.lab.windows.commands import (
    AGENT_MARKER,
    AGENT_SEPARATOR,
    ANSIBLE_SEPARATOR,
    Invocation,
    Outcome,
    Session,
    clixml,
    encode_output,
    parse_invocation,
    run_cmd_line,
    run_powershell,
)
from homeshift.lab.windows.desktop import Desktop
from homeshift.lab.windows.faults import DesktopFaults

MAX_CHUNK = 96 * 1024  # per stream per Receive; base64 keeps the envelope under 153,600 bytes
MAX_SHELLS_PER_DESKTOP = 30  # Windows' MaxShellsPerUser default; the oldest shell is dropped


@dataclass
class Command:
    command_id: str
    invocation: Invocation
    stdin: bytearray = field(default_factory=bytearray)
    stdin_done: bool = False
    outcome: Outcome | None = None
    sent_out: int = 0
    sent_err: int = 0
    ready: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass
class Shell:
    shell_id: str
    desktop_index: int
    codepage: int
    user: str
    commands: dict[str, Command] = field(default_factory=dict)


class ShellRegistry:
    """Open shells of the whole lab, keyed by ShellId (each knows its desktop)."""

    def __init__(self) -> None:
        self.shells: dict[str, Shell] = {}

    def create(self, desktop_index: int, codepage: int, user: str) -> Shell:
        mine = [sid for sid, sh in self.shells.items() if sh.desktop_index == desktop_index]
        if len(mine) >= MAX_SHELLS_PER_DESKTOP:
            del self.shells[mine[0]]  # clients that never Delete must not grow the lab forever
        shell = Shell(str(uuid.uuid4()).upper(), desktop_index, codepage, user)
        self.shells[shell.shell_id] = shell
        return shell

    def get(self, shell_id: str | None, desktop_index: int) -> Shell | None:
        shell = self.shells.get((shell_id or "").upper())
        if shell is None or shell.desktop_index != desktop_index:
            return None
        return shell

    def delete(self, shell_id: str) -> None:
        self.shells.pop(shell_id.upper(), None)

    def drop_desktop(self, desktop_index: int) -> None:
        """A reboot ends every shell on the desktop."""
        for sid in [s for s, sh in self.shells.items() if sh.desktop_index == desktop_index]:
            del self.shells[sid]


def execute(
    desktop: Desktop, shell: Shell, command: Command, faults: DesktopFaults | None
) -> Outcome:
    """Run a command whose input is complete against the desktop model."""
    inv = command.invocation
    if inv.kind == "too_long":  # what cmd.exe answers (pywinrm #184: long run_ps scripts)
        return Outcome(b"", b"The command line is too long.\r\n", 1)
    if inv.kind == "agent":
        return _run_agent(desktop, command, faults)
    if inv.kind == "ansible":
        return _run_ansible(desktop, command)
    session = Session(view=desktop.view, edit=desktop.edit, user=shell.user)
    if inv.kind == "cmd":
        code = run_cmd_line(session, inv.text)
        return Outcome(
            encode_output(session.out, shell.codepage),
            encode_output(session.errors, shell.codepage),
            code,
            restart_in_s=session.restart_in_s,
        )
    script = inv.text if inv.kind == "powershell" else command.stdin.decode("utf-8", "replace")
    code = run_powershell(session, script)
    stderr = (
        clixml(session.errors)
        if session.errors and inv.encoded
        else encode_output(session.errors, shell.codepage)
    )
    return Outcome(
        encode_output(session.out, shell.codepage), stderr, code, restart_in_s=session.restart_in_s
    )


def _run_agent(desktop: Desktop, command: Command, faults: DesktopFaults | None) -> Outcome:
    raw = command.stdin.decode("utf-8", errors="replace").replace("\r\n", "\n")
    cut = raw.find(AGENT_SEPARATOR)
    if cut < 0 or not raw.lstrip("\ufeff").startswith(AGENT_MARKER):
        message = (
            'Exception calling "Substring" with "2" argument(s): "StartIndex cannot be less '
            'than zero."'
            if cut < 0
            else "homeshift lab: stdin does not start with the agent marker "
            f"'{AGENT_MARKER}'; only the homeshift agent script is emulated."
        )
        return Outcome(b"", clixml([message]), 1, kind="agent")
    run = agent.run_agent(raw[cut + len(AGENT_SEPARATOR) :], desktop.view, desktop.edit, faults)
    if run.reboot_down_s is not None:
        return Outcome(b"", b"", 1, kind="agent", reboot_down_s=run.reboot_down_s)
    return Outcome(agent.render_output(run).encode(), b"", run.exit_code, kind="agent")


def _run_ansible(desktop: Desktop, command: Command) -> Outcome:
    """Ansible's exec_wrapper payload: emulate the few modules the lab knows (win_ping)."""
    parts = bytes(command.stdin).split(ANSIBLE_SEPARATOR)
    try:
        manifest: dict[str, Any] = json.loads(parts[1]) if len(parts) > 1 else {}
        action = manifest["actions"][0]
        script = str(action["params"].get("Script", action.get("name", "")))
        variables = action["params"].get("Variables") or [{}]
        args: dict[str, Any] = dict(variables[0].get("Value") or {})
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        failed = {"failed": True, "msg": "homeshift lab: unsupported Ansible payload"}
        return Outcome(json.dumps(failed).encode(), b"", 1, kind="ansible")
    module = script.removesuffix(".ps1").rsplit(".", 1)[-1]
    if module == "win_ping":
        data = args.get("data", "pong")
        if data == "crash":
            failed = {"failed": True, "msg": "boom", "exception": "boom"}
            return Outcome(json.dumps(failed).encode(), b"", 1, kind="ansible")
        result = {"changed": False, "ping": data, "invocation": {"module_args": {"data": data}}}
        return Outcome(json.dumps(result).encode() + b"\r\n", b"", 0, kind="ansible")
    failed = {
        "failed": True,
        "msg": f"homeshift lab: module {args.get('_ansible_module_name', module)} is not emulated; "
        "use the homeshift desktop agent or ansible.builtin.raw",
    }
    return Outcome(json.dumps(failed).encode(), b"", 1, kind="ansible")


#: cmd.exe refuses longer command lines; CreateProcess (WINRS_SKIP_CMD_SHELL) allows 32,767
CMD_LINE_MAX = 8191
CREATE_PROCESS_MAX = 32767


def new_command(shell: Shell, command_line: str, via_cmd: bool = True) -> Command:
    limit = CMD_LINE_MAX if via_cmd else CREATE_PROCESS_MAX
    if len(command_line) > limit:
        invocation = Invocation("too_long", command_line[:80])
    else:
        invocation = parse_invocation(command_line)
    command = Command(str(uuid.uuid4()).upper(), invocation)
    shell.commands[command.command_id] = command
    return command
