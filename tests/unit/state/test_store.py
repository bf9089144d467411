"""State store on SQLite: schema, upgrades, typed operations and their refusals."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect
from store_scenarios import make_roster

from homeshift.roster import Roster
from homeshift.state import SCHEMA_VERSION, SchemaTooNewError, Store, StoreError
from homeshift.state.migrations import upgrade
from homeshift.state.plan import PlannedWave
from homeshift.state.store import create_store_engine, default_url, display_url


@pytest.fixture
def store(tmp_path: Path) -> Store:
    opened = Store.open(f"sqlite:///{tmp_path / 'state' / 'homeshift.db'}")
    yield opened  # type: ignore[misc]
    opened.close()


@pytest.fixture
def synced(store: Store) -> Store:
    store.sync_roster(make_roster(40), actor="tester")
    return store


def test_new_store_has_every_table_and_current_version(tmp_path: Path) -> None:
    path = tmp_path / "s" / "homeshift.db"
    with Store.open(f"sqlite:///{path}") as store:
        assert store.version() == SCHEMA_VERSION == 3
    tables = set(inspect(create_engine(f"sqlite:///{path}")).get_table_names())
    assert {
        "schema_version", "agents", "declarations", "declaration_audit", "notifications",
        "agent_status", "wave_status", "verification_results", "runs", "wave_plan", "decisions",
    } <= tables  # fmt: skip
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_default_url_follows_state_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("HOMESHIFT_STORE", raising=False)
    monkeypatch.setenv("HOMESHIFT_STATE_DIR", str(tmp_path / "st"))
    assert default_url() == f"sqlite:///{tmp_path / 'st' / 'homeshift.db'}"
    monkeypatch.delenv("HOMESHIFT_STATE_DIR")
    assert default_url() == "sqlite:///.state/homeshift.db"


def test_display_url_hides_the_password() -> None:
    shown = display_url("postgresql://homeshift:s3cr3t-pw@db.example.com:5432/hs")
    assert "s3cr3t-pw" not in shown
    assert "db.example.com" in shown


def test_unreachable_postgres_error_does_not_leak_password() -> None:
    with pytest.raises(StoreError) as info:
        Store.open("postgresql://hs:s3cr3t-pw@127.0.0.1:1/hs?connect_timeout=2")
    assert "s3cr3t-pw" not in str(info.value)
    assert "127.0.0.1" in str(info.value)


def test_unsupported_url_is_refused() -> None:
    with pytest.raises(StoreError, match="unsupported store URL"):
        Store.open("mysql://u:pw@localhost/x")


def test_upgrade_from_version_1_keeps_data(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'v1.db'}"
    store_v1 = Store(create_store_engine(url))
    assert upgrade(store_v1.engine, target=1) == [1]
    assert store_v1.version() == 1
    assert not inspect(store_v1.engine).has_table("agent_status")
    store_v1.sync_roster(make_roster(10), actor="old-code")
    store_v1.close()

    with Store.open(url) as store:
        assert store.version() == SCHEMA_VERSION
        assert len(store.agents()) == 10  # v1 data survived
        store.set_agent_state("E00001", "gated", reason="no VPN profile yet")
        state = store.agent_state("E00001")
        assert state is not None and state[:2] == ("gated", "no VPN profile yet")
    with Store.open(url) as again:  # opening an up-to-date store applies nothing
        assert upgrade(again.engine) == []


def test_store_newer_than_code_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    Store.open(url).close()
    with sqlite3.connect(tmp_path / "new.db") as conn:
        conn.execute("UPDATE schema_version SET version = 99")
    with pytest.raises(SchemaTooNewError, match="99"):
        Store.open(url)


def test_sync_roster_adds_updates_and_marks_removed(store: Store) -> None:
    roster = make_roster(20, consent_every=5)
    first = store.sync_roster(roster, actor="t")
    assert (first.added, first.updated, first.removed, first.declarations_imported) == (20, 0, 0, 4)
    assert store.sync_roster(roster, actor="t").updated == 0
    moved = list(roster.agents[1:])
    moved[0] = type(moved[0])(**{**{f: getattr(moved[0], f) for f in moved[0].__slots__},
                                  "team": "BER-T999"})  # fmt: skip
    second = store.sync_roster(Roster(tuple(moved), "r2.csv"), actor="t")
    assert (second.added, second.updated, second.removed) == (0, 1, 1)
    assert "E00000" not in store.known_employee_ids()
    assert store.agents(team="BER-T999")[0].employee_id == "E00001"
    # The removed agent's declaration (from the roster) is kept, not deleted.
    assert store.declaration("E00000") is not None


def test_store_keeps_no_names_or_emails(synced: Store, tmp_path: Path) -> None:
    raw = (tmp_path / "state" / "homeshift.db").read_bytes()
    wal = tmp_path / "state" / "homeshift.db-wal"
    raw += wal.read_bytes() if wal.exists() else b""
    assert b"Person 1" not in raw
    assert b"@example.com" not in raw


def test_assign_waves_refuses_unknown_agents_and_changes_nothing(synced: Store) -> None:
    synced.assign_waves([PlannedWave(1, ("BER-T000",), ("E00000", "E00004"))])
    with pytest.raises(StoreError, match="E99999"):
        synced.assign_waves([PlannedWave(2, ("X",), ("E00001", "E99999"))])
    assert [a.employee_id for a in synced.agents(wave=1)] == ["E00000", "E00004"]
    assert synced.agents(wave=2) == []
    assert synced.wave_states() == {1: "planned"}


def test_declarations_record_update_revoke_and_missing(synced: Store) -> None:
    assert len(synced.declarations_missing()) == 40
    assert synced.record_declaration("E00003", date(2026, 11, 2), "lead-7", actor="al") == "record"
    assert synced.record_declaration("E00003", date(2026, 11, 2), "lead-7", actor="al") == (
        "unchanged"
    )
    assert synced.record_declaration("E00003", date(2026, 11, 3), "lead-7", actor="bo") == "update"
    assert "E00003" not in {a.employee_id for a in synced.declarations_missing()}
    assert synced.revoke_declaration("E00003", reason="withdrawn", actor="cy") is True
    assert synced.revoke_declaration("E00003", reason="again", actor="cy") is False
    assert "E00003" in {a.employee_id for a in synced.declarations_missing()}
    trail = synced.audit_trail("E00003")
    assert [(e.action, e.actor) for e in trail] == [("record", "al"), ("update", "bo"),
                                                     ("revoke", "cy")]  # fmt: skip
    assert trail[1].old == {"signed_on": "2026-11-02", "collected_by": "lead-7", "revoked": False}
    assert trail[2].new is not None and trail[2].new["reason"] == "withdrawn"
    # Signing again after a revocation makes the declaration active again.
    synced.record_declaration("E00003", date(2026, 11, 25), "lead-7", actor="al")
    record = synced.declaration("E00003")
    assert record is not None and record.active and record.signed_on == date(2026, 11, 25)


def test_unknown_employee_refuses_the_whole_batch(synced: Store) -> None:
    entries = [("E00001", date(2026, 11, 1), "l"), ("NOPE1", date(2026, 11, 1), "l")]
    with pytest.raises(StoreError, match="NOPE1"):
        synced.record_declarations(entries, actor="t")
    assert synced.declaration("E00001") is None
    with pytest.raises(StoreError, match="NOPE1"):
        synced.revoke_declaration("NOPE1", reason="x")


def test_claim_is_exclusive_and_failed_or_in_doubt_claims_are_retaken(synced: Store) -> None:
    key = (1, "lead@example.com", "team:T1")
    assert synced.claim_notification(*key, claimed_by="run-1") is True
    assert synced.claim_notification(*key, claimed_by="run-2") is False  # in flight / in doubt
    assert synced.claim_notification(*key, reclaim_in_doubt_after=timedelta(hours=1)) is False
    assert synced.claim_notification(*key, reclaim_in_doubt_after=timedelta(0)) is True
    synced.mark_notification(*key, status="failed", error="451 try later", attempts=3)
    assert synced.claim_notification(*key, claimed_by="run-3") is True  # failed: retried
    synced.mark_notification(*key, status="sent", message_id="<m@x>", attempts=1)
    assert synced.claim_notification(*key, claimed_by="run-4") is False
    assert synced.record_dry_run(*key, language="de", subject="s", message_id="<d@x>") is False
    (record,) = synced.notifications(wave=1)
    assert (record.status, record.attempts, record.message_id) == ("sent", 4, "<m@x>")
    assert record.sent_at is not None and record.last_error is None


def test_dry_run_records_do_not_block_a_real_send(synced: Store) -> None:
    key = (2, "lead@example.com", "team:T1")
    assert synced.record_dry_run(*key, language="de", subject="s", message_id="<d@x>")
    assert synced.claim_notification(*key) is True


def test_states_verification_and_runs(synced: Store) -> None:
    with pytest.raises(StoreError, match="flying"):
        synced.set_agent_state("E00001", "flying")
    with pytest.raises(StoreError, match="E77777"):
        synced.set_agent_state("E77777", "moved")
    synced.set_wave_state(3, "running")
    synced.set_wave_state(3, "done")
    assert synced.wave_states()[3] == "done"
    with pytest.raises(StoreError, match="BER-D00001"):
        synced.record_verification("BER-D00001", "vpn_profile", "maybe")
    run_id = synced.start_run("verify", actor="ci", details={"wave": 3})
    synced.record_verification("BER-D00001", "vpn_profile", "passed", run_id=run_id)
    synced.finish_run(run_id, status="ok", details={"checked": 1})
    (result,) = synced.verification_results("BER-D00001")
    assert (result.check, result.status, result.run_id) == ("vpn_profile", "passed", run_id)
    run = next(r for r in synced.runs() if r.id == run_id)
    assert run.status == "ok" and run.finished_at is not None
    assert run.details == {"wave": 3, "checked": 1}


def test_read_only_open_creates_nothing_and_needs_the_current_schema(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "homeshift.db"
    with pytest.raises(StoreError, match="no state store"):
        Store.open(f"sqlite:///{missing}", upgrade_schema=False)
    assert not missing.parent.exists()

    url = f"sqlite:///{tmp_path / 'old.db'}"
    old = Store(create_store_engine(url))
    upgrade(old.engine, target=1)
    old.close()
    with pytest.raises(StoreError, match="schema version 1"):
        Store.open(url, upgrade_schema=False)
    Store.open(url).close()  # a writing open upgrades it
    with Store.open(url, upgrade_schema=False) as store:
        assert store.version() == SCHEMA_VERSION
    with sqlite3.connect(tmp_path / "old.db") as conn:
        conn.execute("UPDATE schema_version SET version = 77")
    with pytest.raises(StoreError, match="77"):  # SchemaTooNewError is a StoreError
        Store.open(url, upgrade_schema=False)
