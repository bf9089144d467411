"""The checks every reader of a plan's ``waves`` makes of one entry, written once.

Kept free of heavy imports: both the state store's plan reader (:mod:`homeshift.state.plan`) and
the readiness inputs (:mod:`homeshift.readiness_inputs`) use it, each with its own error type.
"""

from __future__ import annotations

from typing import Any


def wave_entry_number(
    raw: object, where: str, seen: set[int], error: type[ValueError]
) -> tuple[dict[str, Any], int]:
    """Check that one ``waves`` entry is an object with a positive ``number`` not in ``seen``.

    Raises ``error`` (the caller's own type) naming ``where``; adds the number to ``seen``.
    """
    if not isinstance(raw, dict):
        raise error(f"{where} is not an object")
    number = raw.get("number")
    if not isinstance(number, int) or isinstance(number, bool) or number < 1:
        raise error(f"{where}: 'number' must be a positive integer")
    if number in seen:
        raise error(f"{where}: wave {number} appears twice")
    seen.add(number)
    return raw, number
