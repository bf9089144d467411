"""``homeshift notify wave N``: tell team leads (and offices) that their wave is scheduled."""

from __future__ import annotations

import json
import os
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from homeshift.cli.state import StoreUrl, open_store
from homeshift.notify.config import NotifyConfigError, load_notify_config
from homeshift.notify.dryrun import EmlDirectory
from homeshift.notify.render import LANGUAGES, TemplateError, TemplateRenderer
from homeshift.notify.send import NotifyError, notify_wave
from homeshift.notify.smtp import MailTransport, Security, SmtpSettings, SmtpTransport
from homeshift.roster import RosterError, load_roster
from homeshift.state.plan import PlanFileError, read_plan_waves

PASSWORD_ENV = "HOMESHIFT_SMTP_PASSWORD"  # noqa: S105 - the variable name, not a secret

app = typer.Typer(help="Notifications to team leads and operating offices.")
# markup off: messages carry user data (file names, "[...]" in errors) that must print as is
console = Console(stderr=True, soft_wrap=True, markup=False, highlight=False)


@app.command()
def wave(
    number: Annotated[int, typer.Argument(min=1, help="Wave number in the plan.")],
    plan: Annotated[Path, typer.Option(help="Plan file (JSON).")],
    roster: Annotated[Path, typer.Option(help="Roster CSV the plan was built from.")],
    on: Annotated[
        str | None, typer.Option("--date", help="Move day YYYY-MM-DD (plan files carry no dates).")
    ] = None,
    language: Annotated[
        list[str] | None, typer.Option(help="de and/or en (repeat for a bilingual message).")
    ] = None,
    offices: Annotated[bool, typer.Option(help="Also notify each operating office.")] = False,
    config: Annotated[
        Path | None, typer.Option(help="Settings YAML: sender, helpdesk, offices.")
    ] = None,
    templates: Annotated[Path | None, typer.Option(help="Folder overriding templates.")] = None,
    sender: Annotated[str | None, typer.Option(help="From address (else from --config).")] = None,
    dry_run: Annotated[bool, typer.Option(help="Write .eml files instead of sending.")] = False,
    out: Annotated[Path, typer.Option(help="Folder for dry-run .eml files.")] = Path("outbox"),
    smtp_host: Annotated[str | None, typer.Option(help="SMTP relay host.")] = None,
    smtp_port: Annotated[int, typer.Option(help="SMTP port.")] = 25,
    starttls: Annotated[bool, typer.Option(help="Upgrade with STARTTLS.")] = False,
    ssl: Annotated[bool, typer.Option(help="Implicit TLS (SMTPS, usually port 465).")] = False,
    smtp_user: Annotated[
        str | None, typer.Option(help=f"SMTP AUTH user; the password comes from ${PASSWORD_ENV}.")
    ] = None,
    smtp_ca_file: Annotated[
        Path | None, typer.Option(help="CA certificate to trust for the relay.")
    ] = None,
    smtp_attempts: Annotated[int, typer.Option(min=1, help="Tries per message.")] = 3,
    smtp_timeout: Annotated[float, typer.Option(help="Seconds per SMTP operation.")] = 30.0,
    resend_in_doubt_after: Annotated[
        int | None,
        typer.Option(help="Minutes after which a claim left by a killed run is sent again."),
    ] = None,
    store_url: StoreUrl = None,
) -> None:
    """Send (or with --dry-run, file) each team lead's notice for wave NUMBER, once."""
    languages = tuple(language or ["de"])
    bad = [lang for lang in languages if lang not in LANGUAGES]
    if bad:
        raise typer.BadParameter(f"--language {bad[0]!r}: use one of {', '.join(LANGUAGES)}")
    if starttls and ssl:
        raise typer.BadParameter("--starttls and --ssl exclude each other")
    try:
        wave_date = date.fromisoformat(on) if on else None
    except ValueError as exc:
        raise typer.BadParameter(f"--date {on!r} is not YYYY-MM-DD") from exc
    transport: MailTransport
    if dry_run:
        transport = EmlDirectory(out)
    elif smtp_host is None:
        raise typer.BadParameter("give --smtp-host, or --dry-run to write .eml files")
    else:
        password = os.environ.get(PASSWORD_ENV)
        if smtp_user and not password:
            raise typer.BadParameter(f"--smtp-user needs the password in ${PASSWORD_ENV}")
        security: Security = "ssl" if ssl else "starttls" if starttls else "plain"
        transport = SmtpTransport(
            SmtpSettings(
                host=smtp_host,
                port=smtp_port,
                security=security,
                username=smtp_user,
                password=password,
                timeout=smtp_timeout,
                attempts=smtp_attempts,
                ca_file=str(smtp_ca_file) if smtp_ca_file else None,
            )
        )
    try:
        loaded = load_roster(roster)
        waves = read_plan_waves(plan)
        settings = load_notify_config(config)
        renderer = TemplateRenderer(templates)
    except (RosterError, PlanFileError, NotifyConfigError, TemplateError) as exc:
        console.print(str(exc), style="red")
        raise typer.Exit(1) from exc
    with open_store(store_url) as store:
        try:
            report = notify_wave(
                store,
                loaded,
                waves,
                number,
                transport=transport,
                config=settings,
                sender=sender,
                wave_date=wave_date,
                languages=languages,
                include_offices=offices,
                renderer=renderer,
                reclaim_in_doubt_after=(
                    timedelta(minutes=resend_in_doubt_after)
                    if resend_in_doubt_after is not None
                    else None
                ),
            )
        except (NotifyError, PlanFileError, TemplateError) as exc:
            console.print(str(exc), style="red")
            raise typer.Exit(1) from exc
    for outcome in report.outcomes:
        typer.echo(
            json.dumps(
                {
                    "recipient": outcome.recipient,
                    "kind": outcome.kind,
                    "status": outcome.status,
                    "attempts": outcome.attempts,
                    "error": outcome.error,
                }
            )
        )
    summary = ", ".join(f"{n} {status}" for status, n in report.summary().items() if n)
    where = f" into {out}" if dry_run else ""
    console.print(f"wave {number}: {summary or 'nothing to do'}{where}")
    if not report.ok:
        console.print(
            "failed notices are recorded and retried by the next run; in-doubt ones (claimed "
            "by a run that died) are re-sent only with --resend-in-doubt-after MINUTES"
        )
        raise typer.Exit(2)


@app.command()
def status(
    wave_number: Annotated[int | None, typer.Option("--wave", help="Only this wave.")] = None,
    store_url: StoreUrl = None,
) -> None:
    """What was sent, failed or is in doubt, per wave and recipient (JSON lines)."""
    with open_store(store_url) as store:
        for record in store.notifications(wave=wave_number):
            typer.echo(
                json.dumps(
                    {
                        "wave": record.wave,
                        "recipient": record.recipient,
                        "kind": record.kind,
                        "language": record.language,
                        "status": record.status,
                        "attempts": record.attempts,
                        "last_error": record.last_error,
                        "sent_at": record.sent_at.isoformat() if record.sent_at else None,
                        "message_id": record.message_id,
                    },
                    ensure_ascii=False,
                )
            )
