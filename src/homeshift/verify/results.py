"""The verification results file (``results.json``): per-host verdicts the board reads.

Written by ``homeshift verify``; format version 1::

    {
      "version": 1,
      "created": "2026-12-01T08:00:00+00:00",
      "inventory": "inventory/lab.yml",
      "hosts": {
        "BER-D0000001": {"kind": "desktop", "ok": false,
                          "failures": ["service csc_vpnagent is Stopped (expected Running)"]},
        "asa-01": {"kind": "headend", "ok": true, "failures": [],
                   "sessions": {"active": 38, "limit": 5000}}
      }
    }

``failures`` are short sentences naming what is wrong; they never contain secrets.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from homeshift.readiness import DesktopVerdict, HeadendLoad

RESULTS_VERSION = 1
HostKind = Literal["desktop", "headend"]


class ResultsFileError(ValueError):
    """The results file cannot be used; the message names the file and the host."""


@dataclass(frozen=True, slots=True)
class HostResult:
    host: str
    kind: HostKind
    ok: bool
    failures: tuple[str, ...] = ()
    active: int | None = None
    limit: int | None = None


@dataclass(frozen=True)
class VerificationResults:
    hosts: Mapping[str, HostResult] = field(default_factory=dict)
    inventory: str = ""
    created: str = ""

    def desktop_verdicts(self) -> dict[str, DesktopVerdict]:
        return {
            r.host: DesktopVerdict(r.host, r.ok, r.failures)
            for r in self.hosts.values()
            if r.kind == "desktop"
        }

    def headend_loads(self) -> tuple[HeadendLoad, ...]:
        return tuple(
            HeadendLoad(r.host, r.active, r.limit)
            for r in sorted(self.hosts.values(), key=lambda r: r.host)
            if r.kind == "headend" and r.active is not None and r.limit is not None
        )

    def to_json(self) -> dict[str, Any]:
        hosts: dict[str, Any] = {}
        for name in sorted(self.hosts):
            r = self.hosts[name]
            entry: dict[str, Any] = {"kind": r.kind, "ok": r.ok, "failures": list(r.failures)}
            if r.active is not None and r.limit is not None:
                entry["sessions"] = {"active": r.active, "limit": r.limit}
            hosts[name] = entry
        return {
            "version": RESULTS_VERSION,
            "created": self.created or datetime.now(UTC).isoformat(timespec="seconds"),
            "inventory": self.inventory,
            "hosts": hosts,
        }


def merge_results(parts: Sequence[VerificationResults]) -> VerificationResults | None:
    """Several runs (per site, per wave) as one; a host in a later part replaces an earlier one."""
    if not parts:
        return None
    hosts: dict[str, HostResult] = {}
    for part in parts:
        hosts.update(part.hosts)
    return VerificationResults(
        hosts, ", ".join(p.inventory for p in parts if p.inventory), parts[-1].created
    )


def parse_results(data: Any, source: str = "<memory>") -> VerificationResults:
    if not isinstance(data, dict) or data.get("version") != RESULTS_VERSION:
        version = data.get("version") if isinstance(data, dict) else None
        raise ResultsFileError(f"{source}: not a results file of version 1 (version {version!r})")
    raw_hosts = data.get("hosts")
    if not isinstance(raw_hosts, dict):
        raise ResultsFileError(f"{source}: 'hosts' must be an object")
    hosts: dict[str, HostResult] = {}
    for name, raw in raw_hosts.items():
        where = f"{source}: host {name}"
        if not isinstance(raw, dict):
            raise ResultsFileError(f"{where}: entry must be an object")
        kind = raw.get("kind")
        if kind not in ("desktop", "headend"):
            raise ResultsFileError(f"{where}: kind must be desktop or headend, not {kind!r}")
        ok = raw.get("ok")
        if not isinstance(ok, bool):
            raise ResultsFileError(f"{where}: ok must be true or false")
        failures = raw.get("failures", [])
        if not isinstance(failures, list) or not all(isinstance(f, str) for f in failures):
            raise ResultsFileError(f"{where}: failures must be a list of strings")
        active = limit = None
        sessions = raw.get("sessions")
        if sessions is not None:
            if not isinstance(sessions, dict) or not all(
                isinstance(sessions.get(k), int) and sessions[k] >= 0 for k in ("active", "limit")
            ):
                raise ResultsFileError(f"{where}: sessions needs non-negative active and limit")
            active, limit = int(sessions["active"]), int(sessions["limit"])
        hosts[str(name)] = HostResult(str(name), kind, ok, tuple(failures), active, limit)
    return VerificationResults(hosts, str(data.get("inventory", "")), str(data.get("created", "")))


def read_results(path: str | Path) -> VerificationResults:
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ResultsFileError(f"{path}: cannot read results file ({exc})") from exc
    return parse_results(data, str(path))


def write_results(results: VerificationResults, path: str | Path) -> Path:
    """Write atomically (temp file + rename) so a reader never sees half a file."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(results.to_json(), indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path
