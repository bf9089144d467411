from __future__ import annotations

import json
from pathlib import Path

from homeshift.drift import DriftReport


def test_only_whitelisted_keys_reach_the_report(tmp_path: Path) -> None:
    report = DriftReport(playbook="headends.yml")
    report.add_changed(
        "asa-01",
        "Converge RA-VPN",
        "homeshift.core.asa_ravpn",
        {
            "changed": True,
            "commands": ["ip local pool HS-POOL-ASA-01 10.64.0.1-10.64.31.254 mask 255.255.224.0"],
            "password": "s3cret-value",
            "before": {"cluster_key": "s3cret-value"},
        },
    )
    path = report.write(tmp_path / "drift.json")
    text = path.read_text()
    assert "s3cret-value" not in text
    data = json.loads(text)
    assert data["drifted_hosts"] == ["asa-01"]
    assert data["changes"][0]["commands"][0].startswith("ip local pool HS-POOL-ASA-01")


def test_changed_desktop_resources_are_listed() -> None:
    report = DriftReport()
    report.add_changed(
        "BER-D0000001",
        "Apply desktop state",
        "homeshift.core.desktop_state",
        {
            "changed": True,
            "results": [
                {"id": "vpn-profile", "changed": True},
                {"id": "vpn-core", "changed": False},
            ],
        },
    )
    assert report.to_dict()["changes"][0]["changed_resources"] == ["vpn-profile"]
    assert report.summary_lines()[0] == "drift repaired on 1 host(s)"


def test_no_drift_summary() -> None:
    report = DriftReport()
    report.failed_hosts.add("asa-02")
    lines = report.summary_lines()
    assert lines[0] == "no drift"
    assert "asa-02" in lines[-1]
