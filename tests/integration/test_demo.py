"""The README's main command on a small lab: every step for real, then a resumed migrate.

This is the end-to-end check of the story: headends converged and scaled out, desktops
provisioned and verified, waves run behind gates through ansible-runner, 3 planned waves
merged to 2 once the platform proved stable, board and report written, lab stopped.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from homeshift.cli.demo import DEMO_CLUSTER_KEY
from homeshift.lab.runtime import stop_lab

REPO = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.lab, pytest.mark.slow]


def homeshift(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    venv_bin = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}"}
    return subprocess.run(
        [str(venv_bin / "homeshift"), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def test_demo_runs_the_whole_move_and_migrate_resumes_without_moving_anyone_twice(
    tmp_path: Path,
) -> None:
    out = tmp_path / "demo"
    try:
        run = homeshift(
            "demo",
            # 260 agents on 1 headend: the plan adds 2 spares, and the merged wave only fits
            # when the gates count the members scale-out joined (not just group headends)
            "--agents",
            "260",
            "--headends",
            "1",
            "--spares",
            "0",
            "--soak",
            "0",
            "--keep-lab",
            "--out-dir",
            str(out),
            cwd=REPO,
        )
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-6000:]

        report = json.loads((out / "migrate" / "migration-report.json").read_text())
        plan = json.loads((out / "plan.json").read_text())
        schedulable = sum(len(w["agents"]) for w in plan["waves"])
        assert len(plan["waves"]) == 3
        assert report["finished"] and not report["held"]
        assert report["decisions"][0]["action"] == "merge"
        assert report["waves_run"] == 2
        # the lab seeds a few desktops below the role's minimum build or nearly full: the
        # preflight holds exactly those, with the check that failed; everyone else moves
        held = [h for o in report["outcomes"] for h in o["held"]]
        assert held, "the seeded lab has desktops below the role's minimums"
        for h in held:
            assert h["reason"].startswith("desktop preflight failed: "), h
            assert ": not ready: " in h["reason"], h
            assert "os-build" in h["reason"] or "free-disk" in h["reason"], h
        assert report["moved"] + len(held) == schedulable

        scale_out = json.loads((out / "scale-out.json").read_text())
        assert scale_out["ok"] and len(scale_out["added_headends"]) == 2
        html = (out / "report.html").read_text()
        assert "<svg" in html

        # a second migrate finds every wave done: nothing runs, nobody moves twice
        again = homeshift(
            "migrate",
            "--plan",
            str(out / "plan.json"),
            "--roster",
            str(out / "roster.csv"),
            "-i",
            str(out / "inventory"),
            "--store",
            f"sqlite:///{out / 'homeshift.db'}",
            "--lab",
            str(out / "lab"),
            "--out-dir",
            str(tmp_path / "again"),
            cwd=REPO,
        )
        assert again.returncode == 0, again.stderr[-3000:]
        second = json.loads((tmp_path / "again" / "migration-report.json").read_text())
        assert second["waves_run"] == 0 and second["moved"] == 0
        assert "already done" in again.stderr

        everything = run.stdout + run.stderr + again.stderr
        for log in out.glob("*.log"):
            everything += log.read_text()
        assert DEMO_CLUSTER_KEY not in everything
        lab_inventory = (out / "lab" / "inventory.yml").read_text()
        passwords = {
            line.split(":", 1)[1].strip()
            for line in lab_inventory.splitlines()
            if "password" in line and ":" in line
        }
        assert passwords and not any(p and p in everything for p in passwords)
    finally:
        stop_lab(out / "lab")
    assert not (out / "lab" / "lab.json").exists()
