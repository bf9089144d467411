"""Notification settings: sender, helpdesk contact and operating-office addresses.

Read from a small YAML file (``--config notify.yml``); every field has a default so a dry run
works without one::

    sender: "Homeshift <homeshift@example.com>"
    signature: "Ihr Homeoffice-Projektteam"
    helpdesk: {name: IT-Service-Desk, phone: "+49 30 1234-5678", email: servicedesk@example.com,
               hours: "Mo-Fr 06:00-22:00"}
    offices: {BER-1: standort.ber1@example.com}
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

_EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")


class NotifyConfigError(ValueError):
    """The notification settings are invalid; the message names the file and key."""


@dataclass(frozen=True, slots=True)
class Helpdesk:
    name: str = "IT-Service-Desk"
    phone: str = "+49 30 0000-0000"
    email: str = "servicedesk@example.com"
    hours: str = ""


@dataclass(frozen=True, slots=True)
class NotifyConfig:
    sender: str = "Homeshift <homeshift@example.com>"
    signature: str = "Homeshift"
    helpdesk: Helpdesk = field(default_factory=Helpdesk)
    offices: Mapping[str, str] = field(default_factory=dict)


def parse_notify_config(data: Mapping[str, Any], source: str = "<memory>") -> NotifyConfig:
    known = {"sender", "signature", "helpdesk", "offices"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise NotifyConfigError(f"{source}: unknown key(s) {', '.join(unknown)}")
    raw_helpdesk = data.get("helpdesk") or {}
    if not isinstance(raw_helpdesk, dict):
        raise NotifyConfigError(f"{source}: 'helpdesk' must be a mapping")
    bad = sorted(set(raw_helpdesk) - {"name", "phone", "email", "hours"})
    if bad:
        raise NotifyConfigError(f"{source}: unknown helpdesk key(s) {', '.join(bad)}")
    helpdesk = Helpdesk(**{k: str(v) for k, v in raw_helpdesk.items()})
    raw_offices = data.get("offices") or {}
    if not isinstance(raw_offices, dict):
        raise NotifyConfigError(f"{source}: 'offices' must map office -> e-mail")
    offices: dict[str, str] = {}
    for office, address in raw_offices.items():
        if not isinstance(address, str) or not _EMAIL.match(address):
            raise NotifyConfigError(f"{source}: offices.{office}: {address!r} is not an e-mail")
        offices[str(office)] = address
    defaults = NotifyConfig()
    return NotifyConfig(
        sender=str(data.get("sender") or defaults.sender),
        signature=str(data.get("signature") or defaults.signature),
        helpdesk=helpdesk,
        offices=offices,
    )


def load_notify_config(path: str | Path | None) -> NotifyConfig:
    if path is None:
        return NotifyConfig()
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise NotifyConfigError(f"{path}: cannot read notification settings ({exc})") from exc
    if not isinstance(data, dict):
        raise NotifyConfigError(f"{path}: expected a mapping at the top level")
    return parse_notify_config(data, str(path))
