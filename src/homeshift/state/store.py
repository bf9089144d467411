"""The state store: typed operations over the schema, safe for concurrent runs.

SQLite (the default, one file under the state folder, WAL journal, busy timeout) serialises
writers with ``BEGIN IMMEDIATE``; PostgreSQL (``postgresql://...`` for several machines) relies
on row locks, ``INSERT ... ON CONFLICT`` and per-employee advisory locks. Every public method is
one transaction: it commits whole or not at all, so a killed run leaves a consistent store.
"""

from __future__ import annotations

import os
import sqlite3
import time
import uuid
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    RowMapping,
    Table,
    and_,
    create_engine,
    event,
    func,
    or_,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from homeshift.roster import Roster
from homeshift.state import schema
from homeshift.state.errors import SchemaTooNewError, StoreError
from homeshift.state.migrations import SCHEMA_VERSION, current_version, upgrade
from homeshift.state.plan import WaveLike

DEFAULT_STATE_DIR = Path(".state")
STATE_DIR_ENV = "HOMESHIFT_STATE_DIR"
STORE_URL_ENV = "HOMESHIFT_STORE"
SQLITE_BUSY_TIMEOUT_S = 30.0


@dataclass(frozen=True, slots=True)
class AgentRecord:
    employee_id: str
    team: str
    site: str
    office: str
    desktop: str
    shift: str
    wave: int | None


@dataclass(frozen=True, slots=True)
class DeclarationRecord:
    employee_id: str
    signed_on: date
    collected_by: str
    recorded_at: datetime
    revoked_at: datetime | None
    source: str

    @property
    def active(self) -> bool:
        return self.revoked_at is None


@dataclass(frozen=True, slots=True)
class AuditEntry:
    at: datetime
    actor: str
    action: str
    employee_id: str
    old: dict[str, Any] | None
    new: dict[str, Any] | None
    source: str


@dataclass(frozen=True, slots=True)
class NotificationRecord:
    wave: int
    recipient: str
    kind: str
    language: str
    status: str
    attempts: int
    last_error: str | None
    sent_at: datetime | None
    message_id: str | None
    subject: str | None


@dataclass(frozen=True, slots=True)
class SyncReport:
    added: int
    updated: int
    removed: int
    declarations_imported: int


@dataclass(frozen=True, slots=True)
class VerificationRecord:
    host: str
    check: str
    status: str
    detail: str | None
    at: datetime
    run_id: str | None


@dataclass(frozen=True, slots=True)
class RunRecord:
    id: str
    kind: str
    started_at: datetime
    finished_at: datetime | None
    status: str
    actor: str
    details: dict[str, Any] | None


def default_actor() -> str:
    """``$USER@hostname``: who made a change, for the audit trail."""
    user = os.environ.get("USER") or os.environ.get("USERNAME") or "unknown"
    return f"{user}@{os.uname().nodename}"


def default_url() -> str:
    """``$HOMESHIFT_STORE`` or ``sqlite:///<state dir>/homeshift.db``."""
    if os.environ.get(STORE_URL_ENV):
        return os.environ[STORE_URL_ENV]
    state_dir = Path(os.environ.get(STATE_DIR_ENV) or DEFAULT_STATE_DIR)
    return f"sqlite:///{state_dir / 'homeshift.db'}"


def display_url(url: str | URL) -> str:
    """The URL with any password masked: the only form that may be printed or logged."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<invalid store URL>"


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes; everything stored is UTC."""
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _aware_required(value: datetime) -> datetime:
    result = _aware(value)
    assert result is not None
    return result


def create_store_engine(url: str | URL) -> Engine:
    """The engine :meth:`Store.open` uses (WAL, busy timeout, BEGIN IMMEDIATE on SQLite)."""
    return _build_engine(make_url(url))


def _build_engine(url: URL) -> Engine:
    if url.get_backend_name() == "sqlite":
        database = url.database or ""
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite would defer it).
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_TIMEOUT_S * 1000)}")
            _enable_wal(cursor)
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Connection) -> None:
            readonly = conn.get_execution_options().get("homeshift_readonly", False)
            conn.exec_driver_sql("BEGIN DEFERRED" if readonly else "BEGIN IMMEDIATE")

        return engine
    if url.get_backend_name() == "postgresql":
        if url.drivername == "postgresql":
            url = url.set(drivername="postgresql+psycopg")  # psycopg 3 is the installed driver
        return create_engine(url, pool_pre_ping=True)
    raise StoreError(
        f"unsupported store URL {display_url(url)}: use sqlite:///PATH or postgresql://..."
    )


def _enable_wal(cursor: Any, timeout_s: float = SQLITE_BUSY_TIMEOUT_S) -> None:
    """Switch the database to WAL, retrying while another connection holds the lock.

    Why a loop: the switch needs an exclusive lock, and when several processes create the same
    fresh database at once SQLite can answer ``database is locked`` at once instead of waiting
    out the busy timeout (seen under load in ``test_store_concurrency``). WAL is stored in the
    file, so once one connection has switched, the others find it set.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(0.05)


class Store:
    """Typed access to the state store. Open with :meth:`Store.open`; close when done."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # ---- lifecycle ----------------------------------------------------------------------------

    @classmethod
    def open(cls, url: str | None = None, *, upgrade_schema: bool = True) -> Store:
        """Open the store at ``url``, creating or upgrading its schema.

        With ``upgrade_schema=False`` (read-only callers such as the board) nothing is created
        or changed: the store must exist at exactly this code's schema version.
        """
        raw = url or default_url()
        try:
            parsed = make_url(raw)
        except ArgumentError as exc:
            raise StoreError(f"invalid store URL {display_url(raw)}") from exc
        if not upgrade_schema and parsed.get_backend_name() == "sqlite":
            database = parsed.database or ""
            if database not in ("", ":memory:") and not Path(database).exists():
                raise StoreError(f"no state store at {display_url(parsed)}")
        engine = _build_engine(parsed)
        try:
            if upgrade_schema:
                upgrade(engine)
            else:
                with engine.connect() as conn:
                    found = current_version(conn)
                if found > SCHEMA_VERSION:
                    raise SchemaTooNewError(
                        f"the state store has schema version {found}, newer than this "
                        f"homeshift's {SCHEMA_VERSION}; upgrade homeshift"
                    )
                if found != SCHEMA_VERSION:
                    raise StoreError(
                        f"the state store {display_url(parsed)} is at schema version {found}, "
                        f"this homeshift needs {SCHEMA_VERSION}: run `homeshift state info` "
                        "once to upgrade it"
                    )
        except SQLAlchemyError as exc:
            engine.dispose()
            raise StoreError(
                f"cannot open state store {display_url(parsed)}: {type(exc).__name__}: "
                f"{getattr(exc, 'orig', None) or exc}"
            ) from exc
        except Exception:
            engine.dispose()
            raise
        return cls(engine)

    @property
    def url(self) -> str:
        return display_url(self.engine.url)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with self.engine.begin() as conn:
            yield conn

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            conn.execution_options(homeshift_readonly=True)
            with conn.begin():
                yield conn

    def _insert(self, table: Table) -> postgresql.Insert | sqlite.Insert:
        if self.dialect == "postgresql":
            return postgresql.insert(table)
        return sqlite.insert(table)

    def _lock_employees(self, conn: Connection, employee_ids: Sequence[str]) -> None:
        """Serialise changes to these employees' declarations until commit.

        SQLite already serialises writers (BEGIN IMMEDIATE). PostgreSQL row locks cannot cover
        rows that do not exist yet, so take per-employee advisory locks, in sorted order so that
        two overlapping batches never deadlock.
        """
        if self.dialect != "postgresql" or not employee_ids:
            return
        keys = sorted({zlib.crc32(eid.encode()) - 2**31 for eid in employee_ids})
        conn.execute(
            text(
                "SELECT count(pg_advisory_xact_lock(1, k)) FROM "
                "(SELECT unnest(CAST(:keys AS integer[])) AS k ORDER BY 1) AS ordered"
            ),
            {"keys": keys},
        )

    def version(self) -> int:
        with self._read() as conn:
            return current_version(conn)

    # ---- agents and waves ---------------------------------------------------------------------

    def sync_roster(
        self, roster: Roster, *, actor: str | None = None, import_consent: bool = True
    ) -> SyncReport:
        """Make the store's agents match the roster (minimal fields only).

        Agents missing from the roster are marked removed, never deleted: their declarations and
        history stay. Consent dates in the roster become declarations for agents that have no
        declaration record yet (a revoked one is never revived by a roster).
        """
        now = _now()
        actor = actor or default_actor()
        rows = [
            {
                "employee_id": a.employee_id,
                "team": a.team,
                "site": a.site,
                "office": a.operating_office,
                "desktop": a.desktop,
                "shift": str(a.shift),
                "removed_at": None,
                "updated_at": now,
            }
            for a in roster
        ]
        table = schema.agents
        with self._write() as conn:
            existing = {
                r.employee_id: r
                for r in conn.execute(
                    select(
                        table.c.employee_id,
                        table.c.team,
                        table.c.site,
                        table.c.office,
                        table.c.desktop,
                        table.c.shift,
                        table.c.removed_at,
                    )
                )
            }
            fields = ("team", "site", "office", "desktop", "shift")
            changed = [
                row
                for row in rows
                if row["employee_id"] in existing
                and (
                    existing[row["employee_id"]].removed_at is not None
                    or any(getattr(existing[row["employee_id"]], f) != row[f] for f in fields)
                )
            ]
            added = [row for row in rows if row["employee_id"] not in existing]
            if added:
                conn.execute(table.insert(), added)
            for row in changed:
                conn.execute(
                    table.update()
                    .where(table.c.employee_id == row["employee_id"])
                    .values({k: v for k, v in row.items() if k != "employee_id"})
                )
            in_roster = {row["employee_id"] for row in rows}
            gone = [
                eid for eid, r in existing.items() if eid not in in_roster and r.removed_at is None
            ]
            for chunk in _chunks(gone, 500):
                conn.execute(
                    table.update()
                    .where(table.c.employee_id.in_(chunk))
                    .values(removed_at=now, wave=None, updated_at=now)
                )
            imported = 0
            if import_consent:
                have = set(conn.execute(select(schema.declarations.c.employee_id)).scalars())
                source = f"roster:{Path(roster.source).name}"
                from_roster = [
                    (agent.employee_id, agent.consent_date, "roster")
                    for agent in roster
                    if agent.consent_date is not None and agent.employee_id not in have
                ]
                self._apply_declarations(conn, from_roster, actor, source, now)
                imported = len(from_roster)
        return SyncReport(len(added), len(changed), len(gone), imported)

    def assign_waves(self, waves: Iterable[WaveLike]) -> int:
        """Set each agent's wave from the plan (agents in no wave get none); returns agents set.

        Refuses the whole plan if it names an agent the store does not know: a plan built from
        another roster must not half-apply.
        """
        waves = list(waves)
        now = _now()
        table = schema.agents
        with self._write() as conn:
            known = set(
                conn.execute(select(table.c.employee_id).where(table.c.removed_at.is_(None)))
                .scalars()
                .all()
            )
            unknown = sorted({a for w in waves for a in w.agents if a not in known})
            if unknown:
                shown = ", ".join(unknown[:10]) + (" ..." if len(unknown) > 10 else "")
                raise StoreError(
                    f"plan names {len(unknown)} agent(s) not in the store's roster: {shown}; "
                    "sync the roster the plan was built from first"
                )
            conn.execute(table.update().where(table.c.wave.is_not(None)).values(wave=None))
            count = 0
            for wave in waves:
                for chunk in _chunks(list(wave.agents), 500):
                    conn.execute(
                        table.update()
                        .where(table.c.employee_id.in_(chunk))
                        .values(wave=wave.number, updated_at=now)
                    )
                    status = self._insert(schema.agent_status)
                    conn.execute(
                        status.on_conflict_do_update(
                            index_elements=["employee_id"],
                            set_={"wave": status.excluded.wave, "updated_at": now},
                        ),
                        [
                            {
                                "employee_id": eid,
                                "wave": wave.number,
                                "state": "planned",
                                "updated_at": now,
                            }
                            for eid in chunk
                        ],
                    )
                    count += len(chunk)
                ws = self._insert(schema.wave_status)
                conn.execute(
                    ws.on_conflict_do_nothing(index_elements=["wave"]).values(
                        wave=wave.number, state="planned", updated_at=now
                    )
                )
        return count

    def agents(self, *, wave: int | None = None, team: str | None = None) -> list[AgentRecord]:
        """Current (not removed) agents, by employee id."""
        t = schema.agents
        query = select(t).where(t.c.removed_at.is_(None)).order_by(t.c.employee_id)
        if wave is not None:
            query = query.where(t.c.wave == wave)
        if team is not None:
            query = query.where(t.c.team == team)
        with self._read() as conn:
            return [_agent(r) for r in conn.execute(query).mappings()]

    def known_employee_ids(self) -> set[str]:
        t = schema.agents
        with self._read() as conn:
            return set(
                conn.execute(select(t.c.employee_id).where(t.c.removed_at.is_(None))).scalars()
            )

    # ---- declarations -------------------------------------------------------------------------

    def record_declaration(
        self,
        employee_id: str,
        signed_on: date,
        collected_by: str,
        *,
        actor: str | None = None,
        source: str = "cli",
    ) -> str:
        """Record a signed declaration; returns ``record``, ``update`` or ``unchanged``."""
        return self.record_declarations(
            [(employee_id, signed_on, collected_by)], actor=actor, source=source
        )[0]

    def record_declarations(
        self,
        entries: Sequence[tuple[str, date, str]],
        *,
        actor: str | None = None,
        source: str = "cli",
    ) -> list[str]:
        """Record many declarations in ONE transaction: all or none (unknown ids refuse all)."""
        actor = actor or default_actor()
        now = _now()
        with self._write() as conn:
            t = schema.agents
            ids = {e[0] for e in entries}
            known: set[str] = set()
            for chunk in _chunks(sorted(ids), 500):
                known |= set(
                    conn.execute(
                        select(t.c.employee_id).where(
                            t.c.employee_id.in_(chunk), t.c.removed_at.is_(None)
                        )
                    ).scalars()
                )
            unknown = sorted(ids - known)
            if unknown:
                raise StoreError(f"unknown employee(s), not in the roster: {', '.join(unknown)}")
            return self._apply_declarations(conn, entries, actor, source, now)

    def _apply_declarations(
        self,
        conn: Connection,
        entries: Sequence[tuple[str, date, str]],
        actor: str,
        source: str,
        now: datetime,
    ) -> list[str]:
        """Upsert declarations and their audit rows in bulk; returns one action per entry."""
        ids = sorted({eid for eid, _, _ in entries})
        self._lock_employees(conn, ids)
        d = schema.declarations
        current: dict[str, dict[str, Any]] = {}
        for chunk in _chunks(ids, 500):
            query = select(d).where(d.c.employee_id.in_(chunk)).with_for_update()
            for row in conn.execute(query).mappings():
                current[row["employee_id"]] = {
                    "signed_on": row["signed_on"],
                    "collected_by": row["collected_by"],
                    "revoked": row["revoked_at"] is not None,
                }
        actions: list[str] = []
        upserts: dict[str, dict[str, Any]] = {}
        audits: list[dict[str, Any]] = []
        for employee_id, signed_on, collected_by in entries:
            new = {
                "signed_on": signed_on.isoformat(),
                "collected_by": collected_by,
                "revoked": False,
            }
            old = current.get(employee_id)
            if old == new:
                actions.append("unchanged")
                continue
            action = "record" if old is None else "update"
            upserts[employee_id] = {
                "employee_id": employee_id,
                "signed_on": new["signed_on"],
                "collected_by": collected_by,
                "recorded_at": now,
                "revoked_at": None,
                "source": source,
            }
            audits.append(
                {"at": now, "actor": actor, "action": action, "employee_id": employee_id,
                 "old": old, "new": new, "source": source}
            )  # fmt: skip
            current[employee_id] = new
            actions.append(action)
        if upserts:
            insert = self._insert(d)
            columns = ("signed_on", "collected_by", "recorded_at", "revoked_at", "source")
            conn.execute(
                insert.on_conflict_do_update(
                    index_elements=["employee_id"],
                    set_={c: insert.excluded[c] for c in columns},
                ),
                list(upserts.values()),
            )
            conn.execute(schema.declaration_audit.insert(), audits)
        return actions

    def revoke_declaration(
        self, employee_id: str, *, reason: str, actor: str | None = None, source: str = "cli"
    ) -> bool:
        """Revoke an active declaration; False when there was none to revoke."""
        actor = actor or default_actor()
        now = _now()
        d = schema.declarations
        with self._write() as conn:
            if employee_id not in self._known(conn, [employee_id]):
                raise StoreError(f"unknown employee {employee_id}: not in the roster")
            self._lock_employees(conn, [employee_id])
            row = (
                conn.execute(select(d).where(d.c.employee_id == employee_id).with_for_update())
                .mappings()
                .first()
            )
            if row is None or row["revoked_at"] is not None:
                return False
            conn.execute(d.update().where(d.c.employee_id == employee_id).values(revoked_at=now))
            conn.execute(
                schema.declaration_audit.insert().values(
                    at=now,
                    actor=actor,
                    action="revoke",
                    employee_id=employee_id,
                    old={
                        "signed_on": row["signed_on"],
                        "collected_by": row["collected_by"],
                        "revoked": False,
                    },
                    new={
                        "signed_on": row["signed_on"],
                        "collected_by": row["collected_by"],
                        "revoked": True,
                        "reason": reason,
                    },
                    source=source,
                )
            )
            return True

    def _known(self, conn: Connection, ids: Sequence[str]) -> set[str]:
        t = schema.agents
        return set(
            conn.execute(
                select(t.c.employee_id).where(t.c.employee_id.in_(ids), t.c.removed_at.is_(None))
            ).scalars()
        )

    def declaration(self, employee_id: str) -> DeclarationRecord | None:
        d = schema.declarations
        with self._read() as conn:
            row = conn.execute(select(d).where(d.c.employee_id == employee_id)).mappings().first()
        return _declaration(row) if row else None

    def declarations(self) -> list[DeclarationRecord]:
        d = schema.declarations
        with self._read() as conn:
            rows = conn.execute(select(d).order_by(d.c.employee_id)).mappings().all()
        return [_declaration(r) for r in rows]

    def declarations_missing(self, *, wave: int | None = None) -> list[AgentRecord]:
        """Current agents without an active (signed, not revoked) declaration."""
        a, d = schema.agents, schema.declarations
        query = (
            select(a)
            .outerjoin(d, d.c.employee_id == a.c.employee_id)
            .where(
                a.c.removed_at.is_(None),
                or_(d.c.employee_id.is_(None), d.c.revoked_at.is_not(None)),
            )
            .order_by(a.c.employee_id)
        )
        if wave is not None:
            query = query.where(a.c.wave == wave)
        with self._read() as conn:
            return [_agent(r) for r in conn.execute(query).mappings()]

    def audit_trail(self, employee_id: str | None = None) -> list[AuditEntry]:
        au = schema.declaration_audit
        query = select(au).order_by(au.c.id)
        if employee_id is not None:
            query = query.where(au.c.employee_id == employee_id)
        with self._read() as conn:
            return [
                AuditEntry(
                    at=_aware_required(r["at"]),
                    actor=r["actor"],
                    action=r["action"],
                    employee_id=r["employee_id"],
                    old=r["old"],
                    new=r["new"],
                    source=r["source"],
                )
                for r in conn.execute(query).mappings()
            ]

    # ---- notifications ------------------------------------------------------------------------

    def claim_notification(
        self,
        wave: int,
        recipient: str,
        kind: str,
        *,
        language: str = "de",
        claimed_by: str = "",
        reclaim_in_doubt_after: timedelta | None = None,
    ) -> bool:
        """Atomically take the right to send one notice; True for exactly one concurrent caller.

        A new key is inserted (``ON CONFLICT DO NOTHING``); a key whose last send failed or was
        only a dry run is taken over by a conditional UPDATE. A claim left by a killed run is
        "in doubt" (the message may have gone out) and is only taken over when
        ``reclaim_in_doubt_after`` is given and the claim is older than that.
        """
        n = schema.notifications
        now = _now()
        with self._write() as conn:
            insert = self._insert(n).values(
                wave=wave,
                recipient=recipient,
                kind=kind,
                language=language,
                status="claimed",
                attempts=0,
                claimed_at=now,
                claimed_by=claimed_by,
            )
            # RETURNING, not rowcount: rowcount of INSERT ... ON CONFLICT differs by driver.
            inserted = conn.execute(
                insert.on_conflict_do_nothing(
                    index_elements=["wave", "recipient", "kind"]
                ).returning(n.c.id)
            ).first()
            if inserted is not None:
                return True
            takeover: ColumnElement[bool] = n.c.status.in_(("failed", "dry_run"))
            if reclaim_in_doubt_after is not None:
                takeover = or_(
                    takeover,
                    and_(n.c.status == "claimed", n.c.claimed_at < now - reclaim_in_doubt_after),
                )
            result = conn.execute(
                n.update()
                .where(n.c.wave == wave, n.c.recipient == recipient, n.c.kind == kind, takeover)
                .values(status="claimed", claimed_at=now, claimed_by=claimed_by, language=language)
            )
            return result.rowcount == 1

    def mark_notification(
        self,
        wave: int,
        recipient: str,
        kind: str,
        *,
        status: str,
        attempts: int = 1,
        error: str | None = None,
        message_id: str | None = None,
        subject: str | None = None,
    ) -> None:
        """Record the outcome of a claimed send (``sent`` or ``failed``)."""
        if status not in ("sent", "failed"):
            raise StoreError(f"notification status {status!r} is not sent/failed")
        n = schema.notifications
        now = _now()
        with self._write() as conn:
            result = conn.execute(
                n.update()
                .where(n.c.wave == wave, n.c.recipient == recipient, n.c.kind == kind)
                .values(
                    status=status,
                    attempts=n.c.attempts + attempts,
                    last_error=error,
                    sent_at=now if status == "sent" else None,
                    message_id=message_id,
                    subject=subject,
                )
            )
            if result.rowcount != 1:
                raise StoreError(f"no claimed notification for wave {wave}, {recipient}, {kind}")

    def record_dry_run(
        self,
        wave: int,
        recipient: str,
        kind: str,
        *,
        language: str,
        subject: str,
        message_id: str,
    ) -> bool:
        """Note a dry-run rendering; never overrides a real send (returns False if one exists)."""
        n = schema.notifications
        now = _now()
        values = {
            "language": language,
            "status": "dry_run",
            "subject": subject,
            "message_id": message_id,
            "claimed_at": now,
        }
        with self._write() as conn:
            insert = self._insert(n).values(
                wave=wave, recipient=recipient, kind=kind, attempts=0, **values
            )
            written = conn.execute(
                insert.on_conflict_do_update(
                    index_elements=["wave", "recipient", "kind"],
                    set_=values,
                    where=n.c.status == "dry_run",
                ).returning(n.c.id)
            ).first()
            return written is not None

    def notification_status(self, wave: int, recipient: str, kind: str) -> str | None:
        n = schema.notifications
        with self._read() as conn:
            return conn.execute(
                select(n.c.status).where(
                    n.c.wave == wave, n.c.recipient == recipient, n.c.kind == kind
                )
            ).scalar_one_or_none()

    def notifications(self, *, wave: int | None = None) -> list[NotificationRecord]:
        n = schema.notifications
        query = select(n).order_by(n.c.wave, n.c.kind, n.c.recipient)
        if wave is not None:
            query = query.where(n.c.wave == wave)
        with self._read() as conn:
            return [
                NotificationRecord(
                    wave=r["wave"],
                    recipient=r["recipient"],
                    kind=r["kind"],
                    language=r["language"],
                    status=r["status"],
                    attempts=r["attempts"],
                    last_error=r["last_error"],
                    sent_at=_aware(r["sent_at"]),
                    message_id=r["message_id"],
                    subject=r["subject"],
                )
                for r in conn.execute(query).mappings()
            ]

    # ---- migration status, verification, runs ------------------------------------------------

    def set_agent_state(self, employee_id: str, state: str, *, reason: str | None = None) -> None:
        if state not in schema.AGENT_STATES:
            raise StoreError(
                f"agent state {state!r} is not one of {', '.join(schema.AGENT_STATES)}"
            )
        now = _now()
        with self._write() as conn:
            wave = conn.execute(
                select(schema.agents.c.wave).where(schema.agents.c.employee_id == employee_id)
            ).first()
            if wave is None:
                raise StoreError(f"unknown employee {employee_id}: not in the roster")
            insert = self._insert(schema.agent_status)
            conn.execute(
                insert.values(
                    employee_id=employee_id,
                    wave=wave[0],
                    state=state,
                    reason=reason,
                    updated_at=now,
                ).on_conflict_do_update(
                    index_elements=["employee_id"],
                    set_={"state": state, "reason": reason, "updated_at": now, "wave": wave[0]},
                )
            )

    def agent_state(self, employee_id: str) -> tuple[str, str | None, datetime] | None:
        s = schema.agent_status
        with self._read() as conn:
            row = conn.execute(select(s).where(s.c.employee_id == employee_id)).mappings().first()
        if row is None:
            return None
        return row["state"], row["reason"], _aware_required(row["updated_at"])

    def set_wave_state(self, wave: int, state: str) -> None:
        """Record a wave's state; ``running`` stamps started_at, ``done``/``failed`` finished_at."""
        if state not in schema.WAVE_STATES:
            raise StoreError(f"wave state {state!r} is not one of {', '.join(schema.WAVE_STATES)}")
        now = _now()
        values: dict[str, Any] = {"state": state, "updated_at": now}
        if state == "running":
            values["started_at"] = now
        if state in ("done", "failed"):
            values["finished_at"] = now
        insert = self._insert(schema.wave_status)
        with self._write() as conn:
            conn.execute(
                insert.values(wave=wave, **values).on_conflict_do_update(
                    index_elements=["wave"], set_=values
                )
            )

    def wave_states(self) -> dict[int, str]:
        w = schema.wave_status
        with self._read() as conn:
            return {r.wave: r.state for r in conn.execute(select(w.c.wave, w.c.state))}

    def record_wave_outcome(
        self,
        wave: int,
        *,
        moved: Sequence[str],
        held: Sequence[tuple[str, str]],
        ok: bool,
    ) -> None:
        """One transaction: agents moved/held (with reason) and the wave done or failed."""
        now = _now()
        ids = [*moved, *(eid for eid, _ in held)]
        with self._write() as conn:
            known: set[str] = set()
            for chunk in _chunks(ids, 500):
                known |= self._known(conn, chunk)
            unknown = sorted(set(ids) - known)
            if unknown:
                raise StoreError(
                    f"wave {wave}: unknown employee(s) {', '.join(unknown[:10])}; sync the roster"
                )
            rows = [
                {"employee_id": eid, "wave": wave, "state": "moved", "reason": None}
                for eid in moved
            ] + [
                {"employee_id": eid, "wave": wave, "state": "held", "reason": reason}
                for eid, reason in held
            ]
            if rows:
                insert = self._insert(schema.agent_status)
                conn.execute(
                    insert.on_conflict_do_update(
                        index_elements=["employee_id"],
                        set_={
                            "wave": insert.excluded.wave,
                            "state": insert.excluded.state,
                            "reason": insert.excluded.reason,
                            "updated_at": insert.excluded.updated_at,
                        },
                    ),
                    [{**row, "updated_at": now} for row in rows],
                )
            state = "done" if ok else "failed"
            insert = self._insert(schema.wave_status)
            conn.execute(
                insert.values(
                    wave=wave, state=state, finished_at=now, updated_at=now
                ).on_conflict_do_update(
                    index_elements=["wave"],
                    set_={"state": state, "finished_at": now, "updated_at": now},
                )
            )

    def agents_in_state(self, state: str) -> set[str]:
        s = schema.agent_status
        with self._read() as conn:
            return set(conn.execute(select(s.c.employee_id).where(s.c.state == state)).scalars())

    def waves_in_state(self, state: str) -> set[int]:
        w = schema.wave_status
        with self._read() as conn:
            return set(conn.execute(select(w.c.wave).where(w.c.state == state)).scalars())

    def record_decision(self, after_wave: int, action: str, details: Mapping[str, Any]) -> None:
        """Append a migration-loop decision (append-only, like the audit trail)."""
        with self._write() as conn:
            conn.execute(
                schema.decisions.insert().values(
                    after_wave=after_wave, action=action, details=dict(details), at=_now()
                )
            )

    def decisions(self) -> list[tuple[int, str, dict[str, Any], datetime]]:
        d = schema.decisions
        with self._read() as conn:
            return [
                (r.after_wave, r.action, r.details, _aware_required(r.at))
                for r in conn.execute(select(d).order_by(d.c.id))
            ]

    def save_wave_plan(self, waves: Sequence[Mapping[str, Any]]) -> None:
        """Replace the stored current wave list (after a re-plan) in one statement."""
        now = _now()
        insert = self._insert(schema.wave_plan)
        data = [dict(w) for w in waves]
        with self._write() as conn:
            conn.execute(
                insert.values(id=1, waves=data, saved_at=now).on_conflict_do_update(
                    index_elements=["id"], set_={"waves": data, "saved_at": now}
                )
            )

    def load_wave_plan(self) -> list[dict[str, Any]] | None:
        p = schema.wave_plan
        with self._read() as conn:
            value = conn.execute(select(p.c.waves).where(p.c.id == 1)).scalar_one_or_none()
        return list(value) if value is not None else None

    def record_verification(
        self,
        host: str,
        check: str,
        status: str,
        *,
        detail: str | None = None,
        run_id: str | None = None,
    ) -> None:
        if status not in schema.VERIFICATION_STATUSES:
            raise StoreError(
                f"verification status {status!r} for {host} is not one of "
                f"{', '.join(schema.VERIFICATION_STATUSES)}"
            )
        with self._write() as conn:
            conn.execute(
                schema.verification_results.insert().values(
                    host=host, check=check, status=status, detail=detail, at=_now(), run_id=run_id
                )
            )

    def verification_results(self, host: str | None = None) -> list[VerificationRecord]:
        v = schema.verification_results
        query = select(v).order_by(v.c.id)
        if host is not None:
            query = query.where(v.c.host == host)
        with self._read() as conn:
            return [
                VerificationRecord(
                    host=r["host"],
                    check=r["check"],
                    status=r["status"],
                    detail=r["detail"],
                    at=_aware_required(r["at"]),
                    run_id=r["run_id"],
                )
                for r in conn.execute(query).mappings()
            ]

    def start_run(
        self, kind: str, *, actor: str | None = None, details: Mapping[str, Any] | None = None
    ) -> str:
        run_id = f"{_now():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
        with self._write() as conn:
            conn.execute(
                schema.runs.insert().values(
                    id=run_id,
                    kind=kind,
                    started_at=_now(),
                    status="running",
                    actor=actor or default_actor(),
                    details=dict(details or {}),
                )
            )
        return run_id

    def finish_run(
        self, run_id: str, *, status: str = "ok", details: Mapping[str, Any] | None = None
    ) -> None:
        r = schema.runs
        with self._write() as conn:
            current = conn.execute(select(r.c.details).where(r.c.id == run_id)).scalar_one_or_none()
            merged = {**(current or {}), **dict(details or {})}
            conn.execute(
                r.update()
                .where(r.c.id == run_id)
                .values(finished_at=_now(), status=status, details=merged)
            )

    def runs(self, limit: int = 20) -> list[RunRecord]:
        r = schema.runs
        with self._read() as conn:
            rows = conn.execute(select(r).order_by(r.c.started_at.desc()).limit(limit)).mappings()
            return [
                RunRecord(
                    id=row["id"],
                    kind=row["kind"],
                    started_at=_aware_required(row["started_at"]),
                    finished_at=_aware(row["finished_at"]),
                    status=row["status"],
                    actor=row["actor"],
                    details=row["details"],
                )
                for row in rows
            ]

    def counts(self) -> dict[str, int]:
        """Rows per table, for ``homeshift state info``."""
        with self._read() as conn:
            return {
                table.name: int(conn.execute(select(func.count()).select_from(table)).scalar_one())
                for table in schema.metadata.sorted_tables
            }


def _agent(row: RowMapping) -> AgentRecord:
    return AgentRecord(
        employee_id=row["employee_id"],
        team=row["team"],
        site=row["site"],
        office=row["office"],
        desktop=row["desktop"],
        shift=row["shift"],
        wave=row["wave"],
    )


def _declaration(row: RowMapping) -> DeclarationRecord:
    return DeclarationRecord(
        employee_id=row["employee_id"],
        signed_on=date.fromisoformat(row["signed_on"]),
        collected_by=row["collected_by"],
        recorded_at=_aware_required(row["recorded_at"]),
        revoked_at=_aware(row["revoked_at"]),
        source=row["source"],
    )


def _chunks(items: Sequence[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


__all__ = [
    "SCHEMA_VERSION",
    "AgentRecord",
    "AuditEntry",
    "DeclarationRecord",
    "NotificationRecord",
    "RunRecord",
    "SchemaTooNewError",
    "Store",
    "StoreError",
    "SyncReport",
    "VerificationRecord",
    "create_store_engine",
    "default_actor",
    "default_url",
    "display_url",
]
