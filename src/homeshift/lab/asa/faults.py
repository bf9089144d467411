"""Faults injectable per headend (``asa.inject_fault``), observed by real SSH clients."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

FAULTS = (
    "auth_refused",
    "drop_after_commands",
    "slow",
    "reject_command",
    "write_memory_fails",
    "anonymous_reporting_notice",
    "login_banner",
    "auto_enable",
    "failover_prompt",
)

DEFAULT_REJECT_MESSAGE = "ERROR: Command authorization failed"


@dataclass
class HeadendFaults:
    auth_refused: bool = False
    drop_after_commands: int | None = None
    slow_delay_s: float = 0.0
    reject: list[tuple[re.Pattern[str], str]] = field(default_factory=list)
    write_memory_fails: bool = False
    anonymous_reporting_notice: bool = False
    #: quirks of real deployments that trip SSH clients (asa-cli.md §1.4): a banner before the
    #: first prompt, and ``aaa authorization exec ... auto-enable`` (login lands at ``#``)
    login_banner: str | None = None
    auto_enable: bool = False
    #: ``pri/act`` etc.: prompts of a failover unit (``asa-01/pri/act#``, asa-cli.md §1.5)
    failover_role: str | None = None

    def rejection(self, line: str) -> str | None:
        for pattern, message in self.reject:
            if pattern.search(line):
                return message
        return None

    def describe(self) -> dict[str, Any]:
        return {
            "auth_refused": self.auth_refused,
            "drop_after_commands": self.drop_after_commands,
            "slow_delay_s": self.slow_delay_s,
            "reject_command": [p.pattern for p, _ in self.reject],
            "write_memory_fails": self.write_memory_fails,
            "anonymous_reporting_notice": self.anonymous_reporting_notice,
            "login_banner": self.login_banner is not None,
            "auto_enable": self.auto_enable,
            "failover_prompt": self.failover_role,
        }


def apply_fault(faults: HeadendFaults, fault: str, params: dict[str, Any]) -> None:
    """Switch ``fault`` on with its parameters; ValueError names what is wrong."""
    if fault == "auth_refused":
        faults.auth_refused = True
    elif fault == "drop_after_commands":
        n = int(params.get("n", params.get("count", 1)))
        if n < 0:
            raise ValueError("drop_after_commands needs n >= 0")
        faults.drop_after_commands = n
    elif fault == "slow":
        delay = float(params.get("delay_s", 1.0))
        if delay < 0:
            raise ValueError("slow needs delay_s >= 0")
        faults.slow_delay_s = delay
    elif fault == "reject_command":
        regex = params.get("command")
        if not regex:
            raise ValueError("reject_command needs command=<regex>")
        try:
            pattern = re.compile(str(regex))
        except re.error as exc:
            raise ValueError(f"reject_command: bad regex {regex!r}: {exc}") from None
        faults.reject.append((pattern, str(params.get("message", DEFAULT_REJECT_MESSAGE))))
    elif fault == "write_memory_fails":
        faults.write_memory_fails = True
    elif fault == "anonymous_reporting_notice":
        faults.anonymous_reporting_notice = True
    elif fault == "login_banner":
        faults.login_banner = str(params.get("text", "Authorized access only."))
    elif fault == "auto_enable":
        faults.auto_enable = True
    elif fault == "failover_prompt":
        role = str(params.get("role", "pri/act"))
        if role not in ("pri/act", "pri/stby", "sec/act", "sec/stby"):
            raise ValueError(f"failover_prompt: role {role!r} is not pri|sec/act|stby")
        faults.failover_role = role
    else:
        raise ValueError(f"unknown fault {fault!r}; known: {', '.join(FAULTS)}")
