"""WinRM authentication as a Windows listener does it: Basic (HTTPS only) and NTLM.

NTLM runs as an acceptor from pyspnego, one security context per TCP connection (the handshake is
bound to the connection, windows.md §1.7.1). Over plain HTTP, pywinrm then seals every message in
the ``multipart/encrypted`` framing (``application/HTTP-SPNEGO-session-encrypted``); this module
unwraps requests and wraps responses with the same context. Credentials never appear in logs.
"""

from __future__ import annotations

import base64
import hmac
import os
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import spnego

ENCRYPTED_PROTOCOL = "application/HTTP-SPNEGO-session-encrypted"
BOUNDARY = b"--Encrypted Boundary"
ENCRYPTED_CONTENT_TYPE = (
    f'multipart/encrypted;protocol="{ENCRYPTED_PROTOCOL}";boundary="Encrypted Boundary"'
)


class AuthError(Exception):
    """Authentication failed: answer 401."""


@dataclass(frozen=True)
class Credentials:
    """The lab's one local admin account (``ansible_user`` / ``ansible_password``)."""

    user: str
    password: str

    def __repr__(self) -> str:  # never leak the password through a repr
        return f"Credentials(user={self.user!r}, password='***')"

    def matches(self, user: str, password: str) -> bool:
        name = user.split("\\")[-1].lower()
        return hmac.compare_digest(name, self.user.lower()) & hmac.compare_digest(
            password.encode(), self.password.encode()
        )


def write_ntlm_user_file(path: Path, creds: Credentials) -> None:
    """pyspnego's acceptor reads ``DOMAIN:USER:PASSWORD`` lines from ``NTLM_USER_FILE``.

    The account is accepted with no domain, ``.`` (local machine) and ``CORP``.
    """
    lines = [f"{dom}:{creds.user}:{creds.password}" for dom in ("", ".", "CORP")]
    path.write_text("\n".join(lines) + "\n")
    path.chmod(0o600)
    os.environ["NTLM_USER_FILE"] = str(path)


class ConnectionAuth:
    """Authentication state of one TCP connection."""

    __slots__ = ("_ntlm", "authenticated", "user")

    def __init__(self) -> None:
        self._ntlm: Any = None
        self.authenticated = False
        self.user: str | None = None

    @property
    def can_seal(self) -> bool:
        return self.authenticated and self._ntlm is not None

    def basic(self, token: str, creds: Credentials) -> None:
        try:
            user, _, password = base64.b64decode(token).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError) as exc:
            raise AuthError("malformed Basic credentials") from exc
        if not creds.matches(user, password):
            raise AuthError("bad Basic credentials")
        self.authenticated = True
        self.user = user

    def ntlm_step(self, token: str) -> str | None:
        """Feed one NTLM token; returns the token for ``WWW-Authenticate`` (if any)."""
        try:
            in_token = base64.b64decode(token)
        except ValueError as exc:
            raise AuthError("malformed NTLM token") from exc
        if in_token[:8] != b"NTLMSSP\x00":
            raise AuthError("only raw NTLM tokens are accepted")
        message_type = in_token[8] if len(in_token) > 8 else 0
        if message_type == 1 or self._ntlm is None:
            self._ntlm = spnego.server(protocol="ntlm")
            self.authenticated = False
        try:
            out = self._ntlm.step(in_token)
        except Exception as exc:  # pyspnego raises several error types for bad credentials
            self._ntlm = None
            raise AuthError("NTLM authentication failed") from exc
        if self._ntlm.complete:
            self.authenticated = True
            self.user = str(getattr(self._ntlm, "client_principal", None) or "")
        return None if out is None else base64.b64encode(out).decode()

    def unwrap(self, body: bytes) -> bytes:
        """Decrypt a ``multipart/encrypted`` request body."""
        if not self.can_seal:
            raise AuthError("encrypted message without an NTLM session")
        parts = [p for p in body.split(BOUNDARY + b"\r\n") if p]
        message = b""
        for i in range(0, len(parts) - 1, 2):
            header, payload = parts[i].strip(), parts[i + 1]
            try:
                expected = int(header.split(b"Length=")[1].split(b"\r")[0].strip())
            except (IndexError, ValueError) as exc:
                raise AuthError("encrypted part without a Length") from exc
            if payload.endswith(BOUNDARY + b"--\r\n"):
                payload = payload[: -len(BOUNDARY + b"--\r\n")]
            data = payload.replace(b"\tContent-Type: application/octet-stream\r\n", b"", 1)
            sig_len = struct.unpack("<i", data[:4])[0]
            try:
                plain: bytes = self._ntlm.unwrap_winrm(data[4 : 4 + sig_len], data[4 + sig_len :])
            except Exception as exc:
                raise AuthError("message signature check failed") from exc
            if len(plain) != expected:
                raise AuthError("encrypted length does not match OriginalContent")
            message += plain
        return message

    def wrap(self, message: bytes) -> bytes:
        """Encrypt a response body in the same framing pywinrm sends."""
        result = self._ntlm.wrap_winrm(message)
        header: bytes = result.header
        sealed: bytes = result.data
        return (
            BOUNDARY + b"\r\n"
            b"\tContent-Type: " + ENCRYPTED_PROTOCOL.encode() + b"\r\n"
            b"\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length="
            + str(len(message)).encode()
            + b"\r\n"
            + BOUNDARY
            + b"\r\n\tContent-Type: application/octet-stream\r\n"
            + struct.pack("<i", len(header))
            + header
            + sealed
            + BOUNDARY
            + b"--\r\n"
        )
