"""Backend-independent state-store scenarios, shared by the SQLite and PostgreSQL tests.

Functions here run in child processes (multiprocessing, spawn), so they take a store URL, not a
Store, and return plain data.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from datetime import UTC, date, datetime
from datetime import time as clock
from typing import Any

from sqlalchemy import func, select

from homeshift.roster import Agent, Roster, Shift
from homeshift.state import schema
from homeshift.state.store import Store


def make_roster(count: int = 40, *, teams: int = 4, consent_every: int = 0) -> Roster:
    """``count`` agents in ``teams`` teams; every ``consent_every``-th has a roster consent date."""
    agents = []
    for i in range(count):
        team = f"BER-T{i % teams:03d}"
        agents.append(
            Agent(
                employee_id=f"E{i:05d}",
                name=f"Person {i}",
                team=team,
                team_lead_email=f"lead.{team.lower()}@example.com",
                site="Berlin",
                operating_office="BER-1" if i % 2 else "BER-2",
                desktop=f"BER-D{i:05d}",
                shift=Shift(clock(6, 0), clock(14, 30)),
                consent_date=date(2026, 11, 1)
                if consent_every and i % consent_every == 0
                else None,
            )
        )
    return Roster(tuple(agents), "roster.csv")


def _ctx() -> Any:
    return multiprocessing.get_context("spawn")


def _declare_all(url: str, ids: list[str], collector: str, barrier: Any, queue: Any) -> None:
    store = Store.open(url)
    barrier.wait()
    actions = [
        store.record_declaration(eid, date(2026, 11, 20), collector, actor=collector, source="t")
        for eid in ids
    ]
    store.close()
    queue.put(actions)


def _claim_all(
    url: str, keys: list[tuple[int, str, str]], who: str, barrier: Any, queue: Any
) -> None:
    store = Store.open(url)
    barrier.wait()
    won = [key for key in keys if store.claim_notification(*key, claimed_by=who)]
    store.close()
    queue.put(won)


def run_concurrent_declarations(url: str, ids: list[str]) -> list[list[str]]:
    """Two processes record a declaration for every id at once; returns each one's actions."""
    ctx = _ctx()
    barrier = ctx.Barrier(2)
    queue = ctx.Queue()
    procs = [
        ctx.Process(target=_declare_all, args=(url, ids, who, barrier, queue))
        for who in ("lead-a", "lead-b")
    ]
    for p in procs:
        p.start()
    results = [queue.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(30)
        assert p.exitcode == 0, f"worker failed with exit code {p.exitcode}"
    return results


def run_concurrent_claims(url: str, keys: list[tuple[int, str, str]]) -> list[list[Any]]:
    """Two processes try to claim the same notification keys; returns each one's wins."""
    ctx = _ctx()
    barrier = ctx.Barrier(2)
    queue = ctx.Queue()
    procs = [
        ctx.Process(target=_claim_all, args=(url, keys, who, barrier, queue))
        for who in ("run-a", "run-b")
    ]
    for p in procs:
        p.start()
    results = [[tuple(k) for k in queue.get(timeout=120)] for _ in procs]
    for p in procs:
        p.join(30)
        assert p.exitcode == 0, f"worker failed with exit code {p.exitcode}"
    return results


def _write_then_hang(url: str, ready: Any) -> None:
    """Insert agents and declarations inside one transaction, then wait to be killed."""
    store = Store.open(url)
    now = time.time()
    with store._write() as conn:
        conn.execute(
            schema.agents.insert(),
            [
                {"employee_id": f"K{i:04d}", "team": "KILLED", "site": "x", "office": "x",
                 "desktop": f"K{i:04d}", "shift": "06:00-14:30", "updated_at": store_now()}
                for i in range(50)
            ],
        )  # fmt: skip
        conn.execute(
            schema.declaration_audit.insert().values(
                at=store_now(), actor="killed", action="record", employee_id="K0000",
                old=None, new={"x": now}, source="killed",
            )
        )  # fmt: skip
        ready.set()
        time.sleep(120)  # SIGKILLed here, inside the open transaction


def store_now() -> datetime:
    return datetime.now(UTC)


def run_killed_writer(url: str) -> int:
    """Start a writer, SIGKILL it mid-transaction; returns its exit code."""
    ctx = _ctx()
    ready = ctx.Event()
    proc = ctx.Process(target=_write_then_hang, args=(url, ready))
    proc.start()
    try:
        assert ready.wait(60), "writer never reached its transaction"
        assert proc.pid is not None
        os.kill(proc.pid, signal.SIGKILL)
        proc.join(30)
    finally:
        if proc.is_alive():
            proc.kill()
            proc.join(10)
    return int(proc.exitcode or 0)


def count_rows(store: Store, table: Any, *where: Any) -> int:
    with store._read() as conn:
        return int(conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one())


def _open_and_report(url: str, barrier: Any, queue: Any) -> None:
    barrier.wait()
    with Store.open(url) as store:
        queue.put(store.version())


def run_concurrent_opens(url: str, processes: int = 3) -> list[int]:
    """Several processes open (and so create/upgrade) the same fresh store at once."""
    ctx = _ctx()
    barrier = ctx.Barrier(processes)
    queue = ctx.Queue()
    procs = [
        ctx.Process(target=_open_and_report, args=(url, barrier, queue)) for _ in range(processes)
    ]
    for p in procs:
        p.start()
    versions = [queue.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(30)
        assert p.exitcode == 0, f"worker failed with exit code {p.exitcode}"
    return versions
