"""``homeshift plan ...`` and ``homeshift demo``: exit codes, stdout/stderr, plan file shape."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from homeshift.cli import app
from homeshift.planning.planfile import read_plan
from homeshift.roster import write_roster
from homeshift.sample import generate_agents

FIXTURES = Path(__file__).parent / "fixtures" / "roster"
TOP_KEYS = {"version", "created", "inputs", "capacity", "waves", "unschedulable"}
INPUT_KEYS = {
    "peak_sessions_source",
    "headcount_per_shift",
    "concurrency_ratio",
    "per_user_kbps",
    "max_utilisation",
    "redundancy",
    "supernet",
    "exclude",
    "default_model",
}
CAPACITY_KEYS = {
    "peak_sessions",
    "headends_required",
    "headends_existing",
    "headends_to_add",
    "session_budget_per_headend",
    "cluster_session_capacity",
    "throughput_required_mbps",
    "throughput_available_mbps",
    "throughput_ok",
    "notes",
    "headends",
}
HEADEND_KEYS = {
    "name",
    "model",
    "existing",
    "licensed_peers",
    "session_limit",
    "session_budget",
    "throughput_mbps",
    "priority",
    "pool",
}
POOL_KEYS = {"name", "network", "first", "last", "mask", "size"}


@pytest.fixture(scope="module")
def roster_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli-plan") / "roster.csv"
    write_roster(generate_agents(400, seed=3), path)
    return path


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_capacity_json_on_stdout_matches_the_plan_file_schema() -> None:
    code, out, err = invoke(
        "plan", "capacity", "--peak-sessions", "8100", "--existing", "asa-01=ASA5555",
        "--existing", "asa-02=ASA5555:5000", "--exclude", "10.64.0.0/20", "--format", "json",
    )  # fmt: skip
    assert code == 0, err
    data = json.loads(out)
    assert set(data) == TOP_KEYS and data["version"] == 1
    assert set(data["inputs"]) == INPUT_KEYS and set(data["capacity"]) == CAPACITY_KEYS
    assert data["waves"] == [] and data["unschedulable"] == []
    cap = data["capacity"]
    assert (cap["headends_required"], cap["headends_existing"], cap["headends_to_add"]) == (4, 2, 2)
    assert [h["name"] for h in cap["headends"]] == ["asa-01", "asa-02", "asa-03", "asa-04"]
    for headend in cap["headends"]:
        assert set(headend) == HEADEND_KEYS and set(headend["pool"]) == POOL_KEYS
    assert cap["headends"][0]["pool"]["network"] == "10.64.32.0/19"
    assert data["inputs"]["exclude"] == ["10.64.0.0/20"]


def test_capacity_table_goes_to_stderr_only(roster_csv: Path) -> None:
    code, out, err = invoke("plan", "capacity", "--roster", str(roster_csv))
    assert code == 0
    assert out == ""
    assert "HS-POOL-ASA-01" in err and "headends required" in err


def test_capacity_headcount_and_yaml_out(tmp_path: Path) -> None:
    out_file = tmp_path / "plan.yml"
    code, out, _ = invoke(
        "plan", "capacity", "--headcount", "06:00-14:30=4200", "--headcount", "14:00-22:30=3900",
        "--concurrency", "0.5", "--format", "yaml", "--out", str(out_file),
    )  # fmt: skip
    assert code == 0 and out == ""
    data = yaml.safe_load(out_file.read_text())
    assert data["capacity"]["peak_sessions"] == 4050
    assert data["inputs"]["headcount_per_shift"] == {"06:00-14:30": 4200, "14:00-22:30": 3900}


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--peak-sessions", "10", "--supernet", "10.0.0.0/24"], 3, "too small"),
        (["--peak-sessions", "10", "--model", "ASA9999"], 3, "unknown headend model"),
        (["--peak-sessions", "10", "--existing", "asa-01"], 3, "NAME=MODEL"),
        (["--peak-sessions", "10", "--exclude", "nonsense"], 3, "excluded range"),
        (["--headcount", "6-14=1"], 3, "--headcount"),
        ([], 2, "exactly one of"),
    ],
)
def test_capacity_errors(args: list[str], code: int, message: str) -> None:
    exit_code, out, err = invoke("plan", "capacity", *args)
    assert exit_code == code
    assert message in err
    assert out == ""


def test_waves_json_lists_waves_agents_and_unschedulable(roster_csv: Path) -> None:
    code, out, err = invoke("plan", "waves", "--roster", str(roster_csv), "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert set(data) == TOP_KEYS
    assert [w["number"] for w in data["waves"]] == [1, 2, 3]
    for wave in data["waves"]:
        assert set(wave) == {"number", "teams", "agents", "headcount", "sessions"}
        assert wave["headcount"] == len(wave["agents"]) > 0
    scheduled = [a for w in data["waves"] for a in w["agents"]]
    left = [u["employee_id"] for u in data["unschedulable"]]
    assert len(scheduled) + len(left) == 400 and not set(scheduled) & set(left)
    assert all(set(u) == {"employee_id", "team", "reason"} for u in data["unschedulable"])


def test_waves_extend_a_capacity_plan_with_pins_and_exclusions(
    roster_csv: Path, tmp_path: Path
) -> None:
    capacity_file = tmp_path / "capacity.json"
    assert (
        invoke("plan", "capacity", "--roster", str(roster_csv), "--out", str(capacity_file))[0] == 0
    )
    capacity = json.loads(capacity_file.read_text())["capacity"]
    plan_file = tmp_path / "plan.json"
    code, out, err = invoke(
        "plan", "waves", "--roster", str(roster_csv), "--plan", str(capacity_file), "--waves", "2",
        "--pin", "BER-T0001=2", "--exclude-team", "LEJ-T0003", "--out", str(plan_file),
    )  # fmt: skip
    assert code == 0, err
    assert out == "" and "wrote plan file" in err
    document = read_plan(plan_file)
    data = json.loads(plan_file.read_text())
    assert data["capacity"]["headends"] == capacity["headends"]
    assert "BER-T0001" in document.waves[1].teams
    assert all("LEJ-T0003" not in w.teams for w in document.waves)
    assert any(u.team == "LEJ-T0003" for u in document.unschedulable)


def test_waves_are_deterministic(roster_csv: Path) -> None:
    first = json.loads(invoke("plan", "waves", "--roster", str(roster_csv), "--format", "json")[1])
    second = json.loads(invoke("plan", "waves", "--roster", str(roster_csv), "--format", "json")[1])
    assert first["waves"] == second["waves"]


def test_invalid_roster_prints_every_problem_and_exits_2() -> None:
    code, out, err = invoke("plan", "waves", "--roster", str(FIXTURES / "broken.csv"))
    assert code == 2 and out == ""
    for row in (3, 4, 5, 6, 7, 8):
        assert f"row {row}," in err


def test_plan_errors_exit_3(roster_csv: Path, tmp_path: Path) -> None:
    code, _, err = invoke("plan", "waves", "--roster", str(roster_csv), "--pin", "NOPE=1")
    assert code == 3 and "'NOPE' is not in the roster" in err
    code, _, err = invoke("plan", "waves", "--roster", str(roster_csv), "--pin", "[bold]X[/]=1")
    assert code == 3 and "'[bold]X[/]' is not in the roster" in err  # verbatim, not markup
    bad_plan = tmp_path / "bad.json"
    bad_plan.write_text(json.dumps({"version": 99}))
    code, _, err = invoke("plan", "waves", "--roster", str(roster_csv), "--plan", str(bad_plan))
    assert code == 3 and "unsupported plan version 99" in err
    code, _, err = invoke("plan", "waves", "--roster", str(roster_csv), "--sessions-in-use", "3999")
    assert code == 3 and "free within budget" in err


def test_demo_writes_roster_and_plan(tmp_path: Path) -> None:
    code, _, err = invoke("demo", "--agents", "120", "--seed", "4", "--out-dir", str(tmp_path))
    assert code == 0, err
    assert "Wave plan" in err
    document = read_plan(tmp_path / "plan.json")
    assert len(document.waves) == 3
    assert (tmp_path / "roster.csv").read_text().count("\n") == 121


def test_replan_merges_remaining_waves_and_writes_the_plan(
    roster_csv: Path, tmp_path: Path
) -> None:
    plan_file = tmp_path / "plan.json"
    assert invoke("plan", "waves", "--roster", str(roster_csv), "--out", str(plan_file))[0] == 0
    before = json.loads(plan_file.read_text())
    rest = sum(w["sessions"] for w in before["waves"][1:])
    merged_file = tmp_path / "merged.json"
    code, out, err = invoke(
        "plan", "replan", "--plan", str(plan_file), "--moved", "1",
        "--free-sessions", str(rest), "--out", str(merged_file),
    )  # fmt: skip
    assert code == 0, err
    assert "re-plan: merged" in err and "3 planned -> 2" in err
    after = json.loads(merged_file.read_text())
    assert [w["number"] for w in after["waves"]] == [1, 2]
    assert after["waves"][0] == before["waves"][0]
    assert sorted(after["waves"][1]["agents"]) == sorted(
        before["waves"][1]["agents"] + before["waves"][2]["agents"]
    )
    code, out, err = invoke(
        "plan", "replan", "--plan", str(plan_file), "--moved", "1",
        "--free-sessions", str(rest - 1), "--format", "json",
    )  # fmt: skip
    assert code == 0 and "re-plan: kept" in err
    assert json.loads(out)["waves"] == before["waves"]
    code, _, err = invoke(
        "plan", "replan", "--plan", str(plan_file), "--moved", "9", "--free-sessions", "1"
    )
    assert code == 3 and "moved wave(s) [9]" in err


def test_demo_asa_model_sizes_the_platform(tmp_path: Path) -> None:
    """16,000 agents on ASAv50 need 3 headends (N+1), not the 81 ASAv10 of the default demo."""
    code, _, err = invoke(
        "demo", "--agents", "16000", "--plan-only", "--asa-model", "ASAv50",
        "--out-dir", str(tmp_path),
    )  # fmt: skip
    assert code == 0, err
    assert read_plan(tmp_path / "plan.json").capacity.headends_required == 3
    code, _, err = invoke("demo", "--plan-only", "--asa-model", "ASAv7", "--out-dir", str(tmp_path))
    assert code == 3 and "the lab emulates ASAv10" in err
