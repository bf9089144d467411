"""Render notification messages from Jinja2 templates (German and English shipped).

Templates are ``<kind>.<language>.txt.j2`` (body) and ``<kind>.<language>.subject.j2``; a
``--templates DIR`` folder overrides any of them by file name. Undefined variables are errors,
so a broken custom template fails before anything is sent. Dates are formatted here, not with the
process locale, so a German message reads German on any machine.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import jinja2

from homeshift.roster import Shift

LANGUAGES: tuple[str, ...] = ("de", "en")
KINDS: tuple[str, ...] = ("wave_notice", "office_notice")
#: the move starts this long after the shift ends (time to pack up)
MOVE_AFTER_SHIFT_END = timedelta(minutes=15)

_DE_WEEKDAYS = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")
_DE_MONTHS = (
    "Januar", "Februar", "März", "April", "Mai", "Juni",
    "Juli", "August", "September", "Oktober", "November", "Dezember",
)  # fmt: skip
_EN_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_EN_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


class TemplateError(ValueError):
    """A template is missing or does not render; names the template."""


@dataclass(frozen=True, slots=True)
class RenderedMessage:
    subject: str
    body: str
    language: str  # "de", "en" or "de+en" for a bilingual message


def move_time(wave_date: date, shift: Shift) -> datetime:
    """When a team moves: its shift end on the wave day plus 15 minutes.

    A shift that crosses midnight (22:00-06:30) ends on the following morning.
    """
    end_day = wave_date + timedelta(days=1) if shift.end <= shift.start else wave_date
    return datetime.combine(end_day, shift.end) + MOVE_AFTER_SHIFT_END


def de_date(value: date) -> str:
    return (
        f"{_DE_WEEKDAYS[value.weekday()]}, {value.day}. {_DE_MONTHS[value.month - 1]} {value.year}"
    )


def en_date(value: date) -> str:
    return (
        f"{_EN_WEEKDAYS[value.weekday()]}, {value.day} {_EN_MONTHS[value.month - 1]} {value.year}"
    )


def hhmm(value: datetime | time) -> str:
    return f"{value:%H:%M}"


class TemplateRenderer:
    """Renders a kind of message in one or more languages."""

    def __init__(self, template_dir: str | Path | None = None) -> None:
        loaders: list[jinja2.BaseLoader] = []
        if template_dir is not None:
            if not Path(template_dir).is_dir():
                raise TemplateError(f"template folder {template_dir} does not exist")
            loaders.append(jinja2.FileSystemLoader(str(template_dir)))
        loaders.append(jinja2.PackageLoader("homeshift.notify", "templates"))
        self.env = jinja2.Environment(
            loader=jinja2.ChoiceLoader(loaders),
            undefined=jinja2.StrictUndefined,
            autoescape=False,  # noqa: S701 - plain-text e-mail, never HTML
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        self.env.filters.update(de_date=de_date, en_date=en_date, hhmm=hhmm)

    def render(
        self, kind: str, languages: Sequence[str], context: Mapping[str, Any]
    ) -> RenderedMessage:
        """One message; several languages are joined in order (subject ``de / en``)."""
        if not languages:
            raise TemplateError("no language selected")
        subjects: list[str] = []
        bodies: list[str] = []
        for language in languages:
            if language not in LANGUAGES:
                raise TemplateError(f"language {language!r} is not one of {', '.join(LANGUAGES)}")
            subjects.append(self._one(f"{kind}.{language}.subject.j2", context).strip())
            bodies.append(self._one(f"{kind}.{language}.txt.j2", context).rstrip() + "\n")
        separator = "\n" + "-" * 72 + "\n\n"
        return RenderedMessage(
            subject=" / ".join(subjects),
            body=separator.join(bodies),
            language="+".join(languages),
        )

    def _one(self, name: str, context: Mapping[str, Any]) -> str:
        try:
            return self.env.get_template(name).render(**context)
        except jinja2.TemplateNotFound as exc:
            raise TemplateError(f"template {name} not found") from exc
        except jinja2.TemplateError as exc:
            raise TemplateError(f"template {name} does not render: {exc}") from exc
