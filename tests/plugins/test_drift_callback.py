"""The drift_report callback, run by a real ansible-playbook from the checkout."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

PLAYBOOK = """
- name: Pretend convergence
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Repair something
      ansible.builtin.command: /bin/true
      changed_when: true
    - name: Already fine
      ansible.builtin.command: /bin/true
      changed_when: false
"""


def test_callback_writes_drift_report(tmp_path: Path) -> None:
    playbook = tmp_path / "pb.yml"
    playbook.write_text(PLAYBOOK)
    report = tmp_path / "drift.json"
    env = {
        **os.environ,
        "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"),
        "ANSIBLE_CALLBACKS_ENABLED": "homeshift.core.drift_report",
        "HOMESHIFT_DRIFT_REPORT": str(report),
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
    }
    proc = subprocess.run(
        ["ansible-playbook", "-i", "localhost,", "-c", "local", str(playbook)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads(report.read_text())
    assert data["drifted_hosts"] == ["localhost"]
    assert [c["task"] for c in data["changes"]] == ["Repair something"]
    assert "drift repaired on 1 host(s)" in proc.stdout
