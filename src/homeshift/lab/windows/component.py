"""The Windows lab component: thousands of desktops behind real WinRM listeners.

Each desktop gets its own loopback address (``ctx.address("windows", i)``) with one listening
socket for HTTP (5985) and, when enabled, one for HTTPS (5986). All sockets share one request
handler that knows its desktop from the listener, so the per-desktop cost is a socket, a small
:class:`~homeshift.lab.windows.desktop.Desktop` stub and three counters.

Options (``lab-spec.json`` ``windows``): ``desktops`` (N), ``roster`` (CSV; hostnames from its
``desktop`` column, row i = desktop i), ``https`` (``auto`` | true | false | ``only``, the last
without a plain-HTTP listener and an inventory over HTTPS; ``auto`` = on up to
:data:`HTTPS_AUTO_MAX` desktops), ``address_offset`` (first address index; ``auto``, the default,
takes the first free band of 1,000 addresses from 0, so parallel labs do not collide),
``http_port`` / ``https_port`` (5985 / 5986), ``reboot_s`` (how long a restart takes, 3 s).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import errno
import hashlib
import logging
import resource
import ssl
from array import array
from collections.abc import Coroutine, Mapping
from pathlib import Path
from typing import Any

from homeshift.lab.component import ADDRESS_BLOCKS, ControlOp, InventoryGroup, LabContext
from homeshift.lab.windows import share, wsman
from homeshift.lab.windows.auth import (
    ENCRYPTED_CONTENT_TYPE,
    AuthError,
    ConnectionAuth,
    Credentials,
    write_ntlm_user_file,
)
from homeshift.lab.windows.desktop import (
    Desktop,
    DesktopError,
    DesktopState,
    generated_hostnames,
    hostnames_from_roster,
    install_package_effects,
    load_state,
    save_state,
)
from homeshift.lab.windows.faults import FAULTS, DesktopFaults, apply_fault
from homeshift.lab.windows.http import (
    ConnectionRegistry,
    DropConnection,
    HttpRequest,
    HttpResponse,
    serve_connection,
    start_listener,
)
from homeshift.lab.windows.pki import BLOCK, LabCA
from homeshift.lab.windows.shell import (
    MAX_CHUNK,
    Command,
    Shell,
    ShellRegistry,
    execute,
    new_command,
)

log = logging.getLogger("homeshift.lab.windows")

HTTPS_AUTO_MAX = 1000
AUTO_BAND = 1000  # address_offset "auto": try 0, 1000, 2000 ... (or multiples of the lab size)
AUTO_TRIES = 20
AUTOSAVE_S = 5.0
FD_MARGIN = 256
USER = "hs-admin"
SOAP = "application/soap+xml;charset=UTF-8"


def lab_password(seed: int, lab_dir: Path) -> str:
    """Per-lab local admin password: derived from the seed and the lab folder, never constant."""
    digest = hashlib.sha256(f"homeshift-windows-lab/{seed}/{lab_dir.resolve()}".encode()).digest()
    return "Hs-" + base64.b32encode(digest[:15]).decode().rstrip("=").lower() + "-9"


class _Conn:
    """Per-connection state: which desktop, which scheme, who authenticated."""

    __slots__ = ("auth", "https", "index")

    def __init__(self, index: int, https: bool) -> None:
        self.index = index
        self.https = https
        self.auth = ConnectionAuth()


class WindowsLabComponent:
    name = "windows"

    def __init__(self) -> None:
        self.desktops: list[Desktop] = []
        self.addresses: list[str] = []
        self.by_name: dict[str, int] = {}
        self.faults: dict[int, DesktopFaults] = {}
        self.shells = ShellRegistry()
        self.connections = ConnectionRegistry()
        self._servers: dict[int, list[asyncio.Server]] = {}
        self._reopen: dict[int, asyncio.TimerHandle] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self.requests = array("L")
        self.agent_runs = array("L")
        self.commands_run = array("L")
        self.total_requests = 0
        self.https = False
        self.http_port = 5985
        self.https_port = 5986
        self.reboot_s = 3.0
        self._tls: list[ssl.SSLContext] = []
        self.state_dir = Path()
        self.creds = Credentials(USER, "")

    # ---- lifecycle -----------------------------------------------------------------------
    async def start(self, ctx: LabContext) -> dict[str, InventoryGroup]:
        opts = ctx.options
        count = int(opts.get("desktops", 0))
        roster = opts.get("roster")
        if roster:
            names = hostnames_from_roster(str(roster), count or None)
        else:
            names = generated_hostnames(count)
        offset_option = opts.get("address_offset", "auto")
        self.http_port = int(opts.get("http_port", 5985))
        self.reboot_s = float(opts.get("reboot_s", 3.0))
        self.https_port = int(opts.get("https_port", 5986))
        self.state_dir = ctx.state_dir
        self.creds = Credentials(USER, lab_password(ctx.seed, ctx.lab_dir))
        write_ntlm_user_file(ctx.state_dir / "ntlm-users", self.creds)
        self.https = self._decide_https(opts.get("https", "auto"), len(names))
        # https: only - no plain-HTTP listener: one socket per desktop, so 16,000 desktops fit
        # under RLIMIT_NOFILE 20,000 with HTTPS (the production default of our transport)
        self.http = opts.get("https") != "only"
        self.desktops = [Desktop(i, name, ctx.seed) for i, name in enumerate(names)]
        self.by_name = {name.upper(): i for i, name in enumerate(names)}
        self.requests = array("L", [0]) * len(names)
        self.agent_runs = array("L", [0]) * len(names)
        self.commands_run = array("L", [0]) * len(names)
        self._load_persisted()
        ca = LabCA(ctx.state_dir) if self.https else None
        for offset in self._offsets(offset_option, len(names)):
            self.addresses = [ctx.address("windows", offset + i) for i in range(len(names))]
            self._tls = []
            if ca is not None:
                for start in range(0, len(names), BLOCK):
                    block = self.addresses[start : start + BLOCK]
                    self._tls.append(ca.server_context(block, f"desktops-{start // BLOCK:03d}"))
            try:
                for i in range(len(names)):
                    await self._open(i)
                break
            except OSError as exc:
                for index in list(self._servers):
                    await self._close(index)
                if exc.errno != errno.EADDRINUSE or offset_option != "auto":
                    raise
                log.info("windows: addresses from offset %d are busy, trying the next band", offset)
        else:
            raise OSError(errno.EADDRINUSE, "no free band of lab addresses for the desktops")
        self._spawn(self._autosave())
        log.info("windows: %d desktops listening (https=%s)", len(names), self.https)
        return {"desktops": self._inventory(ctx)}

    @staticmethod
    def _offsets(option: Any, count: int) -> list[int]:
        """Address offsets to try: the given one, or bands from 0 for ``auto``."""
        if option != "auto":
            return [int(option)]
        band = max(AUTO_BAND, -(-count // AUTO_BAND) * AUTO_BAND)
        block_size = ADDRESS_BLOCKS["windows"].num_addresses - 2
        return [band * n for n in range(AUTO_TRIES) if band * n + count <= block_size]

    def _decide_https(self, option: Any, count: int) -> bool:
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft < hard:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        budget = hard - FD_MARGIN
        if count > budget:
            raise ValueError(
                f"{count} desktops need {count} listening sockets; RLIMIT_NOFILE allows {hard}"
            )
        if option == "only":
            return True
        wanted = count <= HTTPS_AUTO_MAX if option in ("auto", None) else bool(option)
        if wanted and 2 * count > budget:
            if option in ("auto", None):
                return False
            raise ValueError(
                f"https for {count} desktops needs {2 * count} sockets; RLIMIT_NOFILE allows "
                f"{hard}: use https: false, or https: only (no plain-HTTP listener)"
            )
        return wanted

    async def _open(self, index: int) -> None:
        if index in self._servers:
            return
        address = self.addresses[index]
        servers = []
        if self.http:
            servers.append(
                await start_listener(address, self.http_port, self._acceptor(index, False))
            )
        if self.https:
            tls = self._tls[index // BLOCK]
            servers.append(
                await start_listener(address, self.https_port, self._acceptor(index, True), tls)
            )
        self._servers[index] = servers

    async def _close(self, index: int) -> None:
        for server in self._servers.pop(index, []):
            server.close()
        self.connections.drop(index)

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _acceptor(self, index: int, https: bool) -> Any:
        async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await serve_connection(
                index, reader, writer, self._handle, _Conn(index, https), self.connections
            )

        return on_connect

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for handle in self._reopen.values():
            handle.cancel()
        for index in list(self._servers):
            await self._close(index)
        self.connections.drop_all()
        saved = self.save()
        log.info("windows: stopped, %d changed desktops saved", saved)

    # ---- persistence ---------------------------------------------------------------------
    def _desktop_dir(self) -> Path:
        folder = self.state_dir / "desktops"
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def _load_persisted(self) -> None:
        for path in sorted(self._desktop_dir().glob("*.json")):
            index = self.by_name.get(path.stem.upper())
            if index is None:
                continue  # a desktop that is not in this lab any more keeps its file
            try:
                self.desktops[index].load(load_state(path))
            except (ValueError, KeyError, TypeError) as exc:
                raise ValueError(f"{path}: corrupt desktop state: {exc}") from exc

    async def _autosave(self) -> None:
        """Persist changed desktops every few seconds, so even a killed lab keeps its disks."""
        while True:
            await asyncio.sleep(AUTOSAVE_S)
            try:
                self.save()
            except OSError:
                log.exception("windows: saving desktop state failed")

    def save(self) -> int:
        folder = self._desktop_dir()
        saved = 0
        for desktop in self.desktops:
            if desktop.dirty and desktop.materialised:
                save_state(folder / f"{desktop.hostname}.json", desktop.view())
                desktop.dirty = False
                saved += 1
        return saved

    # ---- inventory -----------------------------------------------------------------------
    def _inventory(self, ctx: LabContext) -> InventoryGroup:
        group_vars: dict[str, Any] = {
            "ansible_connection": "winrm",
            "ansible_winrm_transport": "ntlm",
            "ansible_winrm_scheme": "http",
            "ansible_port": self.http_port,
            "ansible_user": self.creds.user,
            "ansible_password": self.creds.password,
            "ansible_winrm_message_encryption": "auto",
            "homeshift_winrm_https": self.https,
        }
        if self.https:
            group_vars["homeshift_winrm_https_port"] = self.https_port
            group_vars["ansible_winrm_ca_trust_path"] = str(ctx.state_dir / "ca.pem")
        if not self.http:  # https: only - the connection itself goes over HTTPS
            group_vars.update(ansible_winrm_scheme="https", ansible_port=self.https_port)
        hosts = {d.hostname: {"ansible_host": self.addresses[d.index]} for d in self.desktops}
        return {"hosts": hosts, "vars": group_vars}

    # ---- HTTP / WinRM --------------------------------------------------------------------
    def _unauthorized(self, token: str | None = None) -> HttpResponse:
        if token is not None:
            return HttpResponse(401, headers=[("WWW-Authenticate", f"Negotiate {token}")])
        return HttpResponse(
            401,
            headers=[
                ("WWW-Authenticate", "Negotiate"),
                ("WWW-Authenticate", 'Basic realm="WSMAN"'),
            ],
        )

    async def _handle(self, request: HttpRequest, state: object) -> HttpResponse:
        assert isinstance(state, _Conn)
        index = state.index
        self.total_requests += 1
        self.requests[index] += 1
        faults = self.faults.get(index)
        if faults is not None and faults.unreachable:
            raise DropConnection
        if request.method != "POST" or request.target.split("?")[0].lower() != "/wsman":
            return HttpResponse(405 if request.method != "POST" else 404)
        auth = state.auth
        header = request.header("authorization") or ""
        scheme, _, token = header.partition(" ")
        if faults is not None and faults.auth_401 and not _is_ntlm_negotiate(scheme, token):
            # the NTLM challenge is still sent, so the client fails where a bad password fails
            auth.authenticated = False
            return self._unauthorized()
        out_token: str | None = None
        try:
            if scheme.lower() == "basic":
                if not state.https:
                    return self._unauthorized()  # AllowUnencrypted=false: no Basic over HTTP
                auth.basic(token.strip(), self.creds)
            elif scheme.lower() in ("negotiate", "ntlm"):
                out_token = auth.ntlm_step(token.strip())
                if not auth.authenticated:
                    return self._unauthorized(out_token or "")
        except AuthError:
            return self._unauthorized()
        if not auth.authenticated:
            return self._unauthorized()
        extra = [("WWW-Authenticate", f"Negotiate {out_token}")] if out_token else []
        if not request.body:
            return HttpResponse(200, headers=extra)
        encrypted = (request.header("content-type") or "").lower().startswith("multipart/encrypted")
        if encrypted:
            try:
                body = auth.unwrap(request.body)
            except AuthError:
                return self._unauthorized()
        elif not state.https:
            return self._unauthorized()  # unencrypted message over HTTP
        else:
            body = request.body
        status, reply = await self._wsman(index, body, auth.user or self.creds.user)
        if encrypted:
            return HttpResponse(
                status, auth.wrap(reply), [("Content-Type", ENCRYPTED_CONTENT_TYPE), *extra]
            )
        return HttpResponse(status, reply, [("Content-Type", SOAP), *extra])

    async def _wsman(self, index: int, body: bytes, user: str) -> tuple[int, bytes]:
        desktop = self.desktops[index]
        message_id = ""
        try:
            req = wsman.parse_request(body)
            message_id = req.message_id
            if req.resource_uri and req.resource_uri != wsman.CMD_RESOURCE:
                raise wsman.WsmanFault(
                    wsman.FAULT_ACTION_NOT_SUPPORTED,
                    "w:ActionNotSupported",
                    f"The WS-Management service does not support the resource {req.resource_uri}.",
                )
            return 200, await self._dispatch(index, desktop, req, user)
        except wsman.WsmanFault as fault:
            return 500, wsman.fault_response(message_id, fault, desktop.hostname)

    async def _dispatch(self, index: int, desktop: Desktop, req: wsman.Request, user: str) -> bytes:
        action = req.action
        if action == wsman.ACTION_CREATE:
            codepage = int(req.options.get("WINRS_CODEPAGE", "437") or 437)
            created = self.shells.create(index, codepage, user)
            address = f"http://{self.addresses[index]}:{self.http_port}/wsman"
            owner = f"{desktop.hostname}\\{user.split(chr(92))[-1]}"
            return wsman.create_response(req, created.shell_id, address, owner)
        found = self.shells.get(req.shell_id, index)
        if found is None:
            raise wsman.invalid_shell(req.shell_id)
        shell: Shell = found
        if action == wsman.ACTION_DELETE:
            self.shells.delete(shell.shell_id)
            return wsman.delete_response(req)
        if action == wsman.ACTION_COMMAND:
            line = wsman.find(req.body, "rsp:CommandLine")
            cmd = wsman._text(wsman.find(line, "rsp:Command"))
            args = wsman._text(wsman.find(line, "rsp:Arguments"))
            skip_cmd = req.options.get("WINRS_SKIP_CMD_SHELL", "FALSE").upper() == "TRUE"
            command = new_command(shell, f"{cmd} {args}".strip(), via_cmd=not skip_cmd)
            self.commands_run[index] += 1
            if not command.invocation.needs_stdin:
                self._finish(index, desktop, shell, command)
            return wsman.command_response(req, command.command_id)
        if action == wsman.ACTION_SEND:
            for stream in (
                req.body.iter(f"{{{wsman.NS['rsp']}}}Stream") if req.body is not None else []
            ):
                target = shell.commands.get((stream.get("CommandId") or "").upper())
                if target is None:
                    raise wsman.invalid_shell(req.shell_id)
                try:
                    target.stdin.extend(base64.b64decode(stream.text or "", validate=True))
                except ValueError:
                    raise wsman.WsmanFault(
                        wsman.FAULT_SCHEMA_VALIDATION,
                        "w:SchemaValidationError",
                        "The stdin stream is not valid base64.",
                    ) from None
                if (stream.get("End") or "").lower() == "true" and target.outcome is None:
                    target.stdin_done = True
                    self._finish(index, desktop, shell, target)
            return wsman.send_response(req)
        if action == wsman.ACTION_RECEIVE:
            return await self._receive(index, shell, req)
        if action == wsman.ACTION_SIGNAL:
            signal = wsman.find(req.body, "rsp:Signal")
            command_id = (signal.get("CommandId") if signal is not None else "") or ""
            shell.commands.pop(command_id.upper(), None)
            return wsman.signal_response(req)
        raise wsman.WsmanFault(
            wsman.FAULT_ACTION_NOT_SUPPORTED,
            "w:ActionNotSupported",
            f"The action {action} is not supported by the service.",
        )

    def _finish(self, index: int, desktop: Desktop, shell: Shell, command: Command) -> None:
        outcome = execute(desktop, shell, command, self.faults.get(index))
        if outcome.kind == "agent":
            self.agent_runs[index] += 1
        if outcome.restart_in_s is not None:
            # answer the command first, then restart (shutdown /r /t N returns at once)
            delay = max(0.5, outcome.restart_in_s)
            asyncio.get_running_loop().call_later(
                delay, lambda: self._spawn(self._reboot(index, self.reboot_s, clear_pending=True))
            )
        command.outcome = outcome
        command.ready.set()

    async def _receive(self, index: int, shell: Shell, req: wsman.Request) -> bytes:
        desired = wsman.find(req.body, "rsp:Receive/rsp:DesiredStream")
        command_id = ((desired.get("CommandId") if desired is not None else "") or "").upper()
        command = shell.commands.get(command_id)
        if command is None:
            raise wsman.invalid_shell(req.shell_id)
        faults = self.faults.get(index)
        timeout = max(0.05, req.operation_timeout)
        if faults is not None and faults.hanging_receive:
            await asyncio.sleep(timeout)
            raise wsman.timed_out()
        if faults is not None and faults.slow_receive_s:
            await asyncio.sleep(faults.slow_receive_s)
        if command.outcome is None:
            try:
                await asyncio.wait_for(command.ready.wait(), timeout)
            except TimeoutError:
                raise wsman.timed_out() from None
        outcome = command.outcome
        assert outcome is not None
        if outcome.reboot_down_s is not None:
            down = outcome.reboot_down_s
            outcome.reboot_down_s = None
            self._spawn(self._reboot(index, down))
            raise DropConnection
        out = outcome.stdout[command.sent_out : command.sent_out + MAX_CHUNK]
        err = outcome.stderr[command.sent_err : command.sent_err + MAX_CHUNK]
        command.sent_out += len(out)
        command.sent_err += len(err)
        done = command.sent_out >= len(outcome.stdout) and command.sent_err >= len(outcome.stderr)
        return wsman.receive_response(req, command.command_id, out, err, done, outcome.exit_code)

    async def _reboot(self, index: int, down_s: float, clear_pending: bool = False) -> None:
        """The desktop restarts: connections cut, shells gone, back after ``down_s``.

        An orderly restart (``shutdown /r``) completes pending installs; a crash mid-run
        (``reboot_midway``) leaves the reboot pending.
        """
        if index in self._reopen:
            return  # already restarting
        await self._close(index)
        self.shells.drop_desktop(index)
        state = self.desktops[index].edit()
        state.boot_count += 1
        if clear_pending:
            state.pending_reboot = False
        loop = asyncio.get_running_loop()

        def back() -> None:
            self._reopen.pop(index, None)
            faults = self.faults.get(index)
            if faults is None or not faults.unreachable:
                self._spawn(self._open(index))

        self._reopen[index] = loop.call_later(down_s, back)

    # ---- control operations --------------------------------------------------------------
    def control_ops(self) -> Mapping[str, ControlOp]:
        return {
            "hosts": self.op_hosts,
            "desktop": self.op_desktop,
            "inject_fault": self.op_inject_fault,
            "clear_faults": self.op_clear_faults,
            "mutate": self.op_mutate,
            "stats": self.op_stats,
            "share": share.share_manifest,
            "save": self.save,
            "reset": self.op_reset,
        }

    def index_of(self, host: str) -> int:
        index = self.by_name.get(str(host).upper())
        if index is None:
            with contextlib.suppress(ValueError):
                index = self.addresses.index(str(host))
        if index is None:
            raise KeyError(f"no desktop {host!r} in this lab")
        return index

    def op_hosts(self) -> list[dict[str, Any]]:
        return [{"hostname": d.hostname, "address": self.addresses[d.index]} for d in self.desktops]

    def op_desktop(self, host: str) -> dict[str, Any]:
        index = self.index_of(host)
        desktop = self.desktops[index]
        data = desktop.view().to_json(with_file_bytes=False)
        data["address"] = self.addresses[index]
        data["materialised"] = desktop.materialised
        data["faults"] = self.faults[index].active() if index in self.faults else {}
        data["counters"] = self._counters(index)
        data["facts"] = desktop.view().facts()
        return data

    async def op_inject_fault(self, host: str, fault: str, **params: Any) -> dict[str, Any]:
        index = self.index_of(host)
        faults = self.faults.setdefault(index, DesktopFaults())
        apply_fault(faults, fault, params)
        if fault == "unreachable":
            await self._close(index)
        if fault == "disk_full":
            volume = self.desktops[index].edit().volumes["C:"]
            if faults.free_gb_before_full is None:
                faults.free_gb_before_full = volume.free_gb
            volume.free_gb = 0.0
        return {"host": self.desktops[index].hostname, "faults": faults.active()}

    async def op_clear_faults(self, host: str | None = None) -> dict[str, Any]:
        indexes = list(self.faults) if host is None else [self.index_of(host)]
        for index in indexes:
            faults = self.faults.pop(index, None)
            if faults is not None and faults.free_gb_before_full is not None:
                volume = self.desktops[index].edit().volumes["C:"]
                if volume.free_gb == 0.0:
                    volume.free_gb = faults.free_gb_before_full
            if index not in self._reopen:
                await self._open(index)
        return {"cleared": [self.desktops[i].hostname for i in indexes], "known": list(FAULTS)}

    def op_reset(self, host: str | None = None) -> dict[str, Any]:
        """Forget what changed on one desktop (or all): its saved state file is removed too."""
        indexes = range(len(self.desktops)) if host is None else [self.index_of(host)]
        folder = self._desktop_dir()
        reset = []
        for index in indexes:
            desktop = self.desktops[index]
            if desktop.materialised:
                reset.append(desktop.hostname)
            desktop.reset()
            (folder / f"{desktop.hostname}.json").unlink(missing_ok=True)
        return {"reset": reset}

    def op_mutate(self, host: str, action: str, **params: Any) -> dict[str, Any]:
        """Create drift the way a user or another tool would (see docs/lab.md)."""
        index = self.index_of(host)
        state = self.desktops[index].edit()
        try:
            _MUTATIONS[action](state, **params)
        except KeyError as exc:
            if action not in _MUTATIONS:
                raise ValueError(
                    f"unknown mutation {action!r}; known: {sorted(_MUTATIONS)}"
                ) from None
            raise ValueError(f"mutation {action}: {exc}") from None
        return {"host": state.hostname, "action": action}

    def _counters(self, index: int) -> dict[str, int]:
        return {
            "http_requests": self.requests[index],
            "commands": self.commands_run[index],
            "agent_runs": self.agent_runs[index],
        }

    def op_stats(self, host: str | None = None) -> dict[str, Any]:
        if host is not None:
            return {"host": host, **self._counters(self.index_of(host))}
        per_desktop = {
            d.hostname: self._counters(d.index) for d in self.desktops if self.requests[d.index]
        }
        touched = len(per_desktop)
        return {
            "desktops": len(self.desktops),
            "requests": self.total_requests,
            "agent_runs": sum(self.agent_runs),
            "commands": sum(self.commands_run),
            "materialised": sum(1 for d in self.desktops if d.materialised),
            "open_shells": len(self.shells.shells),
            "https": self.https,
            "requests_per_touched_desktop": round(self.total_requests / touched, 2)
            if touched
            else 0.0,
            "per_desktop": per_desktop,
        }


def _is_ntlm_negotiate(scheme: str, token: str) -> bool:
    """True for the first NTLM message (type 1) of a handshake."""
    if scheme.lower() not in ("negotiate", "ntlm"):
        return False
    try:
        raw = base64.b64decode(token.strip())
    except ValueError:
        return False
    return raw[:8] == b"NTLMSSP\x00" and len(raw) > 8 and raw[8] == 1


# ---- drift helpers (windows.mutate) ----------------------------------------------------------


def _svc(state: DesktopState, name: str) -> Any:
    svc = state.service(name)
    if svc is None:
        raise DesktopError(f"no service {name!r}")
    return svc


def _stop_service(state: DesktopState, name: str) -> None:
    _svc(state, name).status = "Stopped"


def _start_service(state: DesktopState, name: str) -> None:
    _svc(state, name).status = "Running"


def _set_start_type(state: DesktopState, name: str, start_type: str) -> None:
    if start_type not in ("Automatic", "Manual", "Disabled"):
        raise DesktopError("start_type is Automatic, Manual or Disabled")
    _svc(state, name).start_type = start_type


def _set_file(
    state: DesktopState, path: str, content: str | None = None, content_b64: str | None = None
) -> None:
    data = base64.b64decode(content_b64) if content_b64 is not None else (content or "").encode()
    state.write_file(path, data)


def _delete_file(state: DesktopState, path: str) -> None:
    state.delete_file(path)


def _set_registry(
    state: DesktopState, path: str, name: str, data: Any, type: str = "string"
) -> None:
    state.reg_set(path, name, type, data)


def _delete_registry(state: DesktopState, path: str, name: str | None = None) -> None:
    if name is None:
        state.reg_delete_key(path)
    else:
        state.reg_delete_value(path, name)


def _set_pending_reboot(state: DesktopState, value: bool = True) -> None:
    state.pending_reboot = bool(value)


def _set_free_gb(state: DesktopState, gb: float, drive: str = "C:") -> None:
    state.volumes[drive.upper()].free_gb = float(gb)


def _install(state: DesktopState, unc_path: str) -> None:
    package = share.package_at(unc_path)
    if package is None:
        raise DesktopError(f"no package at {unc_path}")
    install_package_effects(state, package)


def _set_bitlocker(state: DesktopState, protection_status: str, drive: str = "C:") -> None:
    volume = state.volumes[drive.upper()]
    on = protection_status == "On"
    volume.protection_status = "On" if on else "Off"
    volume.volume_status = "FullyEncrypted" if on else "FullyDecrypted"
    volume.encryption_percentage = 100 if on else 0


_MUTATIONS: dict[str, Any] = {
    "stop_service": _stop_service,
    "start_service": _start_service,
    "set_start_type": _set_start_type,
    "set_file": _set_file,
    "delete_file": _delete_file,
    "set_registry": _set_registry,
    "delete_registry": _delete_registry,
    "set_pending_reboot": _set_pending_reboot,
    "set_free_gb": _set_free_gb,
    "install": _install,
    "set_bitlocker": _set_bitlocker,
}
