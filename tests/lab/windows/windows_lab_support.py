"""Helpers for Windows lab tests: start a lab on per-worker addresses, reach its desktops."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import winrm
import yaml

from homeshift.lab.control import LabControlError
from homeshift.lab.runtime import LabHandle, start_lab, stop_lab
from homeshift.lab.spec import LabSpec


def worker_offset(slot: int, attempt: int = 0) -> int:
    """Distinct loopback addresses per xdist worker, per lab within a worker, and per attempt.

    Addresses 80,000+ of the Windows block are this suite's (other suites: 20,000+ provisioning,
    40,000 and 2,000 benchmarks, 60,000 verification). A concurrent test session on the same
    machine holding an address makes the next attempt use another 10,000-address band.
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    number = int(worker[2:]) if worker[2:].isdigit() else 0
    return 80_000 + attempt * 10_000 + number * 1_000 + slot * 50


@dataclass
class WindowsLab:
    handle: LabHandle
    group: dict[str, Any]

    @property
    def hosts(self) -> dict[str, dict[str, Any]]:
        hosts: dict[str, dict[str, Any]] = self.group["hosts"]
        return hosts

    @property
    def vars(self) -> dict[str, Any]:
        group_vars: dict[str, Any] = self.group["vars"]
        return group_vars

    def name(self, i: int) -> str:
        return list(self.hosts)[i]

    def address(self, i: int) -> str:
        return str(self.hosts[self.name(i)]["ansible_host"])

    def session(self, i: int, https: bool = False, **kwargs: Any) -> winrm.Session:
        user, password = self.vars["ansible_user"], self.vars["ansible_password"]
        if https:
            kwargs.setdefault("transport", "ntlm")
            kwargs.setdefault("ca_trust_path", self.vars["ansible_winrm_ca_trust_path"])
            url = f"https://{self.address(i)}:{self.vars['homeshift_winrm_https_port']}/wsman"
        else:
            kwargs.setdefault("transport", "ntlm")
            url = f"http://{self.address(i)}:{self.vars['ansible_port']}/wsman"
        return winrm.Session(url, auth=(user, kwargs.pop("password", password)), **kwargs)

    def protocol(self, i: int, **kwargs: Any) -> winrm.Protocol:
        url = f"http://{self.address(i)}:{self.vars['ansible_port']}/wsman"
        return winrm.Protocol(
            url,
            transport="ntlm",
            username=self.vars["ansible_user"],
            password=self.vars["ansible_password"],
            **kwargs,
        )

    def call(self, op: str, **args: Any) -> Any:
        return self.handle.call(f"windows.{op}", **args)


def stop_windows_lab(lab: WindowsLab | None, lab_dir: Path) -> None:
    """Stop a lab this test run started, by its PID even if ``lab.pid`` has vanished.

    pytest prunes old ``pytest-of-<user>`` folders; a parallel session on the same machine can
    remove a running lab's files, and ``stop_lab`` alone would then leave the process behind.
    """
    stop_lab(lab_dir)
    if lab is None:
        return
    pid = lab.handle.pid
    for sig, wait in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            with contextlib.suppress(ChildProcessError):
                if os.waitpid(pid, os.WNOHANG)[0] == pid:
                    return
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)


def start_windows_lab(lab_dir: Path, slot: int, **options: Any) -> WindowsLab:
    last: LabControlError | None = None
    for attempt in range(4):
        opts = {"desktops": 4, "address_offset": worker_offset(slot, attempt), **options}
        try:
            handle = start_lab(lab_dir, LabSpec(components={"windows": opts}, seed=11))
        except LabControlError as exc:
            if "Address already in use" not in str(exc):
                raise
            last = exc
            continue
        inventory = yaml.safe_load(handle.inventory.read_text())
        return WindowsLab(handle, inventory["all"]["children"]["desktops"])
    assert last is not None
    raise last


#: The fixed bootstrap of docs/desktop-agent-contract.md ("Wire" step 1), verbatim.
BOOTSTRAP_PS = "\n".join(
    [
        "$ErrorActionPreference = 'Stop'",
        "$raw = [Console]::In.ReadToEnd()",
        '$cut = $raw.IndexOf("`n##HOMESHIFT-DOCUMENT##`n")',
        "$agent = [ScriptBlock]::Create($raw.Substring(0, $cut))",
        "& $agent -DocumentJson $raw.Substring($cut + 24)",
    ]
)
AGENT_STUB = "# homeshift-desktop-agent contract=1\nparam([string]$DocumentJson)\n# (lab stub)\n"


def run_agent(
    lab: WindowsLab, i: int, document: dict[str, Any], script: str = AGENT_STUB
) -> tuple[dict[str, Any] | None, bytes, int]:
    """One agent run over pywinrm exactly as the contract's wire section describes."""
    protocol = lab.protocol(i)
    shell = protocol.open_shell()
    try:
        encoded = base64.b64encode(BOOTSTRAP_PS.encode("utf-16-le")).decode()
        args = ["-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass", "-EncodedCommand"]
        command = protocol.run_command(shell, "powershell.exe", [*args, encoded])
        stdin = (script + "\n##HOMESHIFT-DOCUMENT##\n" + json.dumps(document)).encode()
        chunks = [stdin[n : n + 200_000] for n in range(0, len(stdin), 200_000)]
        for n, chunk in enumerate(chunks):
            protocol.send_command_input(shell, command, chunk, end=n == len(chunks) - 1)
        out, err, code = protocol.get_command_output(shell, command)
        protocol.cleanup_command(shell, command)
    finally:
        with contextlib.suppress(Exception):
            protocol.close_shell(shell)
    result = None
    for line in out.decode().splitlines():
        if line.startswith("HOMESHIFT-RESULT "):
            result = json.loads(line[len("HOMESHIFT-RESULT ") :])
    return result, err, code
