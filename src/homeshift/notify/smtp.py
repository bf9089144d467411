"""Send messages over SMTP (STARTTLS, implicit TLS or plain; optional AUTH), with retries.

Transient failures (4xx replies, dropped or refused connections, timeouts) are retried with
exponential backoff; permanent ones (5xx, authentication refused) fail at once. The password is
held only in :class:`SmtpSettings` (hidden from ``repr``) and never appears in an error message.
"""

from __future__ import annotations

import smtplib
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Literal, Protocol

Security = Literal["plain", "starttls", "ssl"]


class SendError(RuntimeError):
    """A message could not be sent; ``transient`` says whether a later run may succeed."""

    def __init__(self, message: str, *, transient: bool, attempts: int) -> None:
        super().__init__(message)
        self.transient = transient
        self.attempts = attempts


class MailTransport(Protocol):
    """Where rendered messages go: an SMTP server or a folder of .eml files."""

    @property
    def dry_run(self) -> bool: ...

    def send(self, message: EmailMessage) -> int:
        """Deliver ``message``; returns the attempts used, raises :class:`SendError`."""
        ...


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    host: str
    port: int = 25
    security: Security = "starttls"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 30.0
    attempts: int = 3
    backoff: float = 1.0  # seconds before the 2nd attempt; doubles each time
    ca_file: str | None = None  # trust this CA (e.g. a self-signed relay certificate)
    local_hostname: str | None = None


class SmtpTransport:
    """Deliver over SMTP; one connection per message keeps retries simple and independent."""

    dry_run = False

    def __init__(
        self, settings: SmtpSettings, *, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        if settings.attempts < 1:
            raise ValueError("attempts must be at least 1")
        self.settings = settings
        self._sleep = sleep

    def _tls_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.settings.ca_file)

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        client: smtplib.SMTP
        if s.security == "ssl":
            client = smtplib.SMTP_SSL(
                s.host,
                s.port,
                timeout=s.timeout,
                context=self._tls_context(),
                local_hostname=s.local_hostname,
            )
        else:
            client = smtplib.SMTP(
                s.host, s.port, timeout=s.timeout, local_hostname=s.local_hostname
            )
        try:
            client.ehlo()
            if s.security == "starttls":
                client.starttls(context=self._tls_context())
                client.ehlo()
            if s.username:
                client.login(s.username, s.password or "")
        except BaseException:
            _quietly_close(client)
            raise
        return client

    def send(self, message: EmailMessage) -> int:
        delay = self.settings.backoff
        for attempt in range(1, self.settings.attempts + 1):
            try:
                client = self._connect()
                try:
                    client.send_message(message)
                finally:
                    _quietly_close(client)
                return attempt
            except Exception as exc:
                transient, reason = classify(exc)
                if not transient or attempt == self.settings.attempts:
                    raise SendError(
                        f"{self.settings.host}:{self.settings.port}: {reason}",
                        transient=transient,
                        attempts=attempt,
                    ) from None
                self._sleep(delay)
                delay *= 2
        raise AssertionError("unreachable")  # pragma: no cover


def classify(exc: BaseException) -> tuple[bool, str]:
    """``(transient, reason)`` for an SMTP failure, without echoing credentials."""
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return False, f"authentication refused ({exc.smtp_code})"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return all(400 <= c < 500 for c in codes), f"recipient(s) refused ({codes})"
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else ""
        return 400 <= exc.smtp_code < 500, f"server replied {exc.smtp_code} {text}".strip()
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return False, f"server does not support this: {exc}"
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return True, "server closed the connection"
    if isinstance(exc, ssl.SSLError):
        return False, f"TLS failed: {getattr(exc, 'reason', None) or exc}"
    if isinstance(exc, TimeoutError):
        return True, "timed out"
    if isinstance(exc, OSError):
        return True, f"connection failed: {exc.strerror or exc}"
    return False, f"{type(exc).__name__}"


def _quietly_close(client: smtplib.SMTP) -> None:
    try:
        client.quit()
    except (smtplib.SMTPException, OSError):
        client.close()
