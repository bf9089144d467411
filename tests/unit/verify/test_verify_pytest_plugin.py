"""The pytest plugin, loaded through its pytest11 entry point in a separate pytest run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SUITE = """
homeshift_backends = ("winrm",)


def test_only_for_desktops(host):
    raise AssertionError("must be deselected on a local host")
"""
OPEN = """
def test_records_a_verdict(host, homeshift_record, homeshift_expectations, win):
    assert homeshift_expectations.desktop.empty
    assert homeshift_expectations.headend.pools_for("asa-01") == ("HS-POOL-ASA-01",)
    assert win.service("x").host is host
    homeshift_record(host, "headend", ["pool X is not configured"], active=3, limit=10)
"""


def test_plugin_deselects_by_backend_and_writes_results(tmp_path: Path) -> None:
    (tmp_path / "test_suite_desktop.py").write_text(SUITE)
    (tmp_path / "test_suite_open.py").write_text(OPEN)
    plan = tmp_path / "plan.json"
    plan.write_text(
        json.dumps(
            {"capacity": {"headends": [{"name": "asa-01", "pool": {"name": "HS-POOL-ASA-01"}}]}}
        )
    )
    results = tmp_path / "results.json"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--hosts=local://",
            f"--homeshift-results={results}",
            f"--homeshift-plan={plan}",
            "--homeshift-inventory=inv.yml",
            f"--rootdir={tmp_path}",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed, 1 deselected" in done.stdout
    data = json.loads(results.read_text())
    assert data["inventory"] == "inv.yml"
    ((_local_name, verdict),) = data["hosts"].items()
    assert verdict == {
        "kind": "headend",
        "ok": False,
        "failures": ["pool X is not configured"],
        "sessions": {"active": 3, "limit": 10},
    }
