"""Keep secrets out of messages: text leaving the Windows layer goes through :func:`redact`."""

from __future__ import annotations

from collections.abc import Iterable

MASK = "********"


def redact(text: str, secrets: Iterable[str | None]) -> str:
    """Replace every occurrence of each (non-trivial) secret with a fixed mask."""
    for secret in sorted({s for s in secrets if s and len(s) >= 3}, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text
