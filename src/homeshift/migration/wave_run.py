"""One wave behind its gates: the steps ``playbooks/wave.yml`` runs, without Ansible.

The action plugins ``homeshift.core.wave_gate``, ``wave_notify``, ``wave_verify`` and
``wave_record`` only translate task variables into calls of this module:

* :func:`load_wave_inputs` - plan and roster through their own readers (errors name the line);
* :func:`headend_loads_from_facts` / :func:`preflight_verdicts` - Ansible facts to readiness values;
* :func:`gate_and_record` - :func:`homeshift.migration.gates.gate_wave` + agent states
  ``gated``/``held`` (with the reason) in the state store;
* :func:`notify` - :func:`homeshift.notify.send.notify_wave` (the store makes each notice once);
* :func:`verify_desktops` - the verification suite over the go desktops (role expectations);
* :func:`build_outcome` / :func:`write_outcome` / :func:`record_outcome` - the outcome JSON the
  migration loop reads (docs/waves.md) and ``record_wave_outcome`` in the store;
  :func:`read_outcome` turns that file back into the loop's ``WaveOutcome``.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from email.message import EmailMessage
from pathlib import Path
from typing import Any, cast

from homeshift.migration.gates import (
    NOT_IN_ROSTER,
    UNREACHABLE,
    GoAgent,
    HeldAgent,
    PlannedWaveDemand,
    WaveGate,
    gate_wave,
)
from homeshift.migration.model import VerificationSummary, WaveOutcome
from homeshift.planning import PlanError
from homeshift.planning.planfile import read_plan
from homeshift.readiness import DesktopVerdict, HeadendLoad, Thresholds
from homeshift.roster import Roster, RosterError, load_roster
from homeshift.state.plan import PlannedWave
from homeshift.state.store import Store

OUTCOME_VERSION = 1


class WaveRunError(ValueError):
    """The wave cannot run at all; the message names the file, wave or host."""


@dataclass(frozen=True)
class WaveInputs:
    waves: tuple[PlannedWaveDemand, ...]
    planned: tuple[PlannedWave, ...]  # the notifier's and the store's view of the same waves
    roster: Roster


def _naming(exc: Exception, what: str, path: str | Path) -> str:
    """The error text, prefixed with the file unless it already names it."""
    text = str(exc)
    return text if str(path) in text else f"{what} {path}: {text}"


def load_wave_inputs(plan_file: str | Path, roster_file: str | Path) -> WaveInputs:
    try:
        document = read_plan(plan_file)
    except (PlanError, OSError) as exc:
        raise WaveRunError(_naming(exc, "plan", plan_file)) from exc
    try:
        roster = load_roster(roster_file)
    except (RosterError, OSError) as exc:
        raise WaveRunError(_naming(exc, "roster", roster_file)) from exc
    waves = tuple(PlannedWaveDemand(w.number, w.agents, w.sessions) for w in document.waves)
    planned = tuple(PlannedWave(w.number, w.teams, w.agents) for w in document.waves)
    return WaveInputs(waves, planned, roster)


def headend_loads_from_facts(facts: Mapping[str, Any]) -> tuple[HeadendLoad, ...]:
    """``homeshift_asa`` facts per headend (None = unreachable) to loads.

    The limit is the device's VPN capacity (``show vpn-sessiondb summary``, else the licence);
    a unit that does not take part in load balancing takes no new sessions (limit 0).
    Unreachable headends are left out: their sessions cannot be counted.
    """
    loads: list[HeadendLoad] = []
    for name, asa in sorted(facts.items()):
        if not isinstance(asa, Mapping):
            continue
        sessions = asa.get("sessions") or {}
        active = int(sessions.get("anyconnect_active") or 0)
        limit = int(sessions.get("capacity") or asa.get("licensed_peers") or 0)
        lb = asa.get("load_balancing")
        participating = isinstance(lb, Mapping) and str(lb.get("status", "")).lower() == "enabled"
        loads.append(HeadendLoad(name, active, limit if participating else 0))
    return tuple(loads)


def preflight_verdicts(preflight: Mapping[str, Any]) -> dict[str, DesktopVerdict]:
    """Host facts ``homeshift_preflight`` (``{"status": ok|failed|unreachable, "reason"}``).

    Unreachable hosts and hosts without a verdict are left out (the gate holds them as
    unreachable).
    """
    verdicts: dict[str, DesktopVerdict] = {}
    for host, value in preflight.items():
        if not isinstance(value, Mapping):
            continue
        status = str(value.get("status", ""))
        if status == "ok":
            verdicts[host] = DesktopVerdict(host, True)
        elif status == "failed":
            verdicts[host] = DesktopVerdict(host, False, (str(value.get("reason") or "failed"),))
    return verdicts


def store_consents(store: Store) -> dict[str, date | None]:
    """Consent per agent from the store (revoked = none); agents without a record: none."""
    consents: dict[str, date | None] = dict.fromkeys(store.known_employee_ids())
    for declaration in store.declarations():
        consents[declaration.employee_id] = declaration.signed_on if declaration.active else None
    return consents


def gate_and_record(
    store: Store,
    inputs: WaveInputs,
    wave: int,
    preflight: Mapping[str, DesktopVerdict],
    loads: Sequence[HeadendLoad],
    thresholds: Thresholds,
) -> WaveGate:
    """Sync roster and plan into the store, gate the wave, record ``gated``/``held`` states."""
    store.sync_roster(inputs.roster)
    store.assign_waves(inputs.planned)
    gate = gate_wave(
        wave,
        inputs.waves,
        inputs.roster,
        store_consents(store),
        preflight,
        loads,
        moved=store.agents_in_state("moved"),
        thresholds=thresholds,
    )
    for agent in gate.go:
        store.set_agent_state(agent.employee_id, "gated")
    for held in gate.held:
        if held.reason != NOT_IN_ROSTER:  # the store does not know them either
            store.set_agent_state(held.employee_id, "held", reason=held.reason)
    return gate


def gate_to_dict(gate: WaveGate) -> dict[str, Any]:
    return {
        "wave": gate.wave,
        "go": [{"employee_id": a.employee_id, "desktop": a.desktop} for a in gate.go],
        "go_hosts": list(gate.go_hosts),
        "held": [
            {"employee_id": a.employee_id, "desktop": a.desktop, "reason": a.reason}
            for a in gate.held
        ],
        "already_moved": list(gate.already_moved),
        "capacity": {
            "light": str(gate.capacity_light),
            "needed": gate.sessions_needed,
            "free": gate.sessions_free,
            "notes": list(gate.capacity_notes),
        },
        "blocked": gate.blocked,
    }


def gate_from_dict(data: Mapping[str, Any]) -> WaveGate:
    """The gate as ``wave_gate`` returned it (the playbook passes it on to ``wave_record``)."""
    try:
        return WaveGate(
            int(data["wave"]),
            tuple(GoAgent(str(a["employee_id"]), str(a["desktop"])) for a in data["go"]),
            tuple(
                HeldAgent(str(a["employee_id"]), str(a["desktop"]), str(a["reason"]))
                for a in data["held"]
            ),
            tuple(str(e) for e in data["already_moved"]),
            blocked=data.get("blocked"),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise WaveRunError(f"gate result is malformed: {exc!r}") from exc


# ---- notification ---------------------------------------------------------------------------


class OnceEmlDirectory:
    """Dry-run transport: an ``.eml`` per notice, written once (a re-run leaves it alone)."""

    dry_run = True

    def __init__(self, out_dir: str | Path) -> None:
        from homeshift.notify.dryrun import EmlDirectory

        self._inner = EmlDirectory(out_dir)
        self.written: list[Path] = []
        self.kept: list[Path] = []

    def send(self, message: EmailMessage) -> int:
        path = self._inner.path_for(message)
        if path.exists():
            self.kept.append(path)
            return 1
        self._inner.send(message)
        self.written.append(path)
        return 1


def notify(
    store: Store,
    inputs: WaveInputs,
    wave: int,
    wave_date: date,
    *,
    out_dir: str | Path | None,
    smtp: Mapping[str, Any] | None = None,
    config_file: str | Path | None = None,
    languages: Sequence[str] = ("de",),
) -> dict[str, Any]:
    """Notify the wave's team leads once: ``.eml`` files under ``out_dir`` or SMTP."""
    from homeshift.notify.config import load_notify_config
    from homeshift.notify.send import notify_wave
    from homeshift.notify.smtp import MailTransport, Security, SmtpSettings, SmtpTransport

    transport: MailTransport
    eml: OnceEmlDirectory | None = None
    if smtp and smtp.get("host"):
        security = str(smtp.get("security") or "plain")
        if security not in ("plain", "starttls", "ssl"):
            raise WaveRunError(f"smtp security {security!r} must be plain, starttls or ssl")
        transport = SmtpTransport(
            SmtpSettings(
                host=str(smtp["host"]),
                port=int(smtp.get("port") or 25),
                security=cast(Security, security),
                username=smtp.get("user"),
                password=os.environ.get("HOMESHIFT_SMTP_PASSWORD"),
            )
        )
    else:
        eml = OnceEmlDirectory(out_dir or "out/notices")
        transport = eml
    report = notify_wave(
        store,
        inputs.roster,
        inputs.planned,
        wave,
        transport=transport,
        config=load_notify_config(Path(config_file) if config_file else None),
        wave_date=wave_date,
        languages=tuple(languages),
    )
    summary = report.summary()
    result: dict[str, Any] = {"ok": report.ok, "summary": summary}
    if eml is not None:
        result["written"] = [str(p) for p in eml.written]
        result["already_written"] = len(eml.kept)
    return result


# ---- verification ---------------------------------------------------------------------------


def verify_desktops(
    hosts: Mapping[str, Mapping[str, Any]], results: Path, concurrency: int = 8
) -> dict[str, DesktopVerdict]:
    """Run the desktop suite with role expectations on ``hosts`` (name -> connection and
    ``homeshift_*`` vars); a desktop without a verdict gets a failed one ("no verdict")."""
    import yaml

    from homeshift.verify.inventory import target_for
    from homeshift.verify.results import ResultsFileError, read_results
    from homeshift.verify.role import expectations_document, load_role_defaults, role_resources
    from homeshift.verify.runner import run_suites

    if not hosts:
        return {}
    targets = [target_for(name, "desktop", host_vars) for name, host_vars in hosts.items()]
    defaults = load_role_defaults()
    expect = results.with_name(results.stem + ".expect.yml")
    results.parent.mkdir(parents=True, exist_ok=True)
    per_host = {t.name: role_resources(t.name, t.role_vars, defaults) for t in targets}
    expect.write_text(yaml.safe_dump(expectations_document(per_host), sort_keys=False))
    run_suites(targets, results, "desktop", expect, concurrency=concurrency)
    try:
        verdicts = read_results(results).desktop_verdicts()
    except ResultsFileError:
        verdicts = {}
    return {
        name: verdicts.get(name, DesktopVerdict(name, False, ("verification gave no verdict",)))
        for name in hosts
    }


# ---- outcome ----------------------------------------------------------------------------------


def build_outcome(
    gate: WaveGate,
    provisioning: Mapping[str, Mapping[str, Any]],
    verdicts: Mapping[str, DesktopVerdict],
    *,
    message: str = "",
) -> dict[str, Any]:
    """The outcome document (docs/waves.md): go agents verified green move, the rest are held.

    ``provisioning`` maps a go desktop to its ``desktop_remote`` result (``failed``,
    ``unreachable``, ``msg``); a desktop absent from it was never provisioned.
    """
    moved: list[str] = []
    held = [
        {"employee_id": h.employee_id, "desktop": h.desktop, "reason": h.reason} for h in gate.held
    ]
    failed_hosts: list[str] = []
    verified = failed = 0
    for agent in gate.go:
        result = provisioning.get(agent.desktop)
        reason: str | None = None
        if result is None:
            reason = "provisioning did not run"
        elif result.get("unreachable"):
            reason = f"provisioning failed: {UNREACHABLE}"
        elif result.get("failed"):
            reason = f"provisioning failed: {result.get('msg') or 'unknown error'}"
        if reason is not None:
            failed_hosts.append(agent.desktop)
        else:
            verdict = verdicts.get(agent.desktop)
            if verdict is not None and verdict.ok:
                verified += 1
                moved.append(agent.employee_id)
                continue
            failed += 1
            why = "; ".join(verdict.failures) if verdict else "no verdict"
            reason = f"verification failed: {why}"
        held.append({"employee_id": agent.employee_id, "desktop": agent.desktop, "reason": reason})
    return {
        "version": OUTCOME_VERSION,
        "wave": gate.wave,
        "ok": gate.blocked is None and not message,
        "moved": moved,
        "held": held,
        "already_moved": list(gate.already_moved),
        "failed_hosts": failed_hosts,
        "verification": {"verified": verified, "failed": failed},
        "message": message or (gate.blocked or ""),
    }


def failed_outcome(wave: int, message: str) -> dict[str, Any]:
    """The outcome of a wave that could not run at all (nothing moved, nothing held)."""
    return {
        "version": OUTCOME_VERSION,
        "wave": wave,
        "ok": False,
        "moved": [],
        "held": [],
        "already_moved": [],
        "failed_hosts": [],
        "verification": {"verified": 0, "failed": 0},
        "message": message,
    }


def write_outcome(path: str | Path, outcome: Mapping[str, Any]) -> Path:
    """Write atomically (temp file in the same folder, then rename): never half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(outcome, handle, indent=2)
            handle.write("\n")
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def record_outcome(store: Store, outcome: Mapping[str, Any], known: Iterable[str]) -> None:
    """``record_wave_outcome``: moved and held agents (known to the store) and the wave state."""
    known_ids = set(known)
    store.record_wave_outcome(
        int(outcome["wave"]),
        moved=[e for e in outcome["moved"] if e in known_ids],
        held=[
            (h["employee_id"], h["reason"])
            for h in outcome["held"]
            if h["employee_id"] in known_ids
        ],
        ok=bool(outcome["ok"]),
    )


# ---- reading an outcome (the migration loop's side) -----------------------------------------


def _id_list(data: Mapping[str, Any], key: str, source: str) -> tuple[str, ...]:
    value = data.get(key)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise WaveRunError(f"{source}: '{key}' must be a list of strings")
    return tuple(value)


def parse_outcome(data: Any, source: str = "<memory>") -> WaveOutcome:
    """The outcome JSON as the loop's :class:`~homeshift.migration.model.WaveOutcome`.

    Refuses an unknown ``version`` and malformed fields with the file and field named.
    """
    if not isinstance(data, Mapping):
        raise WaveRunError(f"{source}: the outcome must be a JSON object")
    if data.get("version") != OUTCOME_VERSION:
        raise WaveRunError(f"{source}: unsupported outcome version {data.get('version')!r}")
    wave = data.get("wave")
    if not isinstance(wave, int) or isinstance(wave, bool):
        raise WaveRunError(f"{source}: 'wave' must be an integer")
    held_raw = data.get("held")
    if not isinstance(held_raw, list):
        raise WaveRunError(f"{source}: 'held' must be a list")
    held: list[tuple[str, str]] = []
    for index, entry in enumerate(held_raw, start=1):
        if not (
            isinstance(entry, Mapping)
            and isinstance(entry.get("employee_id"), str)
            and isinstance(entry.get("reason"), str)
        ):
            raise WaveRunError(f"{source}: held entry {index} needs employee_id and reason")
        held.append((entry["employee_id"], entry["reason"]))
    verification = data.get("verification")
    if not isinstance(verification, Mapping):
        raise WaveRunError(f"{source}: 'verification' must be an object")
    try:
        summary = VerificationSummary(
            int(verification.get("verified", 0)), int(verification.get("failed", 0))
        )
    except (TypeError, ValueError) as exc:
        raise WaveRunError(f"{source}: 'verification' counts must be integers") from exc
    return WaveOutcome(
        number=wave,
        moved=_id_list(data, "moved", source),
        held=tuple(held),
        failed_hosts=_id_list(data, "failed_hosts", source),
        verification=summary,
        ok=data.get("ok") is True,
        message=str(data.get("message") or ""),
    )


def read_outcome(path: str | Path) -> WaveOutcome:
    """Read the outcome file ``wave.yml`` wrote (see :func:`parse_outcome`)."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise WaveRunError(f"{path}: cannot read the wave outcome ({exc})") from exc
    return parse_outcome(data, str(path))
