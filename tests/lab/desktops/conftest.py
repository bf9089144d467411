"""One Windows lab per xdist worker for the desktop provisioning tests (its own addresses)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from desktops_lab_support import DesktopLab, start_desktop_lab

from homeshift.lab.control import LabControlError
from homeshift.lab.runtime import stop_lab

#: slots 5-9: the Windows lab's own tests use slots 0-4 of the same per-worker address range;
#: a busy slot (another checkout's test run on this machine) moves the lab to the next one.
DESKTOP_LAB_SLOTS = (5, 6, 7, 8, 9)
DESKTOPS = 12


@pytest.fixture(scope="session")
def desktop_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DesktopLab]:
    for slot in DESKTOP_LAB_SLOTS:
        lab_dir = tmp_path_factory.mktemp(f"desktop-lab-slot{slot}")
        try:
            lab = start_desktop_lab(lab_dir, slot=slot, desktops=DESKTOPS, https=True)
            break
        except LabControlError as exc:
            if "Address already in use" not in str(exc):
                raise
    else:
        pytest.fail(f"every desktop lab address slot {DESKTOP_LAB_SLOTS} is in use")
    try:
        yield lab
    finally:
        stop_lab(lab_dir)
