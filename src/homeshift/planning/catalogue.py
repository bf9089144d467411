"""The headend platform catalogue: maximum AnyConnect peers and VPN throughput per model.

The figures are data, not code: each carries its source, or the word ``unverified`` when it was
recalled from datasheets and not checked (``asa-cli.md`` section 3.2). Users override or extend
the table with a YAML file (``--catalogue FILE``)::

    models:
      ASA5555: {max_peers: 5000, vpn_throughput_mbps: 700, source: "datasheet C78-xxx, 2026-11"}
      FPR2140: {max_peers: 10000}
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from homeshift.planning import PlanError

UNVERIFIED = "unverified"


@dataclass(frozen=True, slots=True)
class HeadendModel:
    """One headend platform. ``vpn_throughput_mbps`` is None when no figure is known."""

    name: str
    max_peers: int
    vpn_throughput_mbps: float | None
    source: str = UNVERIFIED

    @property
    def verified(self) -> bool:
        return not self.source.lower().startswith(UNVERIFIED)

    def describe(self) -> str:
        """Short text for plan notes, e.g. ``ASA5555 max peers 5000 (unverified: ...)``."""
        if self.verified:
            return f"{self.name} max peers {self.max_peers} (source: {self.source})"
        return f"{self.name} max peers {self.max_peers} (unverified: check the datasheet)"


#: Built-in table, asa-cli.md section 3.2 (recalled figures; see the evidence column there).
BUILTIN_MODELS: tuple[HeadendModel, ...] = (
    HeadendModel("ASA5506", 50, 100.0),
    HeadendModel("ASA5508", 100, 175.0),
    HeadendModel(
        "ASA5516", 300, 250.0, "unverified (peers match a real device: Total VPN Peers 300)"
    ),
    HeadendModel("ASA5525", 750, 300.0),
    HeadendModel("ASA5545", 2500, 400.0),
    HeadendModel("ASA5555", 5000, 700.0),
    HeadendModel("ASA5585-SSP10", 5000, 1000.0),
    HeadendModel("ASA5585-SSP20", 10000, 2000.0),
    HeadendModel("ASA5585-SSP40", 10000, 3000.0),
    HeadendModel("ASA5585-SSP60", 10000, 5000.0),
    HeadendModel("ASAv5", 50, None),
    HeadendModel(
        "ASAv10", 250, None, "unverified (peers match a real device: Total VPN Peers 250)"
    ),
    HeadendModel("ASAv30", 750, None),
    HeadendModel("ASAv50", 10000, None),
    HeadendModel("ASAv100", 20000, None),
    HeadendModel("FPR1010", 75, None),
    HeadendModel("FPR1120", 150, None),
    HeadendModel("FPR1140", 400, None),
    HeadendModel("FPR1150", 800, None),
    HeadendModel("FPR2110", 1500, None),
    HeadendModel("FPR2120", 3500, None),
    HeadendModel(
        "FPR2130", 7500, None, "unverified (peers match a real device: Total VPN Peers 7500)"
    ),
    HeadendModel("FPR2140", 10000, None),
    HeadendModel("FPR4110", 10000, None),
    HeadendModel("FPR4120", 15000, None),
    HeadendModel("FPR4140", 20000, None),
    HeadendModel("FPR4150", 20000, None),
)


def model_key(name: str) -> str:
    """Lookup key: case, spaces, dashes and the ``-X`` suffix do not matter (``asa 5555-x``)."""
    key = re.sub(r"[^A-Z0-9]", "", name.upper())
    if re.fullmatch(r"ASA55\d\dX", key):
        key = key[:-1]
    return key


@dataclass(frozen=True)
class Catalogue:
    """Models by name; look-ups are forgiving about spelling (see :func:`model_key`)."""

    models: tuple[HeadendModel, ...]

    def __iter__(self) -> Iterator[HeadendModel]:
        return iter(self.models)

    def get(self, name: str) -> HeadendModel:
        key = model_key(name)
        for model in self.models:
            if model_key(model.name) == key:
                return model
        known = ", ".join(m.name for m in self.models)
        raise PlanError(f"unknown headend model {name!r}; known models: {known}")


BUILTIN_CATALOGUE = Catalogue(BUILTIN_MODELS)


def merge_overrides(
    base: Catalogue, overrides: Mapping[str, Any], source: str = "<overrides>"
) -> Catalogue:
    """Apply ``{name: {max_peers, vpn_throughput_mbps, source}}``; new names add models."""
    models = list(base.models)
    index = {model_key(m.name): i for i, m in enumerate(models)}
    for name, raw in overrides.items():
        where = f"{source}: model {name!r}"
        if not isinstance(raw, Mapping):
            raise PlanError(f"{where} must be a mapping of max_peers/vpn_throughput_mbps/source")
        unknown = set(raw) - {"max_peers", "vpn_throughput_mbps", "source"}
        if unknown:
            raise PlanError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
        key = model_key(str(name))
        current = models[index[key]] if key in index else None
        peers = raw.get("max_peers", current.max_peers if current else None)
        if not isinstance(peers, int) or isinstance(peers, bool) or peers < 1:
            raise PlanError(f"{where}: max_peers must be a positive integer")
        throughput = raw.get(
            "vpn_throughput_mbps", current.vpn_throughput_mbps if current else None
        )
        if throughput is not None and (
            isinstance(throughput, bool)
            or not isinstance(throughput, int | float)
            or throughput <= 0
        ):
            raise PlanError(f"{where}: vpn_throughput_mbps must be a positive number or null")
        # An override without its own source is the user's figure, not ours.
        src = str(raw.get("source") or f"override in {source}")
        if current is not None:
            models[index[key]] = replace(
                current,
                max_peers=peers,
                vpn_throughput_mbps=None if throughput is None else float(throughput),
                source=src,
            )
        else:
            index[key] = len(models)
            models.append(
                HeadendModel(
                    str(name), peers, None if throughput is None else float(throughput), src
                )
            )
    return Catalogue(tuple(models))


def load_catalogue(path: str | Path | None = None) -> Catalogue:
    """The built-in catalogue, merged with the YAML overrides in ``path`` when given."""
    if path is None:
        return BUILTIN_CATALOGUE
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise PlanError(f"catalogue {path}: cannot read ({exc})") from exc
    if not isinstance(data, Mapping) or not isinstance(data.get("models"), Mapping):
        raise PlanError(f"catalogue {path}: expected a top-level 'models:' mapping")
    return merge_overrides(BUILTIN_CATALOGUE, data["models"], str(path))
