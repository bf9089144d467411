"""Start, inspect and stop a lab process from the controller (CLI, tests, demo)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from homeshift.lab.control import LAB_FILE, LabControlError, call, read_lab_file
from homeshift.lab.daemon import INVENTORY_FILE
from homeshift.lab.spec import LabSpec

DEFAULT_LAB_DIR = Path(".lab")


@dataclass(frozen=True)
class LabHandle:
    """A running lab: where it lives and how to reach it."""

    lab_dir: Path
    pid: int
    control_port: int

    @property
    def inventory(self) -> Path:
        return self.lab_dir / INVENTORY_FILE

    def call(self, op: str, **args: Any) -> Any:
        return call(self.lab_dir, op, **args)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def running_lab(lab_dir: Path) -> LabHandle | None:
    """The lab running in ``lab_dir``, or None (a stale lab.json is removed)."""
    try:
        info = read_lab_file(lab_dir)
    except LabControlError:
        return None
    if not _alive(int(info["pid"])):
        (lab_dir / LAB_FILE).unlink(missing_ok=True)
        return None
    return LabHandle(lab_dir.resolve(), int(info["pid"]), int(info["control_port"]))


def start_lab(lab_dir: Path, spec: LabSpec, timeout: float = 300.0) -> LabHandle:
    """Start a lab process in the background and wait until every endpoint is ready."""
    lab_dir = lab_dir.resolve()
    lab_dir.mkdir(parents=True, exist_ok=True)
    if running_lab(lab_dir):
        raise LabControlError(f"a lab is already running in {lab_dir}; `homeshift lab down` first")
    spec.write(lab_dir)
    (lab_dir / "lab.log").unlink(missing_ok=True)
    with (lab_dir / "lab.stderr").open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "homeshift.lab.daemon", str(lab_dir)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            start_new_session=True,  # survives the CLI that started it; Ctrl-C does not reach it
        )
    (lab_dir / "lab.pid").write_text(str(process.pid))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = (lab_dir / "lab.log").read_text() if (lab_dir / "lab.log").exists() else ""
            err = (lab_dir / "lab.stderr").read_text()
            raise LabControlError(
                f"lab process exited with {process.returncode}:\n{(log + err)[-4000:]}"
            )
        handle = running_lab(lab_dir)
        if handle and handle.pid == process.pid:
            return handle
        time.sleep(0.1)
    process.terminate()
    raise LabControlError(f"lab in {lab_dir} not ready after {timeout:.0f}s")


def stop_lab(lab_dir: Path, timeout: float = 30.0) -> bool:
    """Stop the lab this directory's ``lab.pid`` names; True when one was stopped.

    Only the process recorded by ``homeshift lab up`` is signalled, never anything else.
    """
    lab_dir = lab_dir.resolve()
    pid_file = lab_dir / "lab.pid"
    if not pid_file.exists():
        return False
    pid = int(pid_file.read_text())
    if not _alive(pid):
        pid_file.unlink(missing_ok=True)
        (lab_dir / LAB_FILE).unlink(missing_ok=True)
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and _alive(pid):
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)  # reap when we are the parent (tests)
        time.sleep(0.05)
    if _alive(pid):
        os.kill(pid, signal.SIGKILL)
    pid_file.unlink(missing_ok=True)
    return True


def lab_status(lab_dir: Path) -> dict[str, Any] | None:
    handle = running_lab(lab_dir)
    if handle is None:
        return None
    status: dict[str, Any] = handle.call("lab.status")
    status["lab_dir"] = str(handle.lab_dir)
    status["inventory"] = str(handle.inventory)
    return status


def dump_status(lab_dir: Path) -> str:
    return json.dumps(lab_status(lab_dir), indent=2)
