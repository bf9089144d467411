"""The SSH transport: one asyncssh listener per headend, PTY + shell, echo done here.

asyncssh's line editor is off: it echoes input as soon as it arrives, so lines a client sends
ahead (netmiko's RETURN + command) would be echoed before the previous reply. Echo happens
in order with the replies instead (:meth:`AsaShellSession.data_received`).

Satisfies netmiko's ``cisco_asa`` handshake (asa-cli.md §1.9): echo every line, repaint the
prompt on a bare RETURN, no echo while a password is read, ``\\r\\n`` line endings. Faults are
applied here: refused authentication, dropped connections, slow responses.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import asyncssh

from homeshift.lab.asa import handlers  # noqa: F401  (registers the CLI commands)
from homeshift.lab.asa.model import check_password
from homeshift.lab.asa.session import CliSession, Disconnect

if TYPE_CHECKING:
    from homeshift.lab.asa.cluster import Cluster
    from homeshift.lab.asa.device import Headend

log = logging.getLogger("homeshift.lab.asa")

BANNER = "Type help or '?' for a list of available commands.\n"
SERVER_VERSION = "Cisco-1.25"


def load_host_key(state_dir: Path) -> asyncssh.SSHKey:
    """One ed25519 host key per lab, kept across restarts (clients see a stable key)."""
    path = state_dir / "ssh_host_ed25519_key"
    if path.exists():
        return asyncssh.read_private_key(str(path))
    key = asyncssh.generate_private_key("ssh-ed25519")
    state_dir.mkdir(parents=True, exist_ok=True)
    key.write_private_key(str(path))
    path.chmod(0o600)
    return key


class AsaSshServer(asyncssh.SSHServer):
    def __init__(self, device: Headend, cluster: Cluster) -> None:
        self.device = device
        self.cluster = cluster
        self.conn: asyncssh.SSHServerConnection | None = None
        self.username = ""

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self.conn = conn
        self.device.connections.add(conn)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.conn is not None:
            self.device.connections.discard(self.conn)

    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        self.username = username
        device = self.device
        if device.faults.auth_refused:
            log.info("%s: authentication refused (fault) for %s", device.name, username)
            return False
        account = device.config.users.get(username)
        ok = account is not None and check_password(password, account.password_hash, device.salt)
        if not ok:
            log.info("%s: authentication failed for %s", device.name, username)
        return ok

    def session_requested(self) -> asyncssh.SSHServerSession[str]:
        return AsaShellSession(self.device, self.cluster, self.username)


class AsaShellSession(asyncssh.SSHServerSession[str]):
    def __init__(self, device: Headend, cluster: Cluster, username: str = "") -> None:
        self.device = device
        self.username = username
        self.cli = CliSession(device, cluster)
        self.chan: Any = None
        self.buffer = ""  # the line being typed
        #: ("line", not yet echoed part, line) per RETURN, ("key", char, "") at the pager,
        #: None = end of input
        self.lines: asyncio.Queue[tuple[str, str, str] | None] = asyncio.Queue()
        self.raw_keys = False
        self.busy = False
        self.echoed = 0
        self.last_char = ""
        self.worker: asyncio.Task[None] | None = None
        self.commands = 0

    def connection_made(self, chan: asyncssh.SSHServerChannel[str]) -> None:
        self.chan = chan

    def pty_requested(
        self, term_type: str, term_size: tuple[int, int, int, int], term_modes: Any
    ) -> bool:
        return True

    def shell_requested(self) -> bool:
        return True

    def exec_requested(self, command: str) -> bool:
        return False  # an ASA offers an interactive CLI only

    def session_started(self) -> None:
        faults = self.device.faults
        if faults.auto_enable:  # aaa authorization exec ... auto-enable
            self.cli.stack[0].mode = "priv"
            self.cli.username = self.username
        banner = f"{faults.login_banner}\n" if faults.login_banner is not None else ""
        self._send(banner + BANNER + self.cli.prompt())
        self.worker = asyncio.get_running_loop().create_task(self._work())

    @property
    def idle(self) -> bool:
        return not self.busy and self.lines.empty()

    def data_received(self, data: str, datatype: Any) -> None:
        """Assemble lines and echo them *in order with the replies*.

        Characters typed while the CLI is idle are echoed at once (interactive use); input that
        arrives while a command is still being answered (netmiko's RETURN + command) is echoed
        when its line is processed, after the previous prompt, as a real device's output reads.
        """
        for char in data:
            if self.raw_keys and self.idle:  # at <--- More --->: single keystrokes, no echo
                self.lines.put_nowait(("key", char, ""))
            elif char in "\r\n":
                if char == "\n" and self.last_char == "\r":
                    pass  # CR LF is one RETURN
                else:
                    self.lines.put_nowait(("line", self.buffer[self.echoed :], self.buffer))
                    self.buffer, self.echoed = "", 0
            elif char in "\x7f\x08":
                if self.buffer:
                    self.buffer = self.buffer[:-1]
                    if self.echoed > len(self.buffer):
                        self.echoed = len(self.buffer)
                        self._send("\b \b")
            elif char >= " " or char == "\t":
                self.buffer += char
                if self.idle and self.cli.echo and self.echoed == len(self.buffer) - 1:
                    self._send(char)
                    self.echoed += 1
            self.last_char = char

    def eof_received(self) -> bool:
        self.lines.put_nowait(None)
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.lines.put_nowait(None)
        if self.worker is not None and self.worker is not asyncio.current_task():
            self.worker.cancel()

    def _send(self, text: str) -> None:
        if self.chan is not None:
            self.chan.write(text.replace("\r\n", "\n").replace("\n", "\r\n"))

    async def _work(self) -> None:
        faults = self.device.faults
        while True:
            self.busy = False
            item = await self.lines.get()
            self.busy = True
            if item is None:
                return
            kind, unechoed, line = item
            if kind == "key":
                if self.cli.paging:
                    self._send(self.cli.key(unechoed))
                self.raw_keys = self.cli.paging
                continue
            self._send((unechoed if self.cli.echo else "") + "\n")
            if line.strip():
                self.commands += 1
                limit = faults.drop_after_commands
                if limit is not None and self.commands > limit:
                    log.info(
                        "%s: dropping connection after %d commands (fault)", self.device.name, limit
                    )
                    self.chan.get_connection().abort()
                    return
            if faults.slow_delay_s:
                await asyncio.sleep(faults.slow_delay_s)
            self.cli.delay_s = 0.0
            try:
                reply = self.cli.feed(line)
            except Disconnect:
                self._send("".join(self.cli.output))
                self.chan.exit(0)
                return
            except Exception:  # an emulator bug must not kill the lab
                # only the first word: the line may carry a secret (username/cluster key)
                first = line.split()[0] if line.split() else ""
                log.exception("%s: command %r... failed", self.device.name, first)
                reply = "ERROR: % Internal emulator error\n" + self.cli.prompt()
            if self.cli.delay_s:
                await asyncio.sleep(self.cli.delay_s)
            self._send(reply)
            self.raw_keys = self.cli.paging  # the next keystroke answers <--- More --->


async def start_listener(
    device: Headend, cluster: Cluster, host_key: asyncssh.SSHKey
) -> asyncssh.SSHAcceptor:
    def factory() -> AsaSshServer:
        return AsaSshServer(device, cluster)

    return await asyncssh.create_server(
        factory,
        device.address,
        device.port,
        server_host_keys=[host_key],
        server_version=SERVER_VERSION,
        line_editor=False,  # echo is done in order with the replies (AsaShellSession)
        reuse_address=True,
        keepalive_interval=0,
    )
