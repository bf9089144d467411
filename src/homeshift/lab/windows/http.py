"""A minimal HTTP/1.1 server on asyncio streams, enough for WinRM clients.

Keep-alive (NTLM authenticates a connection, not a request), ``Content-Length`` bodies up to
:data:`MAX_BODY` (Ansible's Send requests reach about 270 KB) and nothing else: no chunked
requests, no pipelining beyond sequential requests on one connection. Much lighter per listener
than a framework, which matters with one listening socket per emulated desktop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

log = logging.getLogger("homeshift.lab.windows.http")

MAX_BODY = 8 * 1024 * 1024
MAX_HEADER_LINES = 100
_REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    411: "Length Required",
    413: "Request Entity Too Large",
    415: "Unsupported Media Type",
    500: "Internal Server Error",
}


class DropConnection(Exception):
    """Close the TCP connection without answering (a rebooting or vanished desktop)."""


@dataclass
class HttpRequest:
    method: str
    target: str
    headers: dict[str, list[str]]
    body: bytes

    def header(self, name: str) -> str | None:
        values = self.headers.get(name.lower())
        return values[0] if values else None


@dataclass
class HttpResponse:
    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    close: bool = False

    def encode(self) -> bytes:
        lines = [f"HTTP/1.1 {self.status} {_REASONS.get(self.status, 'Error')}"]
        lines.append("Server: Microsoft-HTTPAPI/2.0")
        lines.extend(f"{k}: {v}" for k, v in self.headers)
        lines.append(f"Content-Length: {len(self.body)}")
        if self.close:
            lines.append("Connection: close")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + self.body


#: handler(request, per-connection state) -> response
Handler = Callable[[HttpRequest, object], Awaitable[HttpResponse]]


async def read_request(reader: asyncio.StreamReader) -> HttpRequest | None:
    """One request, or None at a clean end of stream."""
    line = await reader.readline()
    if not line:
        return None
    try:
        method, target, _version = line.decode("latin-1").rstrip("\r\n").split(" ", 2)
    except ValueError:
        raise ValueError(f"bad request line {line[:80]!r}") from None
    headers: dict[str, list[str]] = {}
    for _ in range(MAX_HEADER_LINES):
        raw = await reader.readline()
        if raw in (b"\r\n", b"\n", b""):
            break
        name, _, value = raw.decode("latin-1").partition(":")
        headers.setdefault(name.strip().lower(), []).append(value.strip())
    else:
        raise ValueError("too many header lines")
    if "chunked" in ",".join(headers.get("transfer-encoding", [])).lower():
        raise ValueError("chunked request bodies are not supported")
    length = int((headers.get("content-length") or ["0"])[0])
    if length < 0 or length > MAX_BODY:
        raise ValueError(f"body of {length} bytes refused")
    body = await reader.readexactly(length) if length else b""
    return HttpRequest(method.upper(), target, headers, body)


class ConnectionRegistry:
    """Open connections per listener key, so a fault can cut them all at once."""

    def __init__(self) -> None:
        self._open: dict[int, set[asyncio.StreamWriter]] = {}

    def add(self, key: int, writer: asyncio.StreamWriter) -> None:
        self._open.setdefault(key, set()).add(writer)

    def discard(self, key: int, writer: asyncio.StreamWriter) -> None:
        writers = self._open.get(key)
        if writers is not None:
            writers.discard(writer)
            if not writers:
                del self._open[key]

    def drop(self, key: int) -> int:
        writers = self._open.pop(key, set())
        for writer in writers:
            writer.transport.abort()
        return len(writers)

    def drop_all(self) -> None:
        for key in list(self._open):
            self.drop(key)


async def serve_connection(
    key: int,
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    handler: Handler,
    state: object,
    registry: ConnectionRegistry,
) -> None:
    """Answer requests on one connection until the client closes it or a handler drops it."""
    registry.add(key, writer)
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        while True:
            try:
                request = await read_request(reader)
            except (ValueError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as exc:
                if not isinstance(exc, asyncio.IncompleteReadError):
                    writer.write(HttpResponse(400, str(exc).encode(), close=True).encode())
                    await writer.drain()
                return
            if request is None:
                return
            try:
                response = await handler(request, state)
            except DropConnection:
                writer.transport.abort()
                return
            except Exception:  # a lab bug must cost one request, not the listener
                log.exception("request to %s failed", request.target)
                response = HttpResponse(500, b"internal lab error", close=True)
            writer.write(response.encode())
            await writer.drain()
            wants_close = (request.header("connection") or "").lower() == "close"
            if response.close or wants_close:
                return
    except (ConnectionError, ssl.SSLError, OSError):
        return
    except asyncio.CancelledError:
        writer.transport.abort()
        raise
    finally:
        registry.discard(key, writer)
        if not writer.transport.is_closing():
            writer.close()


def bind_socket(address: str, port: int) -> socket.socket:
    """A listening TCP socket on a loopback address (refuses anything else)."""
    if not address.startswith("127."):
        raise ValueError(f"the lab binds loopback only, not {address}")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((address, port))
        sock.listen(64)
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock


async def start_listener(
    address: str,
    port: int,
    on_connect: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]],
    ssl_context: ssl.SSLContext | None = None,
) -> asyncio.Server:
    sock = bind_socket(address, port)
    try:
        return await asyncio.start_server(
            on_connect, sock=sock, ssl=ssl_context, limit=256 * 1024, start_serving=True
        )
    except Exception:
        sock.close()
        raise
