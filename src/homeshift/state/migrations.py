"""Versioned schema upgrades, applied automatically and safely when a store is opened.

Each step runs in its own transaction under a store-wide lock (SQLite ``BEGIN IMMEDIATE``,
PostgreSQL ``pg_advisory_xact_lock``), re-reads the version under that lock and is skipped when
another process applied it first. A step either commits with its version bump or not at all, so
a run killed during an upgrade leaves the previous version intact. A store written by newer code
is refused: old code must not write a schema it does not understand.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, inspect, select, text

from homeshift.state import schema
from homeshift.state.errors import SchemaTooNewError

__all__ = ["SCHEMA_VERSION", "UPGRADE_STEPS", "SchemaTooNewError", "current_version", "upgrade"]

#: advisory lock key for schema upgrades on PostgreSQL ("homeshft" in ASCII)
_PG_UPGRADE_LOCK = 0x686F6D657368


@dataclass(frozen=True, slots=True)
class UpgradeStep:
    version: int
    description: str
    apply: Callable[[Connection], None]


def _create_tables(version: int) -> Callable[[Connection], None]:
    def apply(conn: Connection) -> None:
        for table in schema.TABLES_BY_VERSION[version]:
            table.create(conn, checkfirst=True)

    return apply


UPGRADE_STEPS: tuple[UpgradeStep, ...] = (
    UpgradeStep(1, "agents, declarations, audit trail, notifications, runs", _create_tables(1)),
    UpgradeStep(2, "migration status per agent and wave, verification results", _create_tables(2)),
    UpgradeStep(3, "migration ledger: current wave list and decisions", _create_tables(3)),
)
SCHEMA_VERSION: int = UPGRADE_STEPS[-1].version


def current_version(conn: Connection) -> int:
    """Version recorded in the store; 0 for an empty database."""
    if not inspect(conn).has_table("schema_version"):
        return 0
    version = conn.execute(select(schema.schema_version.c.version)).scalar_one_or_none()
    return int(version or 0)


def _lock(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_UPGRADE_LOCK})
    # SQLite: the store begins every write transaction with BEGIN IMMEDIATE (see store.py).


def upgrade(engine: Engine, target: int = SCHEMA_VERSION) -> list[int]:
    """Bring the store to ``target``; returns the versions applied by this call."""
    applied: list[int] = []
    with engine.connect() as conn:
        found = current_version(conn)
        conn.rollback()
    if found > SCHEMA_VERSION:
        raise SchemaTooNewError(
            f"the state store has schema version {found} but this homeshift knows only up to "
            f"{SCHEMA_VERSION}; upgrade homeshift instead of writing to this store"
        )
    for step in UPGRADE_STEPS:
        if step.version > target:
            break
        with engine.begin() as conn:
            _lock(conn)
            schema.schema_version.create(conn, checkfirst=True)
            found = current_version(conn)
            if found > SCHEMA_VERSION:
                raise SchemaTooNewError(
                    f"the state store has schema version {found}, newer than {SCHEMA_VERSION}"
                )
            if found >= step.version:
                continue
            step.apply(conn)
            now = datetime.now(UTC)
            if found == 0:
                conn.execute(
                    schema.schema_version.insert().values(
                        id=1, version=step.version, upgraded_at=now
                    )
                )
            else:
                conn.execute(
                    schema.schema_version.update()
                    .where(schema.schema_version.c.id == 1)
                    .values(version=step.version, upgraded_at=now)
                )
            applied.append(step.version)
    return applied
