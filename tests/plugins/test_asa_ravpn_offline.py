"""asa_ravpn's device-free states (rendered, parsed) and input validation, via ansible-playbook."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

PLAYBOOK = """
- name: Offline states of asa_ravpn
  hosts: localhost
  gather_facts: false
  connection: ansible.builtin.local
  tasks:
    - name: Render
      homeshift.core.asa_ravpn:
        state: rendered
        cluster_key: Offline-Key-123
        config:
          pools: [{name: P1, first: 10.64.0.1, last: 10.64.0.254, mask: 255.255.255.0}]
          load_balancing: {priority: 5, cluster_ip: 198.51.100.200, participate: true}
      register: rendered
    - name: Parse
      homeshift.core.asa_ravpn:
        state: parsed
        running_config: |
          hostname asa-01
          ip local pool P1 10.64.0.1-10.64.0.254 mask 255.255.255.0
          vpn load-balancing
           cluster key *****
           participate
      register: parsed
    - name: Invalid config fails with a clear message
      homeshift.core.asa_ravpn:
        state: merged
        config:
          pools: [{name: P1, first: 10.64.0.9, last: 10.64.0.1}]
      register: invalid
      ignore_errors: true
    - name: Save results
      ansible.builtin.copy:
        content: "{{ {'rendered': rendered, 'parsed': parsed, 'invalid': invalid} | to_json }}"
        dest: "{{ out }}"
        mode: "0600"
"""


def test_rendered_parsed_and_invalid_input(tmp_path: Path) -> None:
    playbook = tmp_path / "offline.yml"
    playbook.write_text(PLAYBOOK)
    out = tmp_path / "out.json"
    venv_bin = Path(sys.executable).parent
    run = subprocess.run(
        [str(venv_bin / "ansible-playbook"), "-i", "localhost,", str(playbook), "-e", f"out={out}"],
        cwd=REPO,
        env={**os.environ, "ANSIBLE_LOCAL_TEMP": str(tmp_path / "tmp"), "ANSIBLE_NOCOLOR": "1"},
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    results = json.loads(out.read_text())
    rendered = results["rendered"]["rendered"]
    assert rendered[0] == "ip local pool P1 10.64.0.1-10.64.0.254 mask 255.255.255.0"
    assert " cluster key *****" in rendered and rendered[-1] == " participate"
    assert "Offline-Key-123" not in run.stdout + out.read_text()
    parsed = results["parsed"]["parsed"]
    assert parsed["pools"][0]["size"] == 254
    assert parsed["load_balancing"] == {"cluster_key": "*****", "participate": True}
    invalid = results["invalid"]
    assert invalid["failed"] and "last 10.64.0.1 is before first 10.64.0.9" in invalid["msg"]
    assert "localhost: invalid config" in invalid["msg"]
