"""Converge one headend: gather -> validate -> diff -> push (tracking) -> save, or roll back.

Safety rules (issue 4):

* nothing is sent when the desired config is invalid (overlapping/too-small pools, dangling
  references) or when there is nothing to change (no config mode, no ``write memory``);
* when the device rejects a line mid-push, the inverse of what this run already applied is
  sent, nothing is saved, and the result carries the device's message;
* a dropped session fails the run without saving; the next run converges from what it finds;
* ``write memory`` runs only after a fully successful push, and its ``[OK]`` is checked;
* returned commands and configs never carry a secret (``*****``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from homeshift.asa import facts
from homeshift.asa.config import (
    RavpnConfig,
    State,
    ValidationError,
    diff,
    inverse,
    parse_running_config,
    redact,
    redact_lines,
    validate,
)
from homeshift.asa.resources._block import ParseError
from homeshift.asa.resources.pools import Pool
from homeshift.asa.transport import AsaCli, CommandRejected, SaveFailed, TransportError

RUNNING_CONFIG = "show running-config"
SESSION_SUMMARY = "show vpn-sessiondb summary"


@dataclass(frozen=True)
class ConvergeResult:
    """What a run did; every command list is already redacted."""

    changed: bool
    commands: list[str]
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    saved: bool = False
    rolled_back: bool = False
    rollback_commands: list[str] = field(default_factory=list)
    lines_sent: int = 0
    failed: bool = False
    msg: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "changed": self.changed,
            "commands": self.commands,
            "before": self.before,
            "after": self.after,
            "saved": self.saved,
            "rolled_back": self.rolled_back,
            "rollback_commands": self.rollback_commands,
            "lines_sent": self.lines_sent,
            "failed": self.failed,
            "msg": self.msg,
        }


def gather(cli: AsaCli) -> RavpnConfig:
    return parse_running_config(cli.show(RUNNING_CONFIG))


def converge(
    cli: AsaCli,
    want: RavpnConfig,
    state: State | str = State.MERGED,
    *,
    check_mode: bool = False,
    other_pools: Iterable[Pool] = (),
    extra_secrets: Iterable[str] = (),
) -> ConvergeResult:
    """Bring the headend behind ``cli`` to ``want`` under ``state``; never raises for device
    problems (the result says ``failed``), only for programming errors."""
    state = State(state)
    secrets = [*want.secrets(), *extra_secrets]
    try:
        have = gather(cli)
    except ParseError as exc:
        return _failure(f"cannot parse running-config: {exc}")
    except TransportError as exc:
        return _failure(str(exc))
    before = have.to_dict()
    secrets += have.secrets()  # a key the device shows in clear must not leak via an undo
    try:
        validate(want, have, other_pools=other_pools, state=state)
    except ValidationError as exc:
        return _failure(f"refused before sending anything: {exc}", before=before)
    commands = diff(want, have, state)
    shown = redact_lines(commands, secrets)
    if not commands:
        return ConvergeResult(changed=False, commands=[], before=before, after=before)
    if check_mode:
        return ConvergeResult(changed=True, commands=shown, before=before, after=None)

    applied = 0
    try:
        cli.configure(commands)
        applied = len(commands)
    except CommandRejected as exc:
        applied = exc.index
        undo = inverse(commands[: exc.index], have)
        message = f"device rejected {redact_lines([exc.command], secrets)[0].strip()!r}: "
        message += f"{exc.message}"
        try:
            cli.configure(undo)
        except (CommandRejected, TransportError) as undo_exc:
            return _failure(
                f"{message}; ROLLBACK FAILED ({redact(str(undo_exc), secrets)}); "
                "running-config differs from "
                "startup-config, nothing was saved",
                before=before,
                commands=shown,
                lines_sent=applied + 1,
            )
        return ConvergeResult(
            changed=False,
            commands=shown,
            before=before,
            after=None,
            rolled_back=True,
            rollback_commands=redact_lines(undo, secrets),
            lines_sent=applied + 1 + len(undo),
            failed=True,
            msg=f"{message}; rolled back {applied} applied line(s), nothing saved",
        )
    except TransportError as exc:
        return _failure(
            f"{exc}; nothing saved, the next run converges from the device state",
            before=before,
            commands=shown,
        )
    try:
        cli.save()
    except (SaveFailed, TransportError) as exc:
        return _failure(str(exc), before=before, commands=shown, lines_sent=applied, changed=True)
    try:
        after = gather(cli).to_dict()
    except (ParseError, TransportError) as exc:
        return _failure(
            f"applied and saved, but reading back failed: {exc}",
            before=before,
            commands=shown,
            lines_sent=applied,
            changed=True,
        )
    return ConvergeResult(
        changed=True, commands=shown, before=before, after=after, saved=True, lines_sent=applied
    )


def _failure(
    msg: str,
    *,
    before: dict[str, Any] | None = None,
    commands: list[str] | None = None,
    lines_sent: int = 0,
    changed: bool = False,
) -> ConvergeResult:
    return ConvergeResult(
        changed=changed,
        commands=commands or [],
        before=before,
        after=None,
        lines_sent=lines_sent,
        failed=True,
        msg=msg,
    )


FACT_SUBSETS = ("version", "sessions", "pools", "load_balancing", "config")


def gather_facts(cli: AsaCli, subsets: Iterable[str] = FACT_SUBSETS) -> dict[str, Any]:
    """Live facts: model, version, licensed peers, session summary, pool usage, cluster role.

    Raises :class:`~homeshift.asa.facts.FactsError` / ``ParseError`` / ``TransportError`` with
    the command named; ``load_balancing`` is None when the unit is in no cluster.
    """
    wanted = set(subsets)
    unknown = wanted - set(FACT_SUBSETS)
    if unknown:
        raise ValueError(f"unknown fact subsets {sorted(unknown)}; known: {list(FACT_SUBSETS)}")
    result: dict[str, Any] = {}
    config = gather(cli) if wanted & {"config", "pools"} else None
    if "version" in wanted:
        version = facts.parse_show_version(cli.show("show version"))
        result["version"] = asdict(version)
        result["model"] = version.model
        result["licensed_peers"] = version.licensed_peers
    if "sessions" in wanted:
        result["sessions"] = asdict(facts.parse_vpn_sessiondb_summary(cli.show(SESSION_SUMMARY)))
    if "pools" in wanted and config is not None:
        result["pools"] = [
            asdict(facts.parse_ip_local_pool(p.name, cli.show(f"show ip local pool {p.name}")))
            for p in config.pools
        ]
    if "load_balancing" in wanted:
        try:
            lb = facts.parse_vpn_load_balancing(cli.show("show vpn load-balancing"))
        except facts.FactsError:
            lb = None
        result["load_balancing"] = asdict(lb) if lb else None
        result["cluster_role"] = lb.role if lb and lb.participating else None
    if "config" in wanted and config is not None:
        result["config"] = config.to_dict()
    return result
