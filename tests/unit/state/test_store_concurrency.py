"""Two runs writing at once lose nothing; a killed run leaves a consistent store (SQLite)."""

from __future__ import annotations

import signal
import sqlite3
from datetime import date
from pathlib import Path

import pytest
from store_scenarios import (
    count_rows,
    make_roster,
    run_concurrent_claims,
    run_concurrent_declarations,
    run_concurrent_opens,
    run_killed_writer,
)

from homeshift.state import Store, schema
from homeshift.state.store import _enable_wal, create_store_engine


@pytest.fixture(scope="module")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('concurrency') / 'homeshift.db'}"
    with Store.open(url) as store:
        store.sync_roster(make_roster(60), actor="setup")
    return url


def check_concurrent_declarations(url: str) -> None:
    ids = [f"E{i:05d}" for i in range(60)]
    first, second = run_concurrent_declarations(url, ids)
    with Store.open(url) as store:
        # Every employee got exactly one "record" (whoever was first) and one "update".
        for index, eid in enumerate(ids):
            assert sorted([first[index], second[index]]) == ["record", "update"], eid
        trail = [e for e in store.audit_trail() if e.employee_id in set(ids)]
        assert len(trail) == 2 * len(ids)  # nothing lost
        assert {e.actor for e in trail} == {"lead-a", "lead-b"}
        assert all(store.declaration(eid) is not None for eid in ids)


def check_concurrent_claims(url: str) -> None:
    keys = [(7, f"lead{i}@example.com", f"team:T{i}") for i in range(80)]
    first, second = run_concurrent_claims(url, keys)
    assert not set(first) & set(second)  # never both
    assert set(first) | set(second) == set(keys)  # and nobody skipped
    with Store.open(url) as store:
        assert len(store.notifications(wave=7)) == 80


def check_killed_writer(url: str) -> None:
    with Store.open(url) as store:
        audit_before = len(store.audit_trail())
    assert run_killed_writer(url) == -signal.SIGKILL
    with Store.open(url) as store:
        assert count_rows(store, schema.agents, schema.agents.c.team == "KILLED") == 0
        assert len(store.audit_trail()) == audit_before
        # The lock died with the process: the next run writes at once.
        assert store.record_declaration("E00059", date(2026, 11, 5), "lead-z") in (
            "record",
            "update",
        )


def check_concurrent_upgrade(url: str) -> None:
    from homeshift.state.migrations import SCHEMA_VERSION

    assert run_concurrent_opens(url) == [SCHEMA_VERSION] * 3
    with Store.open(url) as store:
        assert count_rows(store, schema.schema_version) == 1


def test_processes_creating_the_same_store_at_once_all_succeed(tmp_path: Path) -> None:
    check_concurrent_upgrade(f"sqlite:///{tmp_path / 'fresh.db'}")


def test_two_processes_recording_declarations_lose_nothing(sqlite_url: str) -> None:
    check_concurrent_declarations(sqlite_url)


def test_two_processes_never_claim_the_same_notification(sqlite_url: str) -> None:
    check_concurrent_claims(sqlite_url)


def test_killed_run_leaves_the_store_consistent(sqlite_url: str) -> None:
    check_killed_writer(sqlite_url)


def test_killed_upgrade_keeps_previous_version(tmp_path: Path) -> None:
    """An upgrade step commits with its version bump or not at all."""
    from sqlalchemy import text

    from homeshift.state import migrations

    url = f"sqlite:///{tmp_path / 'up.db'}"
    store = Store(create_store_engine(url))
    migrations.upgrade(store.engine, target=1)

    def explode(conn: object) -> None:
        migrations._create_tables(2)(conn)  # type: ignore[arg-type]
        raise RuntimeError("killed mid-upgrade")

    broken = migrations.UpgradeStep(2, "boom", explode)
    original = migrations.UPGRADE_STEPS
    migrations.UPGRADE_STEPS = (original[0], broken)
    try:
        with pytest.raises(RuntimeError, match="mid-upgrade"):
            migrations.upgrade(store.engine)
    finally:
        migrations.UPGRADE_STEPS = original
    assert store.version() == 1
    with store.engine.connect() as conn:
        names = conn.execute(text("SELECT name FROM sqlite_master WHERE type='table'")).scalars()
        assert "agent_status" not in set(names)
    store.close()
    with Store.open(url) as healed:
        assert healed.version() == migrations.SCHEMA_VERSION


class _LockedCursor:
    """A cursor whose journal-mode switch is refused ``locked`` times, as under concurrent opens."""

    def __init__(self, locked: int, error: str = "database is locked") -> None:
        self.locked, self.error, self.calls = locked, error, 0

    def execute(self, sql: str) -> None:
        self.calls += 1
        if self.calls <= self.locked:
            raise sqlite3.OperationalError(self.error)


def test_wal_switch_waits_out_a_lock_held_by_another_opener() -> None:
    cursor = _LockedCursor(locked=3)
    _enable_wal(cursor, timeout_s=5)
    assert cursor.calls == 4


def test_wal_switch_gives_up_after_the_timeout_and_on_other_errors() -> None:
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        _enable_wal(_LockedCursor(locked=10_000), timeout_s=0.2)
    other = _LockedCursor(locked=1, error="disk I/O error")
    with pytest.raises(sqlite3.OperationalError, match="disk I/O"):
        _enable_wal(other, timeout_s=5)
    assert other.calls == 1
