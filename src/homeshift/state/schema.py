"""Tables of the state store (SQLAlchemy Core), current schema version.

Personal data is deliberately minimal: an agent is known by employee id, team, site, office,
desktop hostname and shift: what routing, scheduling and provisioning need. Names and e-mail
addresses stay in the roster file and are read from it only when a notice is rendered.

The upgrade steps in :mod:`homeshift.state.migrations` create these tables; a table that a later
version changes must get a frozen copy of its old definition there.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

Timestamp = DateTime(timezone=True)

schema_version = Table(
    "schema_version",
    metadata,
    Column("id", Integer, primary_key=True),  # always 1: a single row
    Column("version", Integer, nullable=False),
    Column("upgraded_at", Timestamp, nullable=False),
)

agents = Table(
    "agents",
    metadata,
    Column("employee_id", String(32), primary_key=True),
    Column("team", String(64), nullable=False, index=True),
    Column("site", String(64), nullable=False),
    Column("office", String(64), nullable=False),
    Column("desktop", String(15), nullable=False),
    Column("shift", String(11), nullable=False),
    Column("wave", Integer, nullable=True, index=True),
    Column("removed_at", Timestamp, nullable=True),  # no longer in the roster; history kept
    Column("updated_at", Timestamp, nullable=False),
)

declarations = Table(
    "declarations",
    metadata,
    Column("employee_id", String(32), ForeignKey("agents.employee_id"), primary_key=True),
    Column("signed_on", String(10), nullable=False),  # ISO date
    Column("collected_by", String(64), nullable=False),
    Column("recorded_at", Timestamp, nullable=False),
    Column("revoked_at", Timestamp, nullable=True),
    Column("source", String(200), nullable=False),
)

declaration_audit = Table(
    "declaration_audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", Timestamp, nullable=False),
    Column("actor", String(128), nullable=False),
    Column("action", String(16), nullable=False),  # record | update | revoke
    Column("employee_id", String(32), nullable=False, index=True),
    Column("old", JSON, nullable=True),
    Column("new", JSON, nullable=True),
    Column("source", String(200), nullable=False),
)

notifications = Table(
    "notifications",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("wave", Integer, nullable=False),
    Column("recipient", String(254), nullable=False),
    # kind says what the message is about: "team:<TEAM>" or "office:<OFFICE>", so a lead who
    # leads two teams in one wave gets one notice per team, and never the same one twice.
    Column("kind", String(100), nullable=False),
    Column("language", String(16), nullable=False),
    Column("status", String(16), nullable=False),  # claimed | sent | failed | dry_run
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text, nullable=True),
    Column("claimed_at", Timestamp, nullable=True),
    Column("claimed_by", String(64), nullable=True),
    Column("sent_at", Timestamp, nullable=True),
    Column("message_id", String(254), nullable=True),
    Column("subject", String(300), nullable=True),
    UniqueConstraint("wave", "recipient", "kind", name="uq_notification"),
)

runs = Table(
    "runs",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("started_at", Timestamp, nullable=False),
    Column("finished_at", Timestamp, nullable=True),
    Column("status", String(16), nullable=False),  # running | ok | failed
    Column("actor", String(128), nullable=False),
    Column("details", JSON, nullable=True),
)

# ---- version 2 --------------------------------------------------------------------------------

agent_status = Table(
    "agent_status",
    metadata,
    Column("employee_id", String(32), ForeignKey("agents.employee_id"), primary_key=True),
    Column("wave", Integer, nullable=True),
    Column("state", String(16), nullable=False),
    Column("reason", Text, nullable=True),
    Column("updated_at", Timestamp, nullable=False),
)

wave_status = Table(
    "wave_status",
    metadata,
    Column("wave", Integer, primary_key=True, autoincrement=False),
    Column("state", String(16), nullable=False),
    Column("started_at", Timestamp, nullable=True),
    Column("finished_at", Timestamp, nullable=True),
    Column("updated_at", Timestamp, nullable=False),
)

verification_results = Table(
    "verification_results",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("host", String(255), nullable=False, index=True),
    Column("check", String(128), nullable=False),
    Column("status", String(16), nullable=False),  # passed | failed | skipped | error
    Column("detail", Text, nullable=True),
    Column("at", Timestamp, nullable=False),
    Column("run_id", String(64), nullable=True),
)

# ---- version 3: the migration loop's ledger --------------------------------------------------

wave_plan = Table(
    "wave_plan",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),  # always 1: the current list
    Column("waves", JSON, nullable=False),
    Column("saved_at", Timestamp, nullable=False),
)

decisions = Table(
    "decisions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("after_wave", Integer, nullable=False),
    Column("action", String(16), nullable=False),
    Column("details", JSON, nullable=False),
    Column("at", Timestamp, nullable=False),
)

#: tables each schema version introduced, in creation order
TABLES_BY_VERSION: dict[int, tuple[Table, ...]] = {
    1: (agents, declarations, declaration_audit, notifications, runs),
    2: (agent_status, wave_status, verification_results),
    3: (wave_plan, decisions),
}

AGENT_STATES: tuple[str, ...] = (
    "planned",
    "gated",
    "held",
    "notified",
    "provisioned",
    "verified",
    "moved",
)
WAVE_STATES: tuple[str, ...] = ("planned", "notified", "running", "held", "done", "failed")
VERIFICATION_STATUSES: tuple[str, ...] = ("passed", "failed", "skipped", "error")
