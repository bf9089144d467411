"""Declarations: CSV validation by row, CLI import/record/revoke/list and the audit trail."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from homeshift.cli import app
from homeshift.consent import DeclarationError, parse_declarations
from homeshift.roster import write_roster
from homeshift.sample import generate_agents
from homeshift.state import Store

TODAY = date(2026, 12, 1)
KNOWN = {"E1", "E2", "E3"}


def parse(text: str) -> tuple[object, ...]:
    return parse_declarations(
        text.splitlines(keepends=True), known_employees=KNOWN, today=TODAY, source="d.csv"
    )


def test_valid_file_parses_with_row_numbers() -> None:
    found = parse("employee_id,signed_on,collected_by\nE1,2026-11-02,lead-1\n\nE2,2026-11-30,l2\n")
    assert [(d.employee_id, d.signed_on, d.collected_by, d.row) for d in found] == [  # type: ignore[attr-defined]
        ("E1", date(2026, 11, 2), "lead-1", 2),
        ("E2", date(2026, 11, 30), "l2", 4),
    ]


def test_every_problem_is_reported_by_row() -> None:
    text = (
        "employee_id,signed_on,collected_by\n"
        "E1,2026-11-02,lead-1\n"  # row 2 fine
        "NOBODY,2026-11-02,lead-1\n"  # row 3 unknown employee
        "E2,2026-13-40,lead-1\n"  # row 4 bad date
        "E3,2026-12-02,lead-1\n"  # row 5 future
        "E1,2026-11-03,lead-1\n"  # row 6 duplicate of row 2
        ",2019-12-31,\n"  # row 7 empty id, too early, empty collector
    )
    with pytest.raises(DeclarationError) as info:
        parse(text)
    got = {(p.row, p.column) for p in info.value.problems}
    assert got == {
        (3, "employee_id"),
        (4, "signed_on"),
        (5, "signed_on"),
        (6, "employee_id"),
        (7, "employee_id"),
        (7, "signed_on"),
        (7, "collected_by"),
    }
    message = str(info.value)
    assert "row 3, column employee_id: unknown employee 'NOBODY'" in message
    assert "row 5, column signed_on: 2026-12-02 is in the future" in message
    assert "row 6, column employee_id: E1 duplicates row 2" in message
    assert "before the earliest accepted date 2020-01-01" in message
    assert "nothing imported" in message


def test_extra_columns_with_personal_data_are_refused() -> None:
    with pytest.raises(DeclarationError, match="column name: unexpected column"):
        parse("employee_id,signed_on,collected_by,name\nE1,2026-11-02,l,Anna\n")
    with pytest.raises(DeclarationError, match="column collected_by: column is missing"):
        parse("employee_id,signed_on\nE1,2026-11-02\n")


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    roster = tmp_path / "roster.csv"
    write_roster(generate_agents(40, seed=3, missing_consent_share=0.5), roster)
    monkeypatch.setenv("HOMESHIFT_STORE", f"sqlite:///{tmp_path / 'state.db'}")
    monkeypatch.setenv("USER", "tester")
    result = CliRunner().invoke(app, ["state", "sync", "--roster", str(roster)])
    assert result.exit_code == 0, result.output
    return {"roster": roster, "db": tmp_path / "state.db", "dir": tmp_path}


def flat(text: str) -> str:
    """CLI messages with rich's line wrapping undone."""
    return " ".join(text.split())


def _missing(runner: CliRunner) -> list[str]:
    result = runner.invoke(app, ["consent", "list", "--missing", "--format", "json"])
    assert result.exit_code == 0, result.output
    return [row["employee_id"] for row in json.loads(result.stdout)]


def test_cli_import_record_revoke_and_audit_trail(cli_env: dict[str, Path]) -> None:
    runner = CliRunner()
    missing = _missing(runner)
    assert len(missing) >= 4
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    good = cli_env["dir"] / "good.csv"
    good.write_text(
        "employee_id,signed_on,collected_by\n"
        + "".join(f"{eid},{yesterday},lead-9\n" for eid in missing[:3])
    )
    result = runner.invoke(app, ["consent", "import", str(good), "--actor", "ops@desk"])
    assert result.exit_code == 0, result.output
    assert "3 new" in flat(result.output)
    assert set(_missing(runner)) == set(missing[3:])

    # Re-import: nothing changes, nothing new in the audit trail.
    result = runner.invoke(app, ["consent", "import", str(good), "--actor", "ops@desk"])
    assert "3 unchanged" in flat(result.output)

    result = runner.invoke(
        app, ["consent", "record", missing[3], "--signed-on", yesterday, "--collected-by", "lead-2"]
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["consent", "revoke", missing[0], "--reason", "withdrawn"])
    assert result.exit_code == 0, result.output
    assert set(_missing(runner)) == {missing[0], *missing[4:]}

    with Store.open(f"sqlite:///{cli_env['db']}") as store:
        trail = store.audit_trail(missing[0])
        assert [(e.action, e.actor, e.source) for e in trail] == [
            ("record", "ops@desk", "import:good.csv"),
            ("revoke", trail[1].actor, "cli:revoke"),
        ]
        assert trail[1].actor.startswith("tester@")
        assert trail[1].new == {
            "signed_on": yesterday, "collected_by": "lead-9", "revoked": True,
            "reason": "withdrawn",
        }  # fmt: skip
        assert store.audit_trail(missing[3])[0].source == "cli:record"

    shown = runner.invoke(app, ["consent", "audit", missing[0]])
    assert [json.loads(line)["action"] for line in shown.stdout.splitlines()] == [
        "record",
        "revoke",
    ]
    listed = runner.invoke(app, ["consent", "list", "--format", "json"])
    statuses = {r["employee_id"]: r["status"] for r in json.loads(listed.stdout)}
    assert statuses[missing[0]] == "revoked" and statuses[missing[1]] == "active"


def test_cli_bad_import_changes_nothing(cli_env: dict[str, Path]) -> None:
    runner = CliRunner()
    before = _missing(runner)
    bad = cli_env["dir"] / "bad.csv"
    bad.write_text(
        "employee_id,signed_on,collected_by\n"
        f"{before[0]},2026-11-02,lead-1\n"
        "GHOST42,2026-11-02,lead-1\n"
        f"{before[1]},2999-01-01,lead-1\n"
    )
    result = runner.invoke(app, ["consent", "import", str(bad)])
    assert result.exit_code == 1
    assert "row 3, column employee_id: unknown employee 'GHOST42'" in flat(result.output)
    assert "row 4, column signed_on: 2999-01-01 is in the future" in flat(result.output)
    assert _missing(runner) == before  # the good row 2 was not imported either


def test_cli_rejects_unknown_employee_and_bad_dates(cli_env: dict[str, Path]) -> None:
    runner = CliRunner()
    result = runner.invoke(
        app, ["consent", "record", "GHOST42", "--signed-on", "2026-11-02", "--collected-by", "l"]
    )
    assert result.exit_code == 1 and "unknown employee 'GHOST42'" in flat(result.output)
    eid = _missing(runner)[0]
    result = runner.invoke(
        app, ["consent", "record", eid, "--signed-on", "02.11.2026", "--collected-by", "l"]
    )
    assert result.exit_code == 1 and "not a date" in flat(result.output)
    result = runner.invoke(app, ["consent", "revoke", "GHOST42", "--reason", "x"])
    assert result.exit_code == 1 and "unknown employee GHOST42" in flat(result.output)


DEFECTS = {
    "ok": lambda i: (f"E{i}", "2026-11-02", "lead-1"),
    "unknown": lambda i: (f"X{i}", "2026-11-02", "lead-1"),
    "bad_date": lambda i: (f"E{i}", "2026-02-30", "lead-1"),
    "future": lambda i: (f"E{i}", "2027-01-01", "lead-1"),
    "no_collector": lambda i: (f"E{i}", "2026-11-02", " "),
}


@given(st.lists(st.sampled_from(sorted(DEFECTS)), min_size=1, max_size=30))
def test_every_defective_row_is_named_and_only_those(kinds: list[str]) -> None:
    rows = [DEFECTS[kind](i) for i, kind in enumerate(kinds)]
    text = "employee_id,signed_on,collected_by\n" + "".join(",".join(r) + "\n" for r in rows)
    known = {f"E{i}" for i in range(len(kinds))}
    bad_lines = {i + 2 for i, kind in enumerate(kinds) if kind != "ok"}  # line 1 is the header
    try:
        found = parse_declarations(text.splitlines(keepends=True), known_employees=known,
                                   today=TODAY)  # fmt: skip
    except DeclarationError as exc:
        assert bad_lines and {p.row for p in exc.problems} == bad_lines
    else:
        assert not bad_lines and len(found) == len(kinds)


def test_cli_prints_user_data_verbatim(cli_env: dict[str, Path]) -> None:
    """Rich markup is off for messages: an id like "[bold]X" must not be swallowed."""
    result = CliRunner().invoke(
        app, ["consent", "record", "[bold]X", "--signed-on", "2026-11-02", "--collected-by", "l"]
    )
    assert result.exit_code == 1
    assert "unknown employee '[bold]X'" in flat(result.output)
