"""Drift reports for scheduled convergence runs.

A scheduled re-run of the headend or desktop playbooks should change nothing; whatever it does
change is drift that somebody or something introduced since the last run. This module turns
changed task results into a small, secret-free report (JSON for machines, lines for people).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

#: Result keys copied into the report when present; everything else is left out on purpose,
#: so no password or key that a module echoed by mistake can reach the report.
REPORTED_KEYS: tuple[str, ...] = ("commands", "changed_resources", "reboot_required")
_MAX_ITEMS = 50


@dataclass(frozen=True, slots=True)
class DriftItem:
    host: str
    task: str
    action: str
    details: Mapping[str, Any]


@dataclass
class DriftReport:
    """Accumulates changed results of one playbook run."""

    playbook: str = ""
    started: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    items: list[DriftItem] = field(default_factory=list)
    failed_hosts: set[str] = field(default_factory=set)
    unreachable_hosts: set[str] = field(default_factory=set)

    def add_changed(self, host: str, task: str, action: str, result: Mapping[str, Any]) -> None:
        details = {}
        for key in REPORTED_KEYS:
            value = result.get(key)
            if value in (None, [], {}):
                continue
            if isinstance(value, list):
                value = value[:_MAX_ITEMS]
            details[key] = value
        results = result.get("results")
        if isinstance(results, list):  # per-resource results of desktop_state
            changed = [r.get("id") for r in results if isinstance(r, Mapping) and r.get("changed")]
            if changed:
                details["changed_resources"] = changed[:_MAX_ITEMS]
        self.items.append(DriftItem(host, task, action, details))

    @property
    def drifted_hosts(self) -> list[str]:
        return sorted({item.host for item in self.items})

    def to_dict(self) -> dict[str, Any]:
        return {
            "playbook": self.playbook,
            "started": self.started,
            "finished": datetime.now(UTC).isoformat(timespec="seconds"),
            "drifted_hosts": self.drifted_hosts,
            "failed_hosts": sorted(self.failed_hosts),
            "unreachable_hosts": sorted(self.unreachable_hosts),
            "changes": [
                {"host": i.host, "task": i.task, "action": i.action, **i.details}
                for i in self.items
            ],
        }

    def summary_lines(self) -> list[str]:
        hosts = self.drifted_hosts
        lines = [f"drift repaired on {len(hosts)} host(s)" if hosts else "no drift"]
        for item in self.items[:_MAX_ITEMS]:
            extra = ", ".join(f"{k}={v}" for k, v in item.details.items() if k != "commands")
            lines.append(f"  {item.host}: {item.task}" + (f" ({extra})" if extra else ""))
        if self.failed_hosts or self.unreachable_hosts:
            lines.append(
                f"failed: {sorted(self.failed_hosts)} unreachable: {sorted(self.unreachable_hosts)}"
            )
        return lines

    def write(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_dict(), indent=2, sort_keys=True, default=str))
        return path
