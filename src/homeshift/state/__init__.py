"""The state store: what homeshift knows between runs (agents, waves, declarations, notices).

``Store.open(url)`` is the entry point; see ``docs/state-and-notifications.md``.
"""

from homeshift.state.errors import SchemaTooNewError, StoreError
from homeshift.state.migrations import SCHEMA_VERSION
from homeshift.state.store import (
    AgentRecord,
    DeclarationRecord,
    NotificationRecord,
    Store,
)

__all__ = [
    "SCHEMA_VERSION",
    "AgentRecord",
    "DeclarationRecord",
    "NotificationRecord",
    "SchemaTooNewError",
    "Store",
    "StoreError",
]
