"""Injectable desktop faults: what a real fleet does to a rollout on a bad day.

Faults live in a dict keyed by desktop index, so healthy desktops cost nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

#: fault name -> (parameter name, default); documented in docs/lab.md
FAULTS: Mapping[str, Mapping[str, Any]] = {
    "unreachable": {},  # listeners closed: connections refused
    "auth_401": {},  # every request answered 401, even with good credentials
    "slow_receive": {"delay_s": 2.0},  # each Receive answered after delay_s
    "hanging_receive": {},  # Receive never completes: OperationTimeout faults forever
    "msi_1618": {"count": 1, "product_code": None},  # next `count` installs exit 1618
    "msi_1603": {"count": None, "product_code": None},  # installs exit 1603 (None: until cleared)
    "msi_exit": {"code": 3010, "count": 1, "product_code": None},  # any msiexec exit code
    "reboot_midway": {"down_s": 5.0},  # next agent run: reboot mid-run, back after down_s
    "disk_full": {},  # C: has no free space: installs 1603, file writes fail
}


class FaultError(ValueError):
    """Unknown fault or bad parameter."""


@dataclass
class MsiOverride:
    """msiexec answers ``code`` for ``remaining`` runs (None: until cleared)."""

    code: int
    remaining: int | None
    product_code: str | None = None


@dataclass
class DesktopFaults:
    unreachable: bool = False
    auth_401: bool = False
    slow_receive_s: float = 0.0
    hanging_receive: bool = False
    msi_overrides: list[MsiOverride] = field(default_factory=list)
    reboot_midway_s: float | None = None
    disk_full: bool = False
    free_gb_before_full: float | None = None  # restored when the fault is cleared

    def active(self) -> dict[str, Any]:
        data = {k: v for k, v in asdict(self).items() if v not in (False, 0, 0.0, None, [])}
        return data

    def take_msi_exit(self, product_code: str) -> int | None:
        """Exit code forced on this msiexec run, consuming one count of the first match."""
        for override in self.msi_overrides:
            if override.product_code and override.product_code.upper() != product_code.upper():
                continue
            if override.remaining is not None:
                override.remaining -= 1
                if override.remaining <= 0:
                    self.msi_overrides.remove(override)
            return override.code
        return None


def apply_fault(faults: DesktopFaults, fault: str, params: Mapping[str, Any]) -> None:
    if fault not in FAULTS:
        raise FaultError(f"unknown fault {fault!r}; known: {', '.join(FAULTS)}")
    unknown = set(params) - set(FAULTS[fault])
    if unknown:
        raise FaultError(
            f"fault {fault} takes {sorted(FAULTS[fault]) or 'no'} parameters, not {sorted(unknown)}"
        )
    merged = {**FAULTS[fault], **params}
    try:
        if fault == "unreachable":
            faults.unreachable = True
        elif fault == "auth_401":
            faults.auth_401 = True
        elif fault == "slow_receive":
            faults.slow_receive_s = _positive(float(merged["delay_s"]), "delay_s")
        elif fault == "hanging_receive":
            faults.hanging_receive = True
        elif fault in ("msi_1618", "msi_1603", "msi_exit"):
            code = {"msi_1618": 1618, "msi_1603": 1603}.get(fault) or int(merged["code"])
            count = merged["count"]
            remaining = None if count is None else int(_positive(int(count), "count"))
            product = merged["product_code"]
            faults.msi_overrides.append(
                MsiOverride(code, remaining, None if product is None else str(product))
            )
        elif fault == "reboot_midway":
            faults.reboot_midway_s = _positive(float(merged["down_s"]), "down_s")
        elif fault == "disk_full":
            faults.disk_full = True
    except (TypeError, ValueError) as exc:
        raise FaultError(f"fault {fault}: {exc}") from exc


def _positive(value: float, name: str) -> float:
    if value < 0:
        raise FaultError(f"{name} must not be negative")
    return value
