"""The board: terminal tables, JSON, exit codes and input errors of `homeshift board`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from homeshift.board import print_board, readiness_json
from homeshift.cli import app
from homeshift.readiness import Light, Thresholds, assess
from homeshift.readiness_inputs import read_headend_loads, read_plan
from homeshift.roster import load_roster
from homeshift.verify.results import read_results

FIXTURES = Path(__file__).parents[1] / "fixtures" / "readiness"
ARGS = [
    "board",
    "--roster",
    str(FIXTURES / "roster.csv"),
    "--plan",
    str(FIXTURES / "plan.json"),
    "--verification",
    str(FIXTURES / "results.json"),
]


def fixture_readiness(headends: str | None = None):  # type: ignore[no-untyped-def]
    plan = read_plan(FIXTURES / "plan.json")
    results = read_results(FIXTURES / "results.json")
    loads = (
        read_headend_loads(FIXTURES / headends, plan.session_limits)
        if headends
        else results.headend_loads()
    )
    return assess(
        load_roster(FIXTURES / "roster.csv"),
        plan.waves,
        results.desktop_verdicts(),
        loads,
        Thresholds(),
        unschedulable=plan.unschedulable,
    )


def test_board_shows_counts_lights_and_the_red_list_with_reasons() -> None:
    console = Console(record=True, width=200, color_system=None)
    print_board(fixture_readiness(), console)
    text = console.export_text()
    assert "6 agents: 3 green  1 yellow  2 red" in text
    assert "Red list (2)" in text
    assert "E0000002" in text and "service csc_vpnagent is Stopped (expected Running)" in text
    assert "not schedulable: no signed data-protection declaration on file" in text
    for title in ("Wave capacity", "Headend load", "Waves", "Sites", "Operating offices", "Teams"):
        assert title in text
    assert "asa-02" in text and "20.0%" in text


def test_board_records_colours() -> None:
    console = Console(record=True, width=200, force_terminal=True, color_system="truecolor")
    print_board(fixture_readiness(), console)
    html = console.export_html()
    assert "● RED" in html and "● GREEN" in html and "● YELLOW" in html


def test_json_lists_every_agent_and_rollup() -> None:
    data = readiness_json(fixture_readiness("headends-overloaded.json"))
    assert data["counts"] == {"green": 0, "yellow": 1, "red": 5}  # E0000006 is in no wave
    assert [w["light"] for w in data["waves"]] == ["red", "red"]
    assert any(
        "asa-02 over its load threshold (95% > 80%)" in r for r in data["waves"][0]["reasons"]
    )
    assert {r["key"] for r in data["rollups"]["site"]} == {"Berlin", "Leipzig"}
    assert len(data["agents"]) == 6


def test_cli_json_and_max_red_exit_code() -> None:
    runner = CliRunner()
    ok = runner.invoke(app, [*ARGS, "--json", "--max-red", "2"])
    assert ok.exit_code == 0, ok.output
    data = json.loads(ok.stdout)
    assert data["counts"]["red"] == 2
    too_many = runner.invoke(app, [*ARGS, "--json", "--max-red", "1"])
    assert too_many.exit_code == 1
    assert "2 agents are red (more than --max-red 1)" in too_many.stderr


def test_cli_headend_file_turns_waves_red(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, [*ARGS, "--headends", str(FIXTURES / "headends-overloaded.json"), "--json"]
    )
    assert result.exit_code == 0, result.output
    assert {w["light"] for w in json.loads(result.stdout)["waves"]} == {"red"}


def test_cli_writes_html_report(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    result = CliRunner().invoke(app, [*ARGS, "--html", str(out)])
    assert result.exit_code == 0, result.output
    assert "Red list (2)" in result.stdout
    assert "<svg" in out.read_text()


@pytest.mark.parametrize(
    ("bad", "content", "message"),
    [
        ("plan.json", '{"version": 3}', "unsupported plan version 3"),
        (
            "results.json",
            '{"version": 1, "hosts": {"X": {"kind": "desk", "ok": true}}}',
            "host X: kind must be desktop or headend",
        ),
        ("plan.json", "{not json", "not valid json"),
    ],
)
def test_cli_bad_input_exits_2_naming_the_file(
    tmp_path: Path, bad: str, content: str, message: str
) -> None:
    path = tmp_path / bad
    path.write_text(content)
    args = list(ARGS)
    args[args.index(str(FIXTURES / bad))] = str(path)
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert str(path) in result.stderr
    assert message in result.stderr


def test_light_enum_orders_by_severity() -> None:
    assert Light.GREEN.rank < Light.YELLOW.rank < Light.RED.rank


def test_store_consent_replaces_the_roster_column(tmp_path: Path) -> None:
    from datetime import date

    from homeshift.state.store import Store

    url = f"sqlite:///{tmp_path / 'state.db'}"
    with Store.open(url) as store:
        store.sync_roster(load_roster(FIXTURES / "roster.csv"))
        store.record_declaration("E0000005", date(2026, 11, 30), "hr")
        store.revoke_declaration("E0000001", reason="withdrawn")
        store.set_wave_state(1, "done")
    result = CliRunner().invoke(app, [*ARGS, "--store", url, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [w["demand"] for w in data["waves"]] == [0, 1]  # wave 1 is at home: no demand
    agents = {a["employee_id"]: a for a in data["agents"]}
    assert agents["E0000001"]["light"] == "red"
    assert "no signed data-protection declaration on file" in agents["E0000001"]["reasons"]
    assert "no signed data-protection declaration on file" not in agents["E0000005"]["reasons"]
    missing = CliRunner().invoke(app, [*ARGS, "--store", f"sqlite:///{tmp_path / 'none.db'}"])
    assert missing.exit_code == 2


def test_moved_waves_add_no_demand(tmp_path: Path) -> None:
    facts = tmp_path / "facts.json"
    facts.write_text(json.dumps([{"name": "asa-01", "active": 77, "limit": 100}]))  # free 3
    args = [*ARGS, "--headends", str(facts), "--json"]
    before = json.loads(CliRunner().invoke(app, args).stdout)["waves"]
    after = json.loads(CliRunner().invoke(app, [*args, "--moved", "1"]).stdout)["waves"]
    assert [w["light"] for w in before] == ["yellow", "red"]  # 3 of 3; then 4 > 3
    assert [(w["demand"], w["light"]) for w in after] == [(0, "green"), (1, "green")]
    bad = CliRunner().invoke(app, [*args, "--moved", "one"])
    assert bad.exit_code == 2


def test_report_html_without_a_browser() -> None:
    from datetime import UTC, datetime

    from homeshift.report import render_report

    html = render_report(
        fixture_readiness("headends-overloaded.json"),
        sources={"roster": "<roster & co>"},
        created=datetime(2026, 12, 1, tzinfo=UTC),
    )
    assert '<span class="n" id="count-red">5</span>' in html
    assert "roster: &lt;roster &amp; co&gt;" in html  # user text is escaped
    assert html.count('<g class="bar headend"') == 2
    assert 'data-load="95.0"' in html
    assert "headend asa-02 over its load threshold (95% &gt; 80%); no room to rebalance" in html
    assert "<script" not in html
    assert render_report(fixture_readiness(), created=datetime(2026, 12, 1, tzinfo=UTC)) == (
        render_report(fixture_readiness(), created=datetime(2026, 12, 1, tzinfo=UTC))
    )  # deterministic


def test_verify_cli_rejects_bad_inputs_with_exit_2(tmp_path: Path) -> None:
    missing = CliRunner().invoke(app, ["verify", "-i", str(tmp_path / "nope.yml")])
    assert missing.exit_code == 2
    assert "does not exist" in missing.stderr
    inventory = tmp_path / "inv.yml"
    inventory.write_text("all:\n  hosts:\n    jump: {}\n")
    empty = CliRunner().invoke(app, ["verify", "-i", str(inventory)])
    assert empty.exit_code == 2
    assert "no desktops or headends" in empty.stderr
    no_expect = CliRunner().invoke(
        app, ["verify", "-i", str(inventory), "--expect", str(tmp_path / "x.yml")]
    )
    assert no_expect.exit_code == 2
    bad = tmp_path / "bad.yml"
    bad.write_text("headend:\n  min_free_sessions: -1\n")
    bad_expect = CliRunner().invoke(app, ["verify", "-i", str(inventory), "--expect", str(bad)])
    assert bad_expect.exit_code == 2
    assert "headend.min_free_sessions must be an integer >= 0" in bad_expect.stderr


def test_several_verification_files_merge(tmp_path: Path) -> None:
    later = tmp_path / "site-run.json"
    later.write_text(
        json.dumps(
            {
                "version": 1,
                "inventory": "leipzig.yml",
                "hosts": {
                    "BER-D0000002": {"kind": "desktop", "ok": True, "failures": []},
                    "LEJ-D0000006": {"kind": "desktop", "ok": True, "failures": []},
                },
            }
        )
    )
    result = CliRunner().invoke(app, [*ARGS, "--verification", str(later), "--json"])
    assert result.exit_code == 0, result.output
    agents = {a["employee_id"]: a for a in json.loads(result.stdout)["agents"]}
    assert agents["E0000002"]["light"] == "green"  # the later run replaced the failed verdict
    assert agents["E0000001"]["light"] == "green"  # kept from the first file
    assert agents["E0000006"]["reasons"] == ["not in any wave of the plan"]
