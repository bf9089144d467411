"""Wave notices against a real SMTP server on loopback (aiosmtpd).

Checks recipients, subject and body (German and English), STARTTLS + AUTH with a self-signed
certificate, a refused send retried and recorded, a re-run that sends nothing new, and dry-run
.eml files.
"""

from __future__ import annotations

import datetime as dt
import email
import ipaddress
import json
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, time
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from typer.testing import CliRunner

from homeshift.cli import app
from homeshift.notify.config import Helpdesk, NotifyConfig
from homeshift.notify.dryrun import EmlDirectory
from homeshift.notify.send import NotifyError, notify_wave
from homeshift.notify.smtp import SmtpSettings, SmtpTransport
from homeshift.roster import Agent, Roster, Shift, write_roster
from homeshift.state import Store
from homeshift.state.plan import PlannedWave

SMTP_USER = "relay-user"
SMTP_PASSWORD = "n0t-the-real-relay-pw"
WAVE_DAY = date(2026, 12, 7)  # a Monday


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Recorder:
    """aiosmtpd handler: keeps what arrives; can answer 451 a number of times."""

    received: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    refuse_next: int = 0
    logins: list[str] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse_next > 0:
            self.refuse_next -= 1
            return "451 4.3.0 mailbox busy, try again later"
        message = email.message_from_bytes(envelope.content, policy=default_policy)
        assert isinstance(message, EmailMessage)
        self.received.append(message)
        self.envelopes.append((envelope.mail_from, tuple(envelope.rcpt_tos)))
        return "250 2.0.0 OK"

    def reset(self) -> None:
        self.received.clear()
        self.envelopes.clear()
        self.logins.clear()
        self.refuse_next = 0


@pytest.fixture(scope="module")
def plain_smtp() -> Iterator[tuple[Recorder, int]]:
    recorder = Recorder()
    port = _free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield recorder, port
    finally:
        controller.stop()


def _self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "homeshift test relay")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "relay.crt", folder / "relay.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture(scope="module")
def tls_smtp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Recorder, int, Path]]:
    recorder = Recorder()
    cert, key = _self_signed(tmp_path_factory.mktemp("tls"))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)

    def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
        ok = (
            isinstance(data, LoginPassword)
            and data.login.decode() == SMTP_USER
            and data.password.decode() == SMTP_PASSWORD
        )
        if ok:
            recorder.logins.append(data.login.decode())
        return AuthResult(success=ok, handled=False)

    port = _free_port()
    controller = Controller(
        recorder,
        hostname="127.0.0.1",
        port=port,
        tls_context=context,
        require_starttls=True,
        authenticator=authenticate,
        auth_required=True,
    )
    controller.start()
    try:
        yield recorder, port, cert
    finally:
        controller.stop()


def _agent(i: int, team: str, *, shift: Shift, consent: bool) -> Agent:
    return Agent(
        employee_id=f"E{i:04d}",
        name=f"Jürgen Größe {i}" if not consent else f"Person {i}",
        team=team,
        team_lead_email=f"lead.{team.lower()}@example.com",
        site="Leipzig" if team.startswith("LEJ") else "Berlin",
        operating_office="LEJ-1" if team.startswith("LEJ") else "BER-1",
        desktop=f"D{i:04d}",
        shift=shift,
        consent_date=date(2026, 11, 1) if consent else None,
    )


EARLY = Shift(time(6, 0), time(14, 30))
NIGHT = Shift(time(22, 0), time(6, 30))
ROSTER = Roster(
    (
        _agent(1, "BER-T01", shift=EARLY, consent=True),
        _agent(2, "BER-T01", shift=EARLY, consent=False),
        _agent(3, "LEJ-T07", shift=NIGHT, consent=True),
        _agent(4, "LEJ-T07", shift=NIGHT, consent=True),
        _agent(5, "BER-T02", shift=EARLY, consent=True),  # wave 2: never notified here
    ),
    "roster.csv",
)
PLAN = (
    PlannedWave(1, ("BER-T01", "LEJ-T07"), ("E0001", "E0002", "E0003", "E0004")),
    PlannedWave(2, ("BER-T02",), ("E0005",)),
)
CONFIG = NotifyConfig(
    sender="Homeshift Projekt <homeshift@example.com>",
    signature="Ihr Homeoffice-Projektteam",
    helpdesk=Helpdesk("IT-Service-Desk", "+49 341 555-0100", "desk@example.com", "24/7"),
    offices={"BER-1": "office.ber1@example.com", "LEJ-1": "office.lej1@example.com"},
)
LEADS = {"lead.ber-t01@example.com", "lead.lej-t07@example.com"}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(f"sqlite:///{tmp_path / 'state.db'}")
    opened.sync_roster(ROSTER, actor="t")
    opened.assign_waves(PLAN)
    yield opened
    opened.close()


def _by_recipient(recorder: Recorder) -> dict[str, EmailMessage]:
    return {str(m["To"]): m for m in recorder.received}


def test_team_leads_get_one_german_notice_and_a_rerun_sends_nothing(
    plain_smtp: tuple[Recorder, int], store: Store
) -> None:
    recorder, port = plain_smtp
    recorder.reset()
    transport = SmtpTransport(SmtpSettings("127.0.0.1", port, security="plain", timeout=10))
    report = notify_wave(
        store, ROSTER, PLAN, 1, transport=transport, config=CONFIG, wave_date=WAVE_DAY
    )
    assert report.summary()["sent"] == 2 and report.ok
    assert {rcpts for _, rcpts in recorder.envelopes} == {(lead,) for lead in LEADS}
    assert {sender for sender, _ in recorder.envelopes} == {"homeshift@example.com"}
    messages = _by_recipient(recorder)
    ber = messages["lead.ber-t01@example.com"]
    # Python folds a long Subject right after "Subject:"; unfolding leaves a leading space.
    assert str(ber["Subject"]).strip() == (
        "Umzug ins Homeoffice: Team BER-T01 (Welle 1) am Montag, 7. Dezember 2026"
    )
    body = ber.get_content()
    assert "Montag, 7. Dezember 2026, ab 14:45 Uhr" in body  # shift end 14:30 + 15 min
    for item in ("Arbeitsplatz-PC", "Monitore", "Tastatur und Maus", "Headset", "Kabel"):
        assert item in body
    assert "Jürgen Größe 2 (E0002)" in body  # declaration still missing: bring it back signed
    assert "Person 1" not in body
    assert "+49 341 555-0100" in body and "desk@example.com" in body
    lej = messages["lead.lej-t07@example.com"].get_content()
    # Night shift 22:00-06:30 ends the next morning.
    assert "Dienstag, 8. Dezember 2026, ab 06:45 Uhr" in lej
    assert "Alle Datenschutzerklärungen Ihres Teams liegen vor" in lej
    assert {n.status for n in store.notifications(wave=1)} == {"sent"}
    assert store.wave_states()[1] == "notified"

    again = notify_wave(
        store, ROSTER, PLAN, 1, transport=transport, config=CONFIG, wave_date=WAVE_DAY
    )
    assert again.summary()["skipped"] == 2 and again.summary()["sent"] == 0
    assert len(recorder.received) == 2  # nothing new went out


def test_english_notice_and_operating_offices(
    plain_smtp: tuple[Recorder, int], store: Store
) -> None:
    recorder, port = plain_smtp
    recorder.reset()
    transport = SmtpTransport(SmtpSettings("127.0.0.1", port, security="plain", timeout=10))
    report = notify_wave(
        store, ROSTER, PLAN, 1, transport=transport, config=CONFIG, wave_date=WAVE_DAY,
        languages=("en",), include_offices=True,
    )  # fmt: skip
    assert report.summary()["sent"] == 4
    messages = _by_recipient(recorder)
    assert set(messages) == LEADS | {"office.ber1@example.com", "office.lej1@example.com"}
    lead = messages["lead.ber-t01@example.com"]
    assert (
        str(lead["Subject"]).strip()
        == "Move to home office: team BER-T01 (wave 1) on Monday, 7 December 2026"
    )
    assert "Monday, 7 December 2026, from 14:45" in lead.get_content()
    assert "Please bring back signed" in lead.get_content()
    office = messages["office.lej1@example.com"]
    assert "Wave 1: 1 team(s) of LEJ-1" in str(office["Subject"])
    assert "LEJ-T07: 2 people, Tuesday, 8 December 2026 from 06:45" in office.get_content()


def test_starttls_and_auth_with_self_signed_certificate(
    tls_smtp: tuple[Recorder, int, Path], store: Store
) -> None:
    recorder, port, cert = tls_smtp
    recorder.reset()
    settings = SmtpSettings(
        "127.0.0.1", port, security="starttls", username=SMTP_USER, password=SMTP_PASSWORD,
        ca_file=str(cert), timeout=10,
    )  # fmt: skip
    assert SMTP_PASSWORD not in repr(settings)
    report = notify_wave(
        store, ROSTER, PLAN, 1, transport=SmtpTransport(settings), config=CONFIG,
        wave_date=WAVE_DAY, languages=("de", "en"),
    )  # fmt: skip
    assert report.summary()["sent"] == 2
    assert recorder.logins == [SMTP_USER, SMTP_USER]
    subject = str(_by_recipient(recorder)["lead.ber-t01@example.com"]["Subject"])
    assert "Welle 1" in subject and "wave 1" in subject  # bilingual


def test_wrong_password_fails_permanently_without_leaking_it(
    tls_smtp: tuple[Recorder, int, Path], store: Store
) -> None:
    recorder, port, cert = tls_smtp
    recorder.reset()
    settings = SmtpSettings(
        "127.0.0.1", port, security="starttls", username=SMTP_USER, password="wr0ng-pw-xyz",
        ca_file=str(cert), timeout=10, attempts=3,
    )  # fmt: skip
    report = notify_wave(
        store, ROSTER, PLAN, 1, transport=SmtpTransport(settings, sleep=lambda _: None),
        config=CONFIG, wave_date=WAVE_DAY,
    )  # fmt: skip
    assert report.summary()["failed"] == 2 and not report.ok
    for outcome in report.outcomes:
        assert outcome.attempts == 1  # authentication refused: not retried
        assert outcome.error is not None and "authentication refused" in outcome.error
    for record in store.notifications(wave=1):
        assert record.status == "failed"
        assert "wr0ng-pw-xyz" not in (record.last_error or "")
    assert recorder.received == []


def test_refused_send_is_retried_and_recorded(
    plain_smtp: tuple[Recorder, int], store: Store
) -> None:
    recorder, port = plain_smtp
    recorder.reset()
    recorder.refuse_next = 4  # both notices x two attempts
    transport = SmtpTransport(
        SmtpSettings("127.0.0.1", port, security="plain", timeout=10, attempts=2),
        sleep=lambda _: None,
    )
    first = notify_wave(
        store, ROSTER, PLAN, 1, transport=transport, config=CONFIG, wave_date=WAVE_DAY
    )
    assert first.summary()["failed"] == 2 and recorder.received == []
    for record in store.notifications(wave=1):
        assert (record.status, record.attempts) == ("failed", 2)
        assert record.last_error is not None and "451" in record.last_error
    assert store.runs(1)[0].status == "failed"

    recorder.refuse_next = 1  # one more transient refusal: retried within the run
    second = notify_wave(
        store, ROSTER, PLAN, 1, transport=transport, config=CONFIG, wave_date=WAVE_DAY
    )
    assert second.summary()["sent"] == 2
    assert sorted(o.attempts for o in second.outcomes) == [1, 2]
    assert sorted(r.attempts for r in store.notifications(wave=1)) == [3, 4]
    assert len(recorder.received) == 2

    third = notify_wave(
        store, ROSTER, PLAN, 1, transport=transport, config=CONFIG, wave_date=WAVE_DAY
    )
    assert third.summary()["sent"] == 0 and len(recorder.received) == 2


def test_dry_run_writes_eml_files_and_does_not_block_the_real_send(
    plain_smtp: tuple[Recorder, int], store: Store, tmp_path: Path
) -> None:
    recorder, port = plain_smtp
    recorder.reset()
    outbox = EmlDirectory(tmp_path / "outbox")
    report = notify_wave(
        store, ROSTER, PLAN, 1, transport=outbox, config=CONFIG, wave_date=WAVE_DAY
    )
    assert report.summary()["dry_run"] == 2 and recorder.received == []
    files = sorted((tmp_path / "outbox" / "wave-1").glob("*.eml"))
    assert [f.name for f in files] == [
        "team_BER-T01__lead.ber-t01@example.com.eml",
        "team_LEJ-T07__lead.lej-t07@example.com.eml",
    ]
    parsed = email.message_from_bytes(files[0].read_bytes(), policy=default_policy)
    assert isinstance(parsed, EmailMessage)
    assert parsed["To"] == "lead.ber-t01@example.com"
    assert parsed["Message-ID"].endswith("@example.com>")
    assert "Größe" in parsed.get_content()
    assert {n.status for n in store.notifications(wave=1)} == {"dry_run"}

    real = notify_wave(
        store, ROSTER, PLAN, 1,
        transport=SmtpTransport(SmtpSettings("127.0.0.1", port, security="plain", timeout=10)),
        config=CONFIG, wave_date=WAVE_DAY,
    )  # fmt: skip
    assert real.summary()["sent"] == 2 and len(recorder.received) == 2


def test_plan_from_another_roster_sends_nothing(
    plain_smtp: tuple[Recorder, int], store: Store
) -> None:
    recorder, port = plain_smtp
    recorder.reset()
    transport = SmtpTransport(SmtpSettings("127.0.0.1", port, security="plain", timeout=10))
    bad_plan = (PlannedWave(1, ("BER-T01",), ("E0001", "X9999")),)
    with pytest.raises(NotifyError, match="X9999"):
        notify_wave(store, ROSTER, bad_plan, 1, transport=transport, wave_date=WAVE_DAY)
    with pytest.raises(NotifyError, match="--date"):
        notify_wave(store, ROSTER, PLAN, 1, transport=transport)
    assert recorder.received == [] and store.notifications() == []


def _plan_document(waves: list[tuple[int, list[str], list[str]]]) -> dict[str, Any]:
    """A complete version-1 plan file (as in docs/plan-file.md) with the given waves."""
    pool = {"name": "HS-POOL-ASA-01", "network": "10.64.16.0/19", "first": "10.64.16.1",
            "last": "10.64.47.254", "mask": "255.255.224.0", "size": 8190}  # fmt: skip
    return {
        "version": 1,
        "created": "2026-12-01T07:00:00+00:00",
        "inputs": {
            "peak_sessions_source": "roster", "headcount_per_shift": {"06:00-14:30": 4},
            "concurrency_ratio": 1.0, "per_user_kbps": 250, "max_utilisation": 0.8,
            "redundancy": 1, "supernet": "10.64.0.0/12", "exclude": [],
            "default_model": "ASA5555",
        },
        "capacity": {
            "peak_sessions": 4, "headends_required": 1, "headends_existing": 1,
            "headends_to_add": 0, "session_budget_per_headend": 4000,
            "cluster_session_capacity": 5000, "throughput_required_mbps": 1.0,
            "throughput_available_mbps": 2000.0, "throughput_ok": True, "notes": [],
            "headends": [
                {"name": "asa-01", "model": "ASA5555", "existing": True, "licensed_peers": 5000,
                 "session_limit": 5000, "session_budget": 4000, "throughput_mbps": 2000.0,
                 "priority": 10, "pool": pool},
            ],
        },
        "waves": [
            {"number": n, "teams": teams, "agents": agents, "headcount": len(agents),
             "sessions": len(agents)}
            for n, teams, agents in waves
        ],
        "unschedulable": [],
    }  # fmt: skip


def test_cli_notify_over_starttls_with_password_from_env(
    tls_smtp: tuple[Recorder, int, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorder, port, cert = tls_smtp
    recorder.reset()
    roster_csv, plan_json = tmp_path / "roster.csv", tmp_path / "plan.json"
    write_roster(ROSTER, roster_csv)
    plan_json.write_text(json.dumps(_plan_document([(1, ["BER-T01"], ["E0001", "E0002"])])))
    monkeypatch.setenv("HOMESHIFT_STORE", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("HOMESHIFT_SMTP_PASSWORD", SMTP_PASSWORD)
    runner = CliRunner()
    assert runner.invoke(app, ["state", "sync", "--roster", str(roster_csv)]).exit_code == 0
    args = [
        "notify", "wave", "1", "--plan", str(plan_json), "--roster", str(roster_csv),
        "--smtp-host", "127.0.0.1", "--smtp-port", str(port), "--starttls",
        "--smtp-user", SMTP_USER, "--smtp-ca-file", str(cert), "--language", "en",
        "--date", "2026-12-07",
    ]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert '"status": "sent"' in result.output and SMTP_PASSWORD not in result.output
    assert [str(m["To"]) for m in recorder.received] == ["lead.ber-t01@example.com"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0 and '"status": "skipped"' in result.output
    assert len(recorder.received) == 1
    shown = runner.invoke(app, ["notify", "status", "--wave", "1"])
    (record,) = [json.loads(line) for line in shown.stdout.splitlines()]
    assert (record["recipient"], record["kind"], record["status"], record["language"]) == (
        "lead.ber-t01@example.com",
        "team:BER-T01",
        "sent",
        "en",
    )

    dry = runner.invoke(
        app,
        ["notify", "wave", "1", "--plan", str(plan_json), "--roster", str(roster_csv),
         "--dry-run", "--out", str(tmp_path / "out"), "--date", "2026-12-07"],
    )  # fmt: skip
    assert dry.exit_code == 0, dry.output
    assert '"status": "skipped"' in dry.output  # already really sent: no dry-run copy needed


def test_two_concurrent_runs_send_each_notice_once(
    plain_smtp: tuple[Recorder, int], store: Store, tmp_path: Path
) -> None:
    import threading

    recorder, port = plain_smtp
    recorder.reset()
    url = f"sqlite:///{tmp_path / 'state.db'}"
    barrier = threading.Barrier(2)
    reports: list[Any] = []

    def run() -> None:
        with Store.open(url) as own:
            barrier.wait()
            transport = SmtpTransport(SmtpSettings("127.0.0.1", port, security="plain"))
            reports.append(
                notify_wave(
                    own,
                    ROSTER,
                    PLAN,
                    1,
                    transport=transport,
                    config=CONFIG,
                    wave_date=WAVE_DAY,
                    include_offices=True,
                )
            )

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sum(r.summary()["sent"] for r in reports) == 4
    assert sorted(str(m["To"]) for m in recorder.received) == sorted(
        [*LEADS, "office.ber1@example.com", "office.lej1@example.com"]
    )


def test_claim_left_by_a_killed_run_is_in_doubt_until_told(
    plain_smtp: tuple[Recorder, int], store: Store
) -> None:
    recorder, port = plain_smtp
    recorder.reset()
    # A run claimed this notice and died before recording the outcome.
    assert store.claim_notification(1, "lead.ber-t01@example.com", "team:BER-T01")
    transport = SmtpTransport(SmtpSettings("127.0.0.1", port, security="plain"))
    report = notify_wave(
        store, ROSTER, PLAN, 1, transport=transport, config=CONFIG, wave_date=WAVE_DAY
    )
    assert {(o.kind, o.status) for o in report.outcomes} == {
        ("team:BER-T01", "in_doubt"),
        ("team:LEJ-T07", "sent"),
    }
    assert store.wave_states()[1] == "planned"  # not every notice is known to be out
    report = notify_wave(
        store, ROSTER, PLAN, 1, transport=transport, config=CONFIG, wave_date=WAVE_DAY,
        reclaim_in_doubt_after=dt.timedelta(0),
    )  # fmt: skip
    assert report.summary()["sent"] == 1
    assert sorted(str(m["To"]) for m in recorder.received) == sorted(LEADS)


def test_implicit_tls_smtps(tmp_path: Path, store: Store) -> None:
    recorder = Recorder()
    cert, key = _self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    port = _free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port, ssl_context=context)
    controller.start()
    try:
        settings = SmtpSettings("127.0.0.1", port, security="ssl", ca_file=str(cert), timeout=10)
        report = notify_wave(
            store, ROSTER, PLAN, 1, transport=SmtpTransport(settings), config=CONFIG,
            wave_date=WAVE_DAY,
        )  # fmt: skip
    finally:
        controller.stop()
    assert report.summary()["sent"] == 2 and len(recorder.received) == 2
