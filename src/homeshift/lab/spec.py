"""What a lab consists of, as written by ``homeshift lab up`` to ``DIR/lab-spec.json``."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

SPEC_FILE = "lab-spec.json"


@dataclass(frozen=True)
class LabSpec:
    """Components to start and their options (``{"asa": {"headends": 4}, "windows": {...}}``)."""

    components: dict[str, dict[str, Any]] = field(default_factory=dict)
    seed: int = 7

    def write(self, lab_dir: Path) -> Path:
        path = lab_dir / SPEC_FILE
        path.write_text(json.dumps(asdict(self), indent=2, sort_keys=True))
        return path

    @classmethod
    def read(cls, lab_dir: Path) -> LabSpec:
        data = json.loads((lab_dir / SPEC_FILE).read_text())
        return cls(components=data.get("components", {}), seed=int(data.get("seed", 7)))
