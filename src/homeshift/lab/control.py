"""Control channel of a running lab: one JSON request line in, one JSON response line out.

The server listens on 127.0.0.1 only, on an ephemeral port recorded in ``DIR/lab.json``.
Operations are named ``<component>.<op>`` (``asa.connect_users``) or ``lab.<op>``.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import socket
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from homeshift.lab.component import ControlOp

LAB_FILE = "lab.json"


class LabControlError(RuntimeError):
    """The lab refused or failed a control operation; the message is the lab's."""


class ControlServer:
    """Routes control requests to registered operations inside the lab's event loop."""

    def __init__(self) -> None:
        self._ops: dict[str, ControlOp] = {}
        self._server: asyncio.Server | None = None

    def register(self, prefix: str, ops: Mapping[str, ControlOp]) -> None:
        for name, op in ops.items():
            self._ops[f"{prefix}.{name}"] = op

    @property
    def operations(self) -> list[str]:
        return sorted(self._ops)

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        self._server = await asyncio.start_server(self._handle, host, port, limit=2**24)
        sock: socket.socket = self._server.sockets[0]
        return int(sock.getsockname()[1])

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            line = await reader.readline()
            response = await self.dispatch(line)
            writer.write(json.dumps(response, default=str).encode() + b"\n")
            await writer.drain()
        finally:
            writer.close()

    async def dispatch(self, line: bytes) -> dict[str, Any]:
        try:
            request = json.loads(line)
            op_name = request["op"]
            args = request.get("args") or {}
        except (ValueError, KeyError, TypeError) as exc:
            return {"ok": False, "error": f"bad control request: {exc}"}
        op = self._ops.get(op_name)
        if op is None:
            known = self.operations
            return {"ok": False, "error": f"unknown operation {op_name!r}; known: {known}"}
        try:
            result = op(**args)
            if inspect.isawaitable(result):
                result = await result
        except Exception as exc:  # the error goes back to the caller, the lab keeps running
            return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        return {"ok": True, "result": result}


def read_lab_file(lab_dir: str | Path) -> dict[str, Any]:
    path = Path(lab_dir) / LAB_FILE
    try:
        data: dict[str, Any] = json.loads(path.read_text())
    except FileNotFoundError:
        raise LabControlError(f"no lab running in {lab_dir} ({path} not found)") from None
    return data


def call(lab_dir: str | Path, op: str, timeout: float = 120.0, **args: Any) -> Any:
    """Call a control operation of the lab running in ``lab_dir``; returns its result."""
    info = read_lab_file(lab_dir)
    request = json.dumps({"op": op, "args": args}).encode() + b"\n"
    try:
        with socket.create_connection(("127.0.0.1", info["control_port"]), timeout=timeout) as s:
            s.sendall(request)
            chunks = []
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
    except OSError as exc:
        raise LabControlError(f"lab in {lab_dir} does not answer: {exc}") from exc
    response = json.loads(b"".join(chunks) or b"{}")
    if not response.get("ok"):
        raise LabControlError(response.get("error", "lab closed the control connection"))
    return response.get("result")
