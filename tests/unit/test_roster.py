"""Roster loading: valid files load, broken files are rejected with every problem (row+column)."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

import pytest

from homeshift.roster import RosterError, Shift, load_roster, parse_roster, write_roster
from homeshift.sample import generate_agents

FIXTURES = Path(__file__).parent / "fixtures" / "roster"


def problems_of(path: Path) -> set[tuple[int, str]]:
    with pytest.raises(RosterError) as caught:
        load_roster(path)
    return {(p.row, p.column) for p in caught.value.problems}


def test_valid_roster_loads_with_upper_case_desktops_and_optional_consent() -> None:
    roster = load_roster(FIXTURES / "valid.csv")
    assert [a.employee_id for a in roster] == ["E001", "E002", "E003"]
    assert roster.get("E002") is not None and roster.get("E002").desktop == "BER-D002"  # type: ignore[union-attr]
    assert roster.get("E002").consent_date is None  # type: ignore[union-attr]
    assert roster.get("E001").consent_date == date(2026, 11, 20)  # type: ignore[union-attr]
    night = roster.get("E003").shift  # type: ignore[union-attr]
    assert night == Shift(time(22, 0), time(6, 30))
    assert list(roster.teams()) == ["BER-T001", "LEJ-T002"]


def test_broken_roster_reports_every_problem_with_row_and_column() -> None:
    assert problems_of(FIXTURES / "broken.csv") == {
        (3, "employee_id"),  # duplicate id of row 2
        (4, "desktop"),  # ber-d001 duplicates BER-D001 case-insensitively
        (5, "consent_date"),  # 30 February
        (6, "shift"),  # 25:00
        (7, "team"),  # empty team
        (8, "*"),  # more fields than the header
    }


def test_broken_roster_message_names_rows_and_reasons() -> None:
    with pytest.raises(RosterError) as caught:
        load_roster(FIXTURES / "broken.csv")
    text = str(caught.value)
    assert "6 problem(s)" in text
    assert "row 3, column employee_id: E001 duplicates row 2" in text
    assert "row 5, column consent_date: '2026-02-30' is not a date" in text
    assert "row 7, column team: is empty" in text


def test_missing_columns_are_all_listed_in_the_header() -> None:
    assert problems_of(FIXTURES / "missing_column.csv") == {(0, "site"), (0, "shift")}


@pytest.mark.parametrize(
    ("text", "column"),
    [
        ("", "*"),
        ("employee_id,name,team,team_lead_email,site,operating_office,desktop,shift\n", "*"),
        (
            "employee_id,employee_id,name,team,team_lead_email,site,operating_office,desktop,shift\n",
            "employee_id",
        ),
    ],
)
def test_empty_or_headerless_files_are_rejected(text: str, column: str) -> None:
    with pytest.raises(RosterError) as caught:
        parse_roster(text.splitlines(keepends=True))
    assert caught.value.problems[0].column == column


def test_bad_email_hostname_and_equal_shift_ends() -> None:
    text = (
        "employee_id,name,team,team_lead_email,site,operating_office,desktop,shift\n"
        "E1,A,T,not-an-email,S,O,THIS-NAME-IS-TOO-LONG,08:00-08:00\n"
    )
    with pytest.raises(RosterError) as caught:
        parse_roster(text.splitlines(keepends=True))
    assert {p.column for p in caught.value.problems} == {"team_lead_email", "desktop", "shift"}


def test_not_utf8_is_a_roster_problem(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(
        (FIXTURES / "valid.csv").read_text().replace("Anna", "Jürgen").encode("latin-1")
    )
    assert problems_of(path) == {(0, "*")}


def test_sample_roster_round_trips_and_is_deterministic(tmp_path: Path) -> None:
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    write_roster(generate_agents(300, seed=11), first)
    write_roster(generate_agents(300, seed=11), second)
    assert first.read_bytes() == second.read_bytes()
    roster = load_roster(first)
    assert len(roster) == 300
    sizes = [len(members) for members in roster.teams().values()]
    assert min(sizes) >= 8 and max(sizes) <= 25
    assert any(a.consent_date is None for a in roster)
