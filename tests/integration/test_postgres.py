"""The state store on a real PostgreSQL server started by the test (Debian's binaries).

Starts a throwaway cluster (``initdb`` + ``pg_ctl``) on a free 127.0.0.1 port in a temporary
folder, as the ``postgres`` user when run as root, and stops and deletes it afterwards. Skips with
the reason when the binaries are not installed (``.ci/run`` installs Debian's postgresql).
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit" / "state"))

from store_scenarios import make_roster
from test_store_concurrency import (
    check_concurrent_claims,
    check_concurrent_declarations,
    check_concurrent_upgrade,
    check_killed_writer,
)

from homeshift.state import SCHEMA_VERSION, SchemaTooNewError, Store
from homeshift.state.migrations import upgrade
from homeshift.state.plan import PlannedWave
from homeshift.state.store import create_store_engine

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


@dataclass(frozen=True)
class PgServer:
    port: int
    user: str = "homeshift"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{database}"


def _pg_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), reverse=True)
    if found:
        return found[0].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def pg() -> Iterator[PgServer]:
    bin_dir = _pg_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL binaries (initdb/pg_ctl) not installed: apt-get install postgresql")
    prefix: list[str] = []
    owner: pwd.struct_passwd | None = None
    if os.geteuid() == 0:  # initdb refuses to run as root
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no 'postgres' user to run PostgreSQL as")
        prefix = ["runuser", "-u", "postgres", "--"]
    # Not under pytest's tmp dir: that is private to root and the server user must enter it.
    base = Path(tempfile.mkdtemp(prefix="homeshift-pg-", dir="/tmp"))
    base.chmod(0o755)
    data, sockets = base / "data", base / "sock"
    for folder in (data, sockets):
        folder.mkdir()
        if owner is not None:
            os.chown(folder, owner.pw_uid, owner.pw_gid)
    port = _free_port()
    log = base / "server.log"
    log.touch()
    if owner is not None:
        os.chown(log, owner.pw_uid, owner.pw_gid)
    started = False
    try:
        subprocess.run(
            [*prefix, str(bin_dir / "initdb"), "-D", str(data), "-U", "homeshift",
             "-A", "trust", "--no-sync", "-E", "UTF8"],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        options = (
            f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off"
        )
        result = subprocess.run(
            [*prefix, str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(log),
             "-w", "-t", "60", "start"],
            capture_output=True, text=True, timeout=90,
        )  # fmt: skip
        if result.returncode != 0:
            pytest.skip(
                f"PostgreSQL did not start: {result.stderr.strip()} {log.read_text()[-500:]}"
            )
        started = True
        yield PgServer(port)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
        pytest.skip(f"cannot run a throwaway PostgreSQL: {exc}")
    finally:
        if started:
            subprocess.run(
                [*prefix, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w",
                 "stop"],
                capture_output=True, timeout=60, check=False,
            )  # fmt: skip
        shutil.rmtree(base, ignore_errors=True)


def _new_database(pg: PgServer) -> str:
    import psycopg

    name = f"hs_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(f"host=127.0.0.1 port={pg.port} user={pg.user} dbname=postgres",
                         autocommit=True) as conn:  # fmt: skip
        conn.execute(f'CREATE DATABASE "{name}"')
    return pg.url(name)


@pytest.fixture(scope="module")
def pg_url(pg: PgServer) -> str:
    url = _new_database(pg)
    with Store.open(url) as store:
        store.sync_roster(make_roster(60), actor="setup")
    return url


def test_store_creates_and_upgrades_schema_on_postgres(pg: PgServer) -> None:
    url = _new_database(pg)
    old = Store(create_store_engine(url))
    upgrade(old.engine, target=1)
    old.sync_roster(make_roster(8), actor="old")
    old.close()
    with Store.open(url.replace("postgresql+psycopg://", "postgresql://")) as store:
        assert store.dialect == "postgresql"
        assert store.version() == SCHEMA_VERSION
        assert len(store.agents()) == 8
        store.assign_waves([PlannedWave(1, ("BER-T000",), ("E00000", "E00004"))])
        assert [a.employee_id for a in store.agents(wave=1)] == ["E00000", "E00004"]
        assert store.record_declaration("E00000", date(2026, 11, 3), "lead") == "record"
        assert store.revoke_declaration("E00000", reason="withdrawn") is True
        assert [e.action for e in store.audit_trail("E00000")] == ["record", "revoke"]
        with store.engine.begin() as conn:
            conn.exec_driver_sql("UPDATE schema_version SET version = 42")
    with pytest.raises(SchemaTooNewError, match="42"):
        Store.open(url)


def test_processes_creating_the_same_store_at_once_all_succeed_on_postgres(pg: PgServer) -> None:
    check_concurrent_upgrade(_new_database(pg))


def test_two_processes_recording_declarations_lose_nothing_on_postgres(pg_url: str) -> None:
    check_concurrent_declarations(pg_url)


def test_two_processes_never_claim_the_same_notification_on_postgres(pg_url: str) -> None:
    check_concurrent_claims(pg_url)


def test_killed_run_leaves_postgres_store_consistent(pg_url: str) -> None:
    check_killed_writer(pg_url)


def test_cli_state_info_masks_the_password(pg: PgServer) -> None:
    from typer.testing import CliRunner

    from homeshift.cli import app

    url = _new_database(pg).replace("homeshift@", "homeshift:t0p-s3cret@")  # trust auth ignores it
    result = CliRunner().invoke(app, ["state", "info", "--store", url])
    assert result.exit_code == 0, result.output
    info = json.loads(result.stdout)
    assert info["schema_version"] == SCHEMA_VERSION
    assert "t0p-s3cret" not in result.output and "***" in info["url"]
