"""Errors of the state store (one base class, so callers catch one thing)."""

from __future__ import annotations


class StoreError(RuntimeError):
    """A store operation was refused; the message names the employee, wave or row."""


class SchemaTooNewError(StoreError):
    """The store was upgraded by a newer homeshift than the one running."""
