"""Signed data-protection declarations: parse and validate what team leads hand in.

Pure functions, no store: the CLI passes in the employee ids the store knows and today's date.
A declarations CSV (``employee_id,signed_on,collected_by``, header required, UTF-8) is accepted
whole or rejected with EVERY problem, each naming its row (the line number in the file), so a
half-imported batch can never happen.

Only what the move needs is kept: who signed (employee id), when, and who collected the paper.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from homeshift.csv_rows import RowProblem, RowsRejected

COLUMNS: tuple[str, ...] = ("employee_id", "signed_on", "collected_by")
#: declarations before this date predate the home-office programme and are not valid for it
DEFAULT_EARLIEST = date(2020, 1, 1)
_COLLECTOR = re.compile(r"^[\w.@ -]{1,64}$")


@dataclass(frozen=True, slots=True)
class Declaration:
    employee_id: str
    signed_on: date
    collected_by: str
    row: int = 0  # line in the source file; 0 when entered by hand


#: one reason a declarations file was rejected
DeclarationProblem = RowProblem


class DeclarationError(RowsRejected):
    """Declarations rejected; ``problems`` lists all of them."""

    def __init__(self, source: str, problems: Sequence[RowProblem]) -> None:
        super().__init__("declarations", source, problems, ", nothing imported")


def validate_signed_on(text: str, *, today: date, earliest: date = DEFAULT_EARLIEST) -> date:
    """Parse an ISO date and check it lies between ``earliest`` and ``today``."""
    try:
        value = date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{text.strip()!r} is not a date (YYYY-MM-DD)") from None
    if value > today:
        raise ValueError(f"{value} is in the future (today is {today})")
    if value < earliest:
        raise ValueError(f"{value} is before the earliest accepted date {earliest}")
    return value


def validate_collector(text: str) -> str:
    value = text.strip()
    if not _COLLECTOR.match(value):
        raise ValueError(
            f"{value!r} is not a collector id (1-64 letters, digits, space, '.', '@', '-', '_')"
        )
    return value


def validate_declaration(
    employee_id: str,
    signed_on: str,
    collected_by: str,
    *,
    known_employees: Collection[str],
    today: date,
    earliest: date = DEFAULT_EARLIEST,
    row: int = 0,
) -> tuple[Declaration | None, list[DeclarationProblem]]:
    """Validate one declaration; returns it or all problems found in it."""
    problems: list[DeclarationProblem] = []
    employee_id = employee_id.strip()
    if not employee_id:
        problems.append(DeclarationProblem(row, "employee_id", "is empty"))
    elif employee_id not in known_employees:
        problems.append(DeclarationProblem(row, "employee_id", f"unknown employee {employee_id!r}"))
    when: date | None = None
    if not signed_on.strip():
        problems.append(DeclarationProblem(row, "signed_on", "is empty"))
    else:
        try:
            when = validate_signed_on(signed_on, today=today, earliest=earliest)
        except ValueError as exc:
            problems.append(DeclarationProblem(row, "signed_on", str(exc)))
    collector = ""
    if not collected_by.strip():
        problems.append(DeclarationProblem(row, "collected_by", "is empty"))
    else:
        try:
            collector = validate_collector(collected_by)
        except ValueError as exc:
            problems.append(DeclarationProblem(row, "collected_by", str(exc)))
    if problems or when is None:
        return None, problems
    return Declaration(employee_id, when, collector, row), []


def parse_declarations(
    lines: Iterable[str],
    *,
    known_employees: Collection[str],
    today: date,
    earliest: date = DEFAULT_EARLIEST,
    source: str = "<memory>",
) -> tuple[Declaration, ...]:
    """Parse a declarations CSV; raises :class:`DeclarationError` listing all problems."""
    reader = csv.DictReader(lines)
    header = [h.strip() for h in (reader.fieldnames or [])]
    if not header:
        raise DeclarationError(source, [DeclarationProblem(0, "*", "file is empty (no header)")])
    reader.fieldnames = header
    problems = [DeclarationProblem(0, c, "column is missing") for c in COLUMNS if c not in header]
    extra = [c for c in header if c not in COLUMNS]
    # Extra columns would smuggle personal data (names, addresses) into the store: refuse them.
    problems += [
        DeclarationProblem(0, c, "unexpected column (only employee_id, signed_on, collected_by)")
        for c in extra
    ]
    if problems:
        raise DeclarationError(source, problems)
    found: list[Declaration] = []
    first_row: dict[str, int] = {}
    for raw in reader:
        line = reader.line_num
        if None in raw:
            problems.append(DeclarationProblem(line, "*", "row has more fields than the header"))
            continue
        if all(not (v or "").strip() for v in raw.values()):
            continue
        declaration, row_problems = validate_declaration(
            raw.get("employee_id") or "",
            raw.get("signed_on") or "",
            raw.get("collected_by") or "",
            known_employees=known_employees,
            today=today,
            earliest=earliest,
            row=line,
        )
        problems += row_problems
        if declaration is None:
            continue
        if declaration.employee_id in first_row:
            problems.append(
                DeclarationProblem(
                    line,
                    "employee_id",
                    f"{declaration.employee_id} duplicates row "
                    f"{first_row[declaration.employee_id]}",
                )
            )
            continue
        first_row[declaration.employee_id] = line
        found.append(declaration)
    if problems:
        raise DeclarationError(source, problems)
    return tuple(found)


def load_declarations(
    path: str | Path,
    *,
    known_employees: Collection[str],
    today: date,
    earliest: date = DEFAULT_EARLIEST,
) -> tuple[Declaration, ...]:
    path = Path(path)
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            return parse_declarations(
                handle,
                known_employees=known_employees,
                today=today,
                earliest=earliest,
                source=str(path),
            )
    except UnicodeDecodeError as exc:
        raise DeclarationError(
            str(path), [DeclarationProblem(0, "*", f"not UTF-8 text ({exc.reason})")]
        ) from exc
    except OSError as exc:
        raise DeclarationError(
            str(path), [DeclarationProblem(0, "*", f"cannot read ({exc.strerror})")]
        ) from exc
