"""One Windows lab per xdist worker for the desktop provisioning tests (its own addresses)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from desktops_lab_support import DesktopLab, start_desktop_lab

from homeshift.lab.runtime import stop_lab

#: slot 5: the Windows lab's own tests use slots 0-4 of the same per-worker address range
DESKTOP_LAB_SLOT = 5
DESKTOPS = 12


@pytest.fixture(scope="session")
def desktop_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DesktopLab]:
    lab_dir = tmp_path_factory.mktemp("desktop-lab")
    lab = start_desktop_lab(lab_dir, slot=DESKTOP_LAB_SLOT, desktops=DESKTOPS, https=True)
    try:
        yield lab
    finally:
        stop_lab(lab_dir)
