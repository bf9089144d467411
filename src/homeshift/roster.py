"""The workforce roster: who moves, which desktop they use, and whether they signed.

The roster is the one input every other step trusts, so loading it is strict: every row is
validated and the whole file is rejected with the complete list of problems (row, column,
reason). Nothing downstream ever sees a half-valid roster.

CSV format (header row required, column order free, UTF-8, ``,`` separated)::

    employee_id,name,team,team_lead_email,site,operating_office,desktop,shift,consent_date
    E000001,Anna Becker,BER-T001,lead@example.com,Berlin,BER-1,BER-D000001,06:00-14:30,2026-11-20

* ``employee_id``   unique, letters/digits/``-``/``_``, at most 32 characters
* ``name``          display name (kept only because teams are told by name)
* ``team``          team identifier; teams move whole
* ``team_lead_email`` where the team's notification goes
* ``site``          service centre the agent sits in today
* ``operating_office`` the office responsible for the agent (reporting and notifications)
* ``desktop``       Windows hostname of the agent's office desktop, unique (NetBIOS: 1-15 chars)
* ``shift``         ``HH:MM-HH:MM`` local time; a shift may cross midnight (``22:00-06:30``)
* ``consent_date``  optional ISO date the signed data-protection declaration was collected
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, time
from functools import lru_cache
from pathlib import Path

from homeshift.csv_rows import RowProblem, RowsRejected

REQUIRED_COLUMNS: tuple[str, ...] = (
    "employee_id",
    "name",
    "team",
    "team_lead_email",
    "site",
    "operating_office",
    "desktop",
    "shift",
)
OPTIONAL_COLUMNS: tuple[str, ...] = ("consent_date",)
ALL_COLUMNS: tuple[str, ...] = REQUIRED_COLUMNS + OPTIONAL_COLUMNS

_EMPLOYEE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")
# NetBIOS computer names: 1-15 characters, letters, digits and hyphens, not only digits.
_HOSTNAME = re.compile(r"^(?![0-9]+$)[A-Za-z0-9][A-Za-z0-9-]{0,14}$")
_EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")
_SHIFT = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])-([01][0-9]|2[0-3]):([0-5][0-9])$")


@dataclass(frozen=True, slots=True)
class Shift:
    """A working shift in local time; ``end`` before ``start`` means it crosses midnight."""

    start: time
    end: time

    @classmethod
    def parse(cls, text: str) -> Shift:
        return _parse_shift(text.strip())

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


@lru_cache(maxsize=4096)
def _parse_shift(text: str) -> Shift:
    """Parse once per distinct text: a large roster shares a handful of Shift objects."""
    match = _SHIFT.match(text)
    if not match:
        raise ValueError(f"shift {text!r} is not HH:MM-HH:MM")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if (h1, m1) == (h2, m2):
        raise ValueError(f"shift {text!r} starts and ends at the same time")
    return Shift(time(h1, m1), time(h2, m2))


@dataclass(frozen=True, slots=True)
class Agent:
    """One call-centre agent and the office desktop that goes home with them."""

    employee_id: str
    name: str
    team: str
    team_lead_email: str
    site: str
    operating_office: str
    desktop: str
    shift: Shift
    consent_date: date | None = None

    @property
    def has_consent(self) -> bool:
        return self.consent_date is not None

    def as_row(self) -> dict[str, str]:
        return {
            "employee_id": self.employee_id,
            "name": self.name,
            "team": self.team,
            "team_lead_email": self.team_lead_email,
            "site": self.site,
            "operating_office": self.operating_office,
            "desktop": self.desktop,
            "shift": str(self.shift),
            "consent_date": self.consent_date.isoformat() if self.consent_date else "",
        }


#: one reason a roster file was rejected
RosterProblem = RowProblem


class RosterError(RowsRejected):
    """The roster is invalid; ``problems`` lists every problem found, not only the first."""

    def __init__(self, source: str, problems: Sequence[RowProblem]) -> None:
        super().__init__("roster", source, problems)


@dataclass(frozen=True)
class Roster:
    """A validated roster. Agents keep file order; lookups are by employee id."""

    agents: tuple[Agent, ...]
    source: str = "<memory>"
    _by_id: dict[str, Agent] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_id.update((a.employee_id, a) for a in self.agents)

    def __len__(self) -> int:
        return len(self.agents)

    def __iter__(self) -> Iterator[Agent]:
        return iter(self.agents)

    def get(self, employee_id: str) -> Agent | None:
        return self._by_id.get(employee_id)

    def teams(self) -> dict[str, tuple[Agent, ...]]:
        """Agents per team, teams in first-seen order."""
        grouped: dict[str, list[Agent]] = {}
        for agent in self.agents:
            grouped.setdefault(agent.team, []).append(agent)
        return {team: tuple(members) for team, members in grouped.items()}


def parse_agent_row(
    row: dict[str, str | None], line: int
) -> tuple[Agent | None, list[RosterProblem]]:
    """Validate one CSV row; returns the agent or the problems found in it."""
    problems: list[RosterProblem] = []

    def value(column: str) -> str:
        return (row.get(column) or "").strip()

    for column in REQUIRED_COLUMNS:
        if not value(column):
            problems.append(RosterProblem(line, column, "is empty"))
    employee_id = value("employee_id")
    if employee_id and not _EMPLOYEE_ID.match(employee_id):
        problems.append(
            RosterProblem(line, "employee_id", f"{employee_id!r} is not a valid employee id")
        )
    desktop = value("desktop")
    if desktop and not _HOSTNAME.match(desktop):
        problems.append(
            RosterProblem(line, "desktop", f"{desktop!r} is not a Windows hostname (1-15 chars)")
        )
    email = value("team_lead_email")
    if email and not _EMAIL.match(email):
        problems.append(RosterProblem(line, "team_lead_email", f"{email!r} is not an e-mail"))
    shift: Shift | None = None
    if value("shift"):
        try:
            shift = Shift.parse(value("shift"))
        except ValueError as exc:
            problems.append(RosterProblem(line, "shift", str(exc)))
    consent: date | None = None
    if value("consent_date"):
        try:
            consent = date.fromisoformat(value("consent_date"))
        except ValueError:
            problems.append(
                RosterProblem(
                    line, "consent_date", f"{value('consent_date')!r} is not a date (YYYY-MM-DD)"
                )
            )
    if problems or shift is None:
        return None, problems
    return (
        Agent(
            employee_id=employee_id,
            name=value("name"),
            team=value("team"),
            team_lead_email=email,
            site=value("site"),
            operating_office=value("operating_office"),
            desktop=desktop.upper(),
            shift=shift,
            consent_date=consent,
        ),
        [],
    )


def parse_roster(lines: Iterable[str], source: str = "<memory>") -> Roster:
    """Parse CSV text lines into a :class:`Roster` or raise :class:`RosterError`."""
    reader = csv.DictReader(lines)
    header = [h.strip() for h in (reader.fieldnames or [])]
    if not header:
        raise RosterError(source, [RosterProblem(0, "*", "file is empty (no header row)")])
    reader.fieldnames = header
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    problems: list[RosterProblem] = [RosterProblem(0, c, "column is missing") for c in missing]
    duplicates = [c for c, n in Counter(header).items() if n > 1]
    problems += [RosterProblem(0, c, "column appears more than once") for c in duplicates]
    if problems:
        raise RosterError(source, problems)

    agents: list[Agent] = []
    first_line_of_id: dict[str, int] = {}
    first_line_of_desktop: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        if None in row:
            problems.append(RosterProblem(line, "*", "row has more fields than the header"))
            continue
        if all(not (v or "").strip() for v in row.values()):
            continue  # blank line
        agent, row_problems = parse_agent_row(row, line)
        problems += row_problems
        if agent is None:
            continue
        if agent.employee_id in first_line_of_id:
            problems.append(
                RosterProblem(
                    line,
                    "employee_id",
                    f"{agent.employee_id} duplicates row {first_line_of_id[agent.employee_id]}",
                )
            )
            continue
        if agent.desktop in first_line_of_desktop:
            problems.append(
                RosterProblem(
                    line,
                    "desktop",
                    f"{agent.desktop} is already used in row "
                    f"{first_line_of_desktop[agent.desktop]}",
                )
            )
            continue
        first_line_of_id[agent.employee_id] = line
        first_line_of_desktop[agent.desktop] = line
        agents.append(agent)
    if problems:
        raise RosterError(source, problems)
    if not agents:
        raise RosterError(source, [RosterProblem(0, "*", "roster has no agents")])
    return Roster(tuple(agents), source)


def load_roster(path: str | Path) -> Roster:
    """Load and validate a roster CSV file (see the module docstring for the format)."""
    path = Path(path)
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            return parse_roster(handle, str(path))
    except UnicodeDecodeError as exc:
        raise RosterError(
            str(path), [RosterProblem(0, "*", f"not UTF-8 text ({exc.reason})")]
        ) from exc


def write_roster(agents: Iterable[Agent], path: str | Path) -> int:
    """Write agents as a roster CSV; returns the number of rows written."""
    count = 0
    with Path(path).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(ALL_COLUMNS))
        writer.writeheader()
        for agent in agents:
            writer.writerow(agent.as_row())
            count += 1
    return count
