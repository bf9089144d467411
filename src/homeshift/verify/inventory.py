"""Turn an Ansible inventory into testinfra host specs for the verification suites.

testinfra's ``ansible://`` backend cannot run commands on WinRM hosts (windows.md §3.3), so
``homeshift verify`` reads the inventory itself and builds ``winrm://`` specs for desktops and
``asa://`` specs for headends. The specs carry credentials and are only ever handed to pytest
in-process: they never reach a command line, a log, a test id or the results file.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

Kind = Literal["desktop", "headend"]

DESKTOP_GROUPS = ("desktops", "windows")
HEADEND_GROUPS = ("headends", "asa", "ras_headend")


class InventoryError(ValueError):
    """The inventory cannot be verified; the message names the host and the variable."""


@dataclass(frozen=True)
class Target:
    """One host to verify. ``spec`` holds credentials: never print it."""

    name: str
    kind: Kind
    address: str
    port: int
    spec: str = field(repr=False)
    enable_secret: str = field(default="", repr=False)
    #: the host's ``homeshift_*`` variables (role settings), for expectations from role defaults
    role_vars: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)
    #: ``ansible_winrm_ca_trust_path`` of a desktop over HTTPS (testinfra's winrm:// URL cannot
    #: carry it; the runner hands it to pywinrm through REQUESTS_CA_BUNDLE)
    ca_trust_path: str = ""

    @property
    def key(self) -> str:
        return f"{self.address}:{self.port}"


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def classify(groups: set[str], host_vars: Mapping[str, Any]) -> Kind | None:
    connection = _text(host_vars.get("ansible_connection")).lower()
    network_os = _text(host_vars.get("ansible_network_os")).lower()
    if connection in ("winrm", "psrp") or groups & set(DESKTOP_GROUPS):
        return "desktop"
    if network_os.endswith("asa") or groups & set(HEADEND_GROUPS):
        return "headend"
    return None


def target_for(name: str, kind: Kind, host_vars: Mapping[str, Any]) -> Target:
    """Build the host spec from the usual Ansible connection variables."""
    address = _text(host_vars.get("ansible_host")) or name
    user = _text(host_vars.get("ansible_user"))
    password = _text(host_vars.get("ansible_password"))
    if not user:
        raise InventoryError(f"host {name}: ansible_user is not set")
    credentials = quote(user, safe="") + (":" + quote(password, safe="") if password else "")
    if kind == "desktop":
        scheme = _text(host_vars.get("ansible_winrm_scheme")).lower() or "https"
        default_port = 5985 if scheme == "http" else 5986
        port = int(host_vars.get("ansible_port") or default_port)
        if scheme == "http":
            query = "no_ssl=true"
        else:
            validation = _text(host_vars.get("ansible_winrm_server_cert_validation")).lower()
            query = "no_verify_ssl=true" if validation == "ignore" else ""
        spec = f"winrm://{credentials}@{address}:{port}" + (f"?{query}" if query else "")
        role_vars = {k: v for k, v in host_vars.items() if str(k).startswith("homeshift_")}
        ca = _text(host_vars.get("ansible_winrm_ca_trust_path")) if scheme == "https" else ""
        return Target(name, kind, address, port, spec, role_vars=role_vars, ca_trust_path=ca)
    port = int(host_vars.get("ansible_port") or 22)
    secret = _text(
        host_vars.get("ansible_become_password")
        or host_vars.get("ansible_become_pass")
        or host_vars.get("homeshift_asa_enable_secret")
    )
    return Target(name, kind, address, port, f"asa://{credentials}@{address}:{port}", secret)


def _ansible_inventory(path: Path, limit: str | None) -> dict[str, Any]:
    """``ansible-inventory --list``: Ansible resolves every source, plugin and group var."""
    command = [str(Path(sys.executable).with_name("ansible-inventory")), "-i", str(path), "--list"]
    if limit:
        command += ["--limit", limit]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise InventoryError(f"inventory {path}: ansible-inventory failed ({exc})") from exc
    if done.returncode != 0:
        message = " ".join(done.stderr.strip().splitlines()[-3:])
        raise InventoryError(f"inventory {path}: {message}")
    try:
        data: dict[str, Any] = json.loads(done.stdout)
    except ValueError as exc:
        raise InventoryError(f"inventory {path}: unreadable ansible-inventory output") from exc
    return data


def _group_names(data: Mapping[str, Any]) -> dict[str, set[str]]:
    """host -> every group it belongs to, directly or through child groups."""
    parents: dict[str, set[str]] = {}
    for group, body in data.items():
        if group == "_meta" or not isinstance(body, Mapping):
            continue
        for child in body.get("children", []) or []:
            parents.setdefault(str(child), set()).add(group)
    memberships: dict[str, set[str]] = {}
    for group, body in data.items():
        if group == "_meta" or not isinstance(body, Mapping):
            continue
        for host in body.get("hosts", []) or []:
            seen: set[str] = set()
            todo = [group]
            while todo:
                current = todo.pop()
                if current not in seen:
                    seen.add(current)
                    todo.extend(parents.get(current, ()))
            memberships.setdefault(str(host), set()).update(seen - {"all", "ungrouped"})
    return memberships


def load_targets(inventory: str | Path, limit: str | None = None) -> list[Target]:
    """Desktops and headends of an Ansible inventory (any source Ansible reads), in name order."""
    path = Path(inventory)
    if not path.exists():
        raise InventoryError(f"inventory {path} does not exist")
    data = _ansible_inventory(path, limit)
    host_vars: Mapping[str, Any] = (data.get("_meta") or {}).get("hostvars") or {}
    groups = _group_names(data)
    targets: list[Target] = []
    for name in sorted(set(groups) | set(host_vars)):
        variables = host_vars.get(name) or {}
        kind = classify(groups.get(name, set()), variables)
        if kind is not None:
            targets.append(target_for(name, kind, variables))
    return targets


def group_host_vars(inventory: str | Path, *groups: str) -> dict[str, dict[str, Any]]:
    """Host vars of every member of any of ``groups`` (directly or through children)."""
    path = Path(inventory)
    if not path.exists():
        raise InventoryError(f"inventory {path} does not exist")
    data = _ansible_inventory(path, None)
    host_vars: Mapping[str, Any] = (data.get("_meta") or {}).get("hostvars") or {}
    return {
        name: dict(host_vars.get(name) or {})
        for name, member_of in sorted(_group_names(data).items())
        if set(groups) & member_of
    }
