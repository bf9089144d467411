"""Fixtures for the ASA lab: one real lab process per test module, on its own addresses."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from asa_lab_support import AsaLab, start_asa_lab

from homeshift.lab.runtime import stop_lab


@pytest.fixture(scope="module")
def asa_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AsaLab]:
    """Three headends (asa-03 with a 100-peer licence) and one spare, fresh per test module."""
    lab_dir = tmp_path_factory.mktemp("asa-lab")
    lab = start_asa_lab(
        lab_dir, headends=3, spares=1, overrides={"asa-03": {"licensed_peers": 100}}
    )
    try:
        yield lab
    finally:
        stop_lab(lab_dir)
