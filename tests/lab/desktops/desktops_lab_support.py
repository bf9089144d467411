"""Helpers for the desktop provisioning lab tests: a lab per worker, ansible-playbook runs."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from homeshift.lab.runtime import LabHandle, start_lab
from homeshift.lab.spec import LabSpec

REPO = Path(__file__).resolve().parents[3]
VENV_BIN = Path(sys.executable).parent
CLUSTER_ADDRESS = "vpn.homeshift.example"
_RUNS = itertools.count(1)


def worker_offset(slot: int) -> int:
    """Distinct loopback addresses per xdist worker (the Windows lab tests use slots 0-4)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    number = int(worker[2:]) if worker[2:].isdigit() else 0
    return 20_000 + number * 2_000 + slot * 100


@dataclass
class DesktopLab:
    lab_dir: Path
    handle: LabHandle
    inventory: Path
    group: dict[str, Any] = field(default_factory=dict)

    @property
    def hosts(self) -> list[str]:
        return list(self.group["hosts"])

    @property
    def vars(self) -> dict[str, Any]:
        group_vars: dict[str, Any] = self.group["vars"]
        return group_vars

    def host_vars(self, host: str) -> dict[str, Any]:
        return {**self.vars, **self.group["hosts"][host]}

    def call(self, op: str, **args: Any) -> Any:
        return self.handle.call(f"windows.{op}", **args)

    def stats(self, host: str) -> dict[str, Any]:
        stats: dict[str, Any] = self.call("stats", host=host)
        return stats


def start_desktop_lab(lab_dir: Path, slot: int, desktops: int, **options: Any) -> DesktopLab:
    opts = {"desktops": desktops, "address_offset": worker_offset(slot), **options}
    handle = start_lab(lab_dir, LabSpec(components={"windows": opts}, seed=23))
    inventory = yaml.safe_load(handle.inventory.read_text())
    return DesktopLab(lab_dir, handle, handle.inventory, inventory["all"]["children"]["desktops"])


@dataclass
class PlaybookRun:
    returncode: int
    stdout: str
    stderr: str
    results: dict[str, dict[str, Any]]  # host -> last desktop_state result
    stats: dict[str, dict[str, int]]
    custom: dict[str, Any]
    results_file: Path

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run_desktops_playbook(
    lab: DesktopLab,
    tmp: Path,
    *extra: str,
    limit: str | None = None,
    extra_vars: dict[str, Any] | None = None,
    env: dict[str, str] | None = None,
) -> PlaybookRun:
    """ansible-playbook playbooks/desktops.yml against the lab inventory; JSON results per host."""
    results_file = tmp / f"results-{next(_RUNS)}.json"
    variables = {
        "homeshift_vpn_cluster_address": CLUSTER_ADDRESS,
        "homeshift_vpn_backup_servers": ["198.51.100.21", "198.51.100.22"],
        "homeshift_msi_busy_delay": 0.2,
        "homeshift_winrm_connection_retry_delay": 0.2,
        **(extra_vars or {}),
    }
    env = {
        **os.environ,
        "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"),
        "ANSIBLE_CALLBACK_PLUGINS": str(Path(__file__).parent / "callback_plugins"),
        "ANSIBLE_CALLBACKS_ENABLED": "desktop_results",
        "HOMESHIFT_RESULTS_FILE": str(results_file),
        "ANSIBLE_SHOW_CUSTOM_STATS": "1",
        "ANSIBLE_LOCAL_TEMP": str(tmp / "ansible-local"),
        "ANSIBLE_HOME": str(tmp / "ansible-home"),
        "ANSIBLE_FORKS": "8",
        "ANSIBLE_NOCOLOR": "1",
        "PATH": f"{VENV_BIN}:{os.environ.get('PATH', '')}",
        **(env or {}),
    }
    command = [
        str(VENV_BIN / "ansible-playbook"),
        "-i",
        str(lab.inventory),
        str(REPO / "playbooks" / "desktops.yml"),
        "-e",
        json.dumps(variables),
        *extra,
    ]
    if limit:
        command += ["--limit", limit]
    proc = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    report = json.loads(results_file.read_text()) if results_file.exists() else {}
    results = {
        t["host"]: {**t["result"], "_status": t["status"]}
        for t in report.get("tasks", [])
        if "Converge the desktop" in t["task"]
    }
    return PlaybookRun(
        proc.returncode,
        proc.stdout,
        proc.stderr,
        results,
        report.get("stats", {}),
        report.get("custom", {}),
        results_file,
    )


def run_adhoc(
    lab: DesktopLab, tmp: Path, host: str, module: str
) -> subprocess.CompletedProcess[str]:
    """``ansible HOST -m MODULE`` against the lab inventory (one-line output per host)."""
    env = {
        **os.environ,
        "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"),
        "ANSIBLE_LOCAL_TEMP": str(tmp / "ansible-local"),
        "ANSIBLE_HOME": str(tmp / "ansible-home"),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_LOAD_CALLBACK_PLUGINS": "1",
        "ANSIBLE_STDOUT_CALLBACK": "ansible.builtin.minimal",
    }
    command = [str(VENV_BIN / "ansible"), host, "-i", str(lab.inventory), "-m", module]
    return subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
