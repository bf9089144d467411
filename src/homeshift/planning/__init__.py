"""Capacity planning, wave planning and re-planning (pure functions over frozen dataclasses).

See ``docs/planning.md`` for the model and ``docs/plan-file.md`` for the file it writes.
"""

from __future__ import annotations


class PlanError(ValueError):
    """The plan cannot be made or met; the message says why and what to change."""
