"""One fresh ASA lab per test module (starting one takes well under a second)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from asa_converge_support import ConvergeLab, start_converge_lab

from homeshift.lab.runtime import stop_lab


@pytest.fixture(scope="module")
def converge_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConvergeLab]:
    lab_dir = tmp_path_factory.mktemp("asa-converge-lab")
    lab = start_converge_lab(lab_dir, headends=2, spares=1)
    try:
        yield lab
    finally:
        stop_lab(lab_dir)
