"""How SMTP failures are classified (retry or not) and that credentials stay hidden."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

import pytest

from homeshift.notify.smtp import SendError, SmtpSettings, SmtpTransport, classify


@pytest.mark.parametrize(
    ("error", "transient", "reason"),
    [
        (smtplib.SMTPDataError(451, b"try later"), True, "451 try later"),
        (smtplib.SMTPDataError(554, b"rejected"), False, "554 rejected"),
        (smtplib.SMTPAuthenticationError(535, b"bad credentials"), False, "authentication"),
        (smtplib.SMTPRecipientsRefused({"a@x.de": (450, b"busy")}), True, "[450]"),
        (smtplib.SMTPRecipientsRefused({"a@x.de": (550, b"no such user")}), False, "[550]"),
        (smtplib.SMTPServerDisconnected("gone"), True, "closed"),
        (ConnectionRefusedError(111, "Connection refused"), True, "Connection refused"),
        (TimeoutError(), True, "timed out"),
        (ssl.SSLError(1, "CERTIFICATE_VERIFY_FAILED"), False, "TLS failed"),
    ],
)
def test_classify(error: BaseException, transient: bool, reason: str) -> None:
    got_transient, got_reason = classify(error)
    assert got_transient is transient
    assert reason in got_reason


def test_password_is_not_in_repr() -> None:
    settings = SmtpSettings("relay", username="u", password="hunter2-xyz")
    assert "hunter2-xyz" not in repr(settings)


def test_unreachable_relay_is_retried_with_backoff_then_reported() -> None:
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    sleeps: list[float] = []
    transport = SmtpTransport(
        SmtpSettings("127.0.0.1", port, security="plain", timeout=2, attempts=3, backoff=0.5),
        sleep=sleeps.append,
    )
    message = EmailMessage()
    message["To"] = "a@example.com"
    message["From"] = "b@example.com"
    message.set_content("x")
    with pytest.raises(SendError) as info:
        transport.send(message)
    assert info.value.transient and info.value.attempts == 3
    assert sleeps == [0.5, 1.0]
    assert f"127.0.0.1:{port}" in str(info.value)
    with pytest.raises(ValueError, match="attempts"):
        SmtpTransport(SmtpSettings("relay", attempts=0))
