"""The SSH transport: one asyncssh listener per headend, PTY + shell, line editor with echo.

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
        return AsaShellSession(self.device, self.cluster)


class AsaShellSession(asyncssh.SSHServerSession[str]):
    def __init__(self, device: Headend, cluster: Cluster) -> None:
        self.device = device
        self.cli = CliSession(device, cluster)
        self.chan: Any = None
        self.buffer = ""
        #: ("line", text) from the line editor, ("key", char) at the pager, None = end
        self.lines: asyncio.Queue[tuple[str, str] | None] = asyncio.Queue()
        self.raw_keys = False
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
        self._send(BANNER + self.cli.prompt())
        self.worker = asyncio.get_running_loop().create_task(self._work())

    def data_received(self, data: str, datatype: Any) -> None:
        if self.raw_keys:  # at <--- More --->: single keystrokes, no echo
            for char in data:
                self.lines.put_nowait(("key", char))
            return
        self.buffer += data.replace("\r\n", "\n").replace("\r", "\n")
        while "\n" in self.buffer:
            line, self.buffer = self.buffer.split("\n", 1)
            self.lines.put_nowait(("line", line))

    def eof_received(self) -> bool:
        self.lines.put_nowait(None)
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.lines.put_nowait(None)
        if self.worker is not None and self.worker is not asyncio.current_task():
            self.worker.cancel()

    def _send(self, text: str) -> None:
        if self.chan is not None:
            text = text.replace("\r\n", "\n")
            # in keystroke mode asyncssh itself turns \n into \r\n
            self.chan.write(text if self.raw_keys else text.replace("\n", "\r\n"))

    async def _work(self) -> None:
        faults = self.device.faults
        while True:
            item = await self.lines.get()
            if item is None:
                return
            kind, line = item
            if kind == "key":
                if self.cli.paging:
                    self._send(self.cli.key(line))
                self._raw(self.cli.paging)
                continue
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
            self.chan.set_echo(self.cli.echo)
            self._raw(self.cli.paging)

    def _raw(self, on: bool) -> None:
        """Keystroke mode while the pager waits, line mode (with echo) otherwise."""
        if on != self.raw_keys:
            self.raw_keys = on
            self.chan.set_line_mode(not on)


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
        line_editor=True,
        line_history=0,
        reuse_address=True,
        keepalive_interval=0,
    )
