"""PowerShell quoting: the one function every command line built by homeshift goes through."""

from __future__ import annotations

#: Characters PowerShell treats as a single quote inside a single-quoted string (it accepts the
#: typographic quotes too, so they must be doubled as well or they would end the literal).
_SINGLE_QUOTES = ("'", "\u2018", "\u2019", "\u201a", "\u201b")


def ps_single_quote(value: str) -> str:
    """Return ``value`` as a PowerShell single-quoted literal (no expansion of ``$`` or backtick).

    Every single-quote character is doubled, the PowerShell rule for verbatim strings.
    NUL cannot be represented and is refused rather than silently dropped.
    """
    if "\x00" in value:
        raise ValueError("a PowerShell literal cannot contain NUL")
    escaped = value
    for quote in _SINGLE_QUOTES:
        escaped = escaped.replace(quote, quote * 2)
    return f"'{escaped}'"
