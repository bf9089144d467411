"""Real collaborators of the migration loop: ansible-runner for waves and scale-out, netmiko for
live headend metrics, the lab for simulated VPN users during the soak window.

ansible-runner is the engine AWX uses; homeshift never schedules hosts itself.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from homeshift.asa.converge import gather_facts
from homeshift.asa.transport import AsaConnection, NetmikoAsaCli
from homeshift.migration.engine import WaveTask
from homeshift.migration.model import (
    HeadendMetrics,
    PlatformSnapshot,
    VerificationSummary,
    WaveOutcome,
)
from homeshift.planning.planfile import PlanDocument, write_plan
from homeshift.planning.waves import Wave
from homeshift.verify.inventory import group_host_vars

#: the repository / installed collection root holding playbooks/ and ansible.cfg
PROJECT_DIR = Path(__file__).resolve().parents[3]


def run_playbook(
    playbook: str,
    inventories: Sequence[Path],
    extravars: Mapping[str, Any],
    artifacts: Path,
    ident: str,
) -> tuple[str, int]:
    """Run ``playbooks/<playbook>`` through ansible-runner; returns (status, rc)."""
    import ansible_runner  # imported here: the core stays importable without it

    artifacts.mkdir(parents=True, exist_ok=True)
    result = ansible_runner.run(
        private_data_dir=str(artifacts),
        project_dir=str(PROJECT_DIR),
        playbook=str(PROJECT_DIR / "playbooks" / playbook),
        inventory=[str(p.resolve()) for p in inventories],
        extravars=dict(extravars),
        envvars={
            "ANSIBLE_CONFIG": str(PROJECT_DIR / "ansible.cfg"),
            "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}",
        },
        ident=ident,
        quiet=True,
        rotate_artifacts=20,
        # In-memory facts: ansible-runner's default jsonfile fact cache goes through ansible-core's
        # file cache plugin, which leaks the descriptor of every temporary file it writes (2.19:
        # tempfile.mkstemp() without os.close()). A merged wave of 10,000 desktops writes facts
        # twice per desktop and hit RLIMIT_NOFILE (20,000) in the 16,000-agent benchmark. The
        # waves need their facts only within the run.
        fact_cache_type="memory",
    )
    return str(result.status), int(result.rc)


def read_wave_outcome(path: Path, number: int, fallback: str) -> WaveOutcome:
    """The outcome file ``playbooks/wave.yml`` writes (docs/waves.md)."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return WaveOutcome(number, (), ok=False, message=fallback)
    verification = data.get("verification") or {}
    return WaveOutcome(
        number=number,
        moved=tuple(str(a) for a in data.get("moved", [])),
        held=tuple((str(h["employee_id"]), str(h["reason"])) for h in data.get("held", [])),
        failed_hosts=tuple(str(h) for h in data.get("failed_hosts", [])),
        verification=VerificationSummary(
            int(verification.get("verified", 0)), int(verification.get("failed", 0))
        ),
        ok=bool(data.get("ok", False)),
        message=str(data.get("message", "")),
    )


def plan_for_wave(plan: PlanDocument, task: WaveTask) -> PlanDocument:
    """The plan as it stands when ``task`` runs: after a merge, the task's teams belong to it
    and to no later wave, so inventory groups (``wave_N``) and gates see the merged wave."""
    teams = set(task.teams)
    waves: list[Wave] = []
    for wave in plan.waves:
        if wave.number == task.number:
            waves.append(
                Wave(task.number, task.teams, task.agents, len(task.agents), task.sessions)
            )
            continue
        if not teams & set(wave.teams):
            waves.append(wave)
            continue
        kept = tuple(t for t in wave.teams if t not in teams)
        if kept:
            members = set(task.agents)
            agents = tuple(a for a in wave.agents if a not in members)
            share = wave.sessions / max(1, len(wave.agents))
            waves.append(
                replace(
                    wave,
                    teams=kept,
                    agents=agents,
                    headcount=len(agents),
                    sessions=round(share * len(agents)),
                )
            )
    if not any(w.number == task.number for w in waves):
        waves.append(Wave(task.number, task.teams, task.agents, len(task.agents), task.sessions))
    return replace(plan, waves=tuple(sorted(waves, key=lambda w: w.number)))


def write_roster_inventory(path: Path, roster: Path, plan: Path) -> Path:
    """A ``homeshift.core.roster`` inventory source: desktops grouped by wave, team, site."""
    path.write_text(
        yaml.safe_dump(
            {
                "plugin": "homeshift.core.roster",
                "roster": str(roster.resolve()),
                "plan": str(plan.resolve()),
            },
            sort_keys=False,
        )
    )
    return path


@dataclass
class AnsibleWaveRunner:
    """Runs ``playbooks/wave.yml -e wave=N`` and reads the wave's outcome file.

    Each run gets the plan as it stands then (:func:`plan_for_wave`) and a roster inventory
    source built from it, so a merged wave is one ``wave_N`` group with all its teams.
    """

    inventories: Sequence[Path]
    out_dir: Path
    plan: PlanDocument
    roster: Path
    extravars: Mapping[str, Any] = field(default_factory=dict)

    def run_wave(self, wave: WaveTask) -> WaveOutcome:
        outcome_path = (self.out_dir / f"wave-{wave.number}.json").resolve()
        outcome_path.unlink(missing_ok=True)
        plan_path = write_plan(
            plan_for_wave(self.plan, wave), self.out_dir / f"plan-wave-{wave.number}.json"
        ).resolve()
        roster_inventory = write_roster_inventory(
            self.out_dir / f"wave-{wave.number}.roster.yml", self.roster, plan_path
        )
        status, rc = run_playbook(
            "wave.yml",
            [*self.inventories, roster_inventory],
            {
                **self.extravars,
                "wave": wave.number,
                "homeshift_plan_file": str(plan_path),
                "homeshift_wave_outcome_path": str(outcome_path),
            },
            self.out_dir / "runner",
            f"wave-{wave.number}-{int(time.time())}",
        )
        return read_wave_outcome(
            outcome_path, wave.number, f"wave.yml ended {status} (rc {rc}) without an outcome"
        )


@dataclass
class AnsibleScaleOut:
    """Runs ``playbooks/scale_out.yml`` with the target the decision asks for."""

    inventories: Sequence[Path]
    out_dir: Path
    extravars: Mapping[str, Any] = field(default_factory=dict)
    summaries: list[dict[str, Any]] = field(default_factory=list)

    def scale_out(self, target_sessions: int) -> bool:
        summary_path = (self.out_dir / f"scale-out-{len(self.summaries) + 1}.json").resolve()
        _status, rc = run_playbook(
            "scale_out.yml",
            self.inventories,
            {
                **self.extravars,
                "homeshift_target_users": target_sessions,
                "homeshift_summary_path": str(summary_path),
            },
            self.out_dir / "runner",
            f"scale-out-{int(time.time())}",
        )
        try:
            summary = json.loads(summary_path.read_text())
        except (OSError, ValueError):
            return False
        self.summaries.append(summary)
        return rc == 0 and bool(summary.get("ok"))


def metrics_from_facts(name: str, facts: Mapping[str, Any]) -> HeadendMetrics:
    """HeadendMetrics from ``gather_facts`` output (sessions, pools, load balancing)."""
    sessions = facts.get("sessions") or {}
    pools = facts.get("pools") or []
    lb = facts.get("load_balancing") or {}
    limit = sessions.get("capacity")
    if limit is None:
        limit = facts.get("licensed_peers") or 0
    return HeadendMetrics(
        name=name,
        active=int(sessions.get("anyconnect_active", 0)),
        limit=int(limit),
        participating=str(lb.get("status", "")).lower() == "enabled",
        pool_used=sum(int(p["in_use"]) + int(p.get("held", 0)) for p in pools),
        pool_size=sum(int(p["in_use"]) + int(p.get("held", 0)) + int(p["free"]) for p in pools),
    )


@dataclass
class NetmikoMetrics:
    """Live metrics from every headend of the inventory, one SSH session each, in parallel.

    Refused connections are not counted by ``show vpn-sessiondb``; in the lab they come from the
    lab's counters (``lab_dir``); on real headends feed them from syslog (ASA-4-113019 /
    ASA-6-722051) through ``refusals`` if you collect them.
    """

    inventory: Path
    #: spares count once scale-out has joined them (an unconfigured spare does not participate)
    groups: tuple[str, ...] = ("headends", "spare_headends")
    lab_dir: Path | None = None
    workers: int = 8
    _last_refused: int | None = field(default=None, init=False)

    def _one(self, name: str, host_vars: Mapping[str, Any]) -> HeadendMetrics:
        cli = NetmikoAsaCli(AsaConnection.from_host_vars(name, host_vars))
        try:
            facts = gather_facts(cli, ("version", "sessions", "pools", "load_balancing"))
        finally:
            cli.close()
        return metrics_from_facts(name, facts)

    def refused_total(self) -> int:
        if self.lab_dir is None:
            return 0
        from homeshift.lab.control import call

        counters = call(self.lab_dir, "asa.sessions")
        return sum(int(v) for v in (counters.get("refusals_by_reason") or {}).values())

    def snapshot(self) -> PlatformSnapshot:
        hosts = group_host_vars(self.inventory, *self.groups)
        with ThreadPoolExecutor(max_workers=max(1, min(self.workers, len(hosts)))) as pool:
            metrics = tuple(pool.map(lambda item: self._one(*item), hosts.items()))
        total = self.refused_total()
        refused = total - self._last_refused if self._last_refused is not None else 0
        self._last_refused = total
        return PlatformSnapshot(metrics, refused_since_last=max(0, refused))


@dataclass
class LabSoak:
    """Soak window in the lab: the wave's moved agents connect AnyConnect sessions through the
    ASA lab's cluster address (``concurrency`` sessions per agent), then the window elapses."""

    lab_dir: Path
    concurrency: float = 1.0
    connected: dict[int, dict[str, Any]] = field(default_factory=dict)

    def soak(self, wave: WaveTask, outcome: WaveOutcome, seconds: float) -> None:
        from homeshift.lab.control import call

        count = round(len(outcome.moved) * self.concurrency)
        if count:
            self.connected[wave.number] = call(
                self.lab_dir, "asa.connect_users", count=count, prefix=f"wave{wave.number}-"
            )
        time.sleep(seconds)


@dataclass
class WallClockSoak:
    """Soak window on a real estate: users connect themselves; we only wait."""

    def soak(self, wave: WaveTask, outcome: WaveOutcome, seconds: float) -> None:
        time.sleep(seconds)
