"""Tell team leads (and optionally operating offices) that their wave is scheduled.

``notify_wave`` works in three steps so that nothing is half-done:

1. build every notice for the wave and render it (a bad template or an inconsistent plan stops
   here, before anything is sent);
2. for each notice, claim it in the store (atomic: two concurrent runs never both send);
3. send it and record the outcome; a failure is recorded and the next run retries it.

A notice already sent is skipped, so re-running a wave sends nothing new.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses, make_msgid
from typing import Any

from homeshift.notify.config import NotifyConfig
from homeshift.notify.dryrun import NOTICE_HEADER
from homeshift.notify.render import RenderedMessage, TemplateRenderer, move_time
from homeshift.notify.smtp import MailTransport, SendError
from homeshift.roster import Agent, Roster
from homeshift.state.plan import WaveLike, find_wave
from homeshift.state.store import Store


class NotifyError(ValueError):
    """The wave cannot be notified (inconsistent plan/roster, missing date); nothing was sent."""


@dataclass(frozen=True, slots=True)
class Notice:
    """One message to one recipient about one team (or office) in one wave."""

    wave: int
    recipient: str
    kind: str  # "team:<TEAM>" or "office:<OFFICE>"
    template: str
    context: dict[str, Any] = field(hash=False, compare=False)


@dataclass(frozen=True, slots=True)
class NoticeOutcome:
    recipient: str
    kind: str
    status: str  # sent | failed | skipped | in_doubt | dry_run
    attempts: int = 0
    error: str | None = None
    subject: str | None = None


@dataclass(frozen=True, slots=True)
class NotifyReport:
    wave: int
    outcomes: tuple[NoticeOutcome, ...]

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def ok(self) -> bool:
        """Every notice is known to be out (none failed, none left in doubt by a killed run)."""
        return self.count("failed") == 0 and self.count("in_doubt") == 0

    def summary(self) -> dict[str, int]:
        statuses = ("sent", "failed", "skipped", "in_doubt", "dry_run")
        return {s: self.count(s) for s in statuses}


def build_notices(
    roster: Roster,
    wave: WaveLike,
    *,
    wave_date: date,
    config: NotifyConfig,
    missing_declarations: set[str],
    include_offices: bool = False,
) -> list[Notice]:
    """Every notice the wave needs (pure). Raises :class:`NotifyError` on an inconsistent plan."""
    members: dict[str, list[Agent]] = {}
    unknown: list[str] = []
    for employee_id in wave.agents:
        agent = roster.get(employee_id)
        if agent is None:
            unknown.append(employee_id)
            continue
        members.setdefault(agent.team, []).append(agent)
    if unknown:
        raise NotifyError(
            f"wave {wave.number} names {len(unknown)} agent(s) not in roster {roster.source}: "
            f"{', '.join(unknown[:10])}; was the plan built from another roster?"
        )
    helpdesk = config.helpdesk
    notices: list[Notice] = []
    office_teams: dict[str, list[dict[str, Any]]] = {}
    for team in sorted(members):
        agents = members[team]
        # Teams share a shift; if not, the team moves after the latest shift ends.
        latest = max(agents, key=lambda a: move_time(wave_date, a.shift))
        moving_at = move_time(wave_date, latest.shift)
        missing = [
            {"employee_id": a.employee_id, "name": a.name}
            for a in agents
            if a.employee_id in missing_declarations
        ]
        context: dict[str, Any] = {
            "wave": wave.number,
            "team": team,
            "site": agents[0].site,
            "office": agents[0].operating_office,
            "shift": str(latest.shift),
            "move_at": moving_at,
            "headcount": len(agents),
            "missing": missing,
            "helpdesk": helpdesk,
            "signature": config.signature,
        }
        for lead in sorted({a.team_lead_email for a in agents}):
            notices.append(Notice(wave.number, lead, f"team:{team}", "wave_notice", context))
        for office in sorted({a.operating_office for a in agents}):
            office_teams.setdefault(office, []).append(
                {
                    "team": team,
                    "headcount": len(agents),
                    "move_at": moving_at,
                    "missing": len(missing),
                }
            )
    if include_offices:
        for office, teams in sorted(office_teams.items()):
            address = config.offices.get(office)
            if address is None:
                raise NotifyError(
                    f"operating office {office} has no address in the notification settings "
                    "(offices: {OFFICE: e-mail}); add it or leave out --offices"
                )
            context = {
                "wave": wave.number,
                "office": office,
                "teams": teams,
                "helpdesk": helpdesk,
                "signature": config.signature,
            }
            notices.append(
                Notice(wave.number, address, f"office:{office}", "office_notice", context)
            )
    return notices


def build_message(notice: Notice, rendered: RenderedMessage, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = notice.recipient
    message["Subject"] = rendered.subject
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain=_domain_of(sender))
    message["Content-Language"] = rendered.language.replace("+", ", ")
    message[NOTICE_HEADER] = f"wave={notice.wave};kind={notice.kind}"
    message.set_content(rendered.body, charset="utf-8")
    return message


def notify_wave(
    store: Store,
    roster: Roster,
    plan: Sequence[WaveLike],
    wave: int,
    *,
    transport: MailTransport,
    config: NotifyConfig | None = None,
    sender: str | None = None,
    wave_date: date | None = None,
    languages: Sequence[str] = ("de",),
    include_offices: bool = False,
    renderer: TemplateRenderer | None = None,
    reclaim_in_doubt_after: timedelta | None = None,
    actor: str | None = None,
) -> NotifyReport:
    """Claim, render, send and record every notice of ``wave``; see the module docstring."""
    config = config or NotifyConfig()
    sender = sender or config.sender
    renderer = renderer or TemplateRenderer()
    planned = find_wave(plan, wave)
    when = wave_date or getattr(planned, "date", None)  # the planner's Wave has no date
    if when is None:
        raise NotifyError(f"wave {wave} has no date in the plan; give the move date (--date)")
    missing = {a.employee_id for a in store.declarations_missing()}
    known = store.known_employee_ids()
    not_synced = sorted(set(planned.agents) - known)
    if not_synced:
        raise NotifyError(
            f"{len(not_synced)} agent(s) of wave {wave} are not in the state store "
            f"({', '.join(not_synced[:5])}); run `homeshift state sync` with this roster first"
        )
    # Agents the store has never seen a declaration for are "missing" too (declarations_missing
    # covers them); agents only in the roster were rejected above.
    notices = build_notices(
        roster,
        planned,
        wave_date=when,
        config=config,
        missing_declarations=missing,
        include_offices=include_offices,
    )
    rendered = [(n, renderer.render(n.template, languages, n.context)) for n in notices]
    run_id = store.start_run(
        "notify",
        actor=actor,
        details={
            "wave": wave,
            "mode": "dry-run" if transport.dry_run else "send",
            "notices": len(notices),
        },
    )
    outcomes: list[NoticeOutcome] = []
    try:
        for notice, message_text in rendered:
            outcomes.append(
                _deliver(
                    store, notice, message_text, sender, transport, run_id, reclaim_in_doubt_after
                )
            )
    except BaseException:
        store.finish_run(run_id, status="failed", details={"done": len(outcomes)})
        raise
    report = NotifyReport(wave, tuple(outcomes))
    store.finish_run(run_id, status="ok" if report.ok else "failed", details=report.summary())
    if not transport.dry_run and report.ok:
        states = store.wave_states()
        if states.get(wave) in (None, "planned"):
            store.set_wave_state(wave, "notified")
    return report


def _deliver(
    store: Store,
    notice: Notice,
    rendered: RenderedMessage,
    sender: str,
    transport: MailTransport,
    run_id: str,
    reclaim_in_doubt_after: timedelta | None,
) -> NoticeOutcome:
    message = build_message(notice, rendered, sender)
    if transport.dry_run:
        if store.notification_status(notice.wave, notice.recipient, notice.kind) == "sent":
            return NoticeOutcome(notice.recipient, notice.kind, "skipped", subject=rendered.subject)
        transport.send(message)
        store.record_dry_run(
            notice.wave,
            notice.recipient,
            notice.kind,
            language=rendered.language,
            subject=rendered.subject,
            message_id=str(message["Message-ID"]),
        )
        return NoticeOutcome(notice.recipient, notice.kind, "dry_run", subject=rendered.subject)
    claimed = store.claim_notification(
        notice.wave,
        notice.recipient,
        notice.kind,
        language=rendered.language,
        claimed_by=run_id,
        reclaim_in_doubt_after=reclaim_in_doubt_after,
    )
    if not claimed:
        status = store.notification_status(notice.wave, notice.recipient, notice.kind)
        outcome = "in_doubt" if status == "claimed" else "skipped"
        return NoticeOutcome(notice.recipient, notice.kind, outcome, subject=rendered.subject)
    try:
        attempts = transport.send(message)
    except SendError as exc:
        store.mark_notification(
            notice.wave,
            notice.recipient,
            notice.kind,
            status="failed",
            attempts=exc.attempts,
            error=str(exc),
            subject=rendered.subject,
        )
        return NoticeOutcome(
            notice.recipient, notice.kind, "failed", exc.attempts, str(exc), rendered.subject
        )
    except BaseException as exc:
        # Unexpected: record it so the next run retries instead of leaving an in-doubt claim.
        store.mark_notification(
            notice.wave,
            notice.recipient,
            notice.kind,
            status="failed",
            error=f"unexpected {type(exc).__name__}",
            subject=rendered.subject,
        )
        raise
    store.mark_notification(
        notice.wave,
        notice.recipient,
        notice.kind,
        status="sent",
        attempts=attempts,
        message_id=str(message["Message-ID"]),
        subject=rendered.subject,
    )
    return NoticeOutcome(notice.recipient, notice.kind, "sent", attempts, None, rendered.subject)


def _domain_of(sender: str) -> str:
    addresses = getaddresses([sender])
    address = addresses[0][1] if addresses else ""
    try:
        return Address(addr_spec=address).domain or "homeshift.invalid"
    except (ValueError, IndexError):
        return "homeshift.invalid"
