"""Fixtures for the Windows lab: one real lab process per xdist worker, on its own addresses."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from windows_lab_support import WindowsLab, start_windows_lab, stop_windows_lab


@pytest.fixture(scope="session")
def windows_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WindowsLab]:
    """A 4-desktop lab with HTTPS, shared by the protocol, command and ansible tests."""
    lab_dir = tmp_path_factory.mktemp("windows-lab")
    lab = start_windows_lab(lab_dir, slot=0)
    try:
        yield lab
    finally:
        stop_windows_lab(lab, lab_dir)
