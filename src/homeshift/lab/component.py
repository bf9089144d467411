"""The seam between the lab process and its device emulators.

A component (the ASA headends, the Windows desktops) starts its servers inside the lab's asyncio
loop, returns the Ansible inventory groups describing them, and exposes control operations
(connect users, inject a fault, ...) that the control server routes to it by name.
"""

from __future__ import annotations

import importlib
import ipaddress
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

#: A control operation: keyword arguments in (JSON), a JSON-serialisable result out.
ControlOp = Callable[..., Awaitable[Any] | Any]

#: Inventory group as written into ``DIR/inventory.yml``: {"hosts": {name: vars}, "vars": {...}}
InventoryGroup = dict[str, Any]

#: Loopback blocks per component, so components never collide (all inside 127.0.0.0/8).
ADDRESS_BLOCKS: Mapping[str, ipaddress.IPv4Network] = {
    "asa": ipaddress.IPv4Network("127.1.0.0/16"),
    "windows": ipaddress.IPv4Network("127.2.0.0/15"),  # 127.2.0.0 - 127.3.255.255
}

#: name -> "module:Class"; imported lazily so the lab starts with only what it needs.
COMPONENTS: Mapping[str, str] = {
    "asa": "homeshift.lab.asa.component:AsaLabComponent",
    "windows": "homeshift.lab.windows.component:WindowsLabComponent",
}


@dataclass(frozen=True)
class LabContext:
    """What the lab gives a component at start: its own state folder and its options."""

    lab_dir: Path
    state_dir: Path
    options: Mapping[str, Any] = field(default_factory=dict)
    seed: int = 7

    def address(self, component: str, index: int) -> str:
        """The ``index``-th loopback address (0-based) reserved for ``component``."""
        block = ADDRESS_BLOCKS[component]
        host = block.network_address + 1 + index
        if host not in block or host == block.broadcast_address:
            raise ValueError(f"lab address block {block} for {component} exhausted at {index}")
        return str(host)


class LabComponent(Protocol):
    """What a device emulator family provides to the lab process."""

    name: str

    async def start(self, ctx: LabContext) -> dict[str, InventoryGroup]:
        """Start listening; return inventory groups (name -> group) for ``inventory.yml``."""
        ...

    async def stop(self) -> None:
        """Stop listening and persist whatever survives a lab restart."""
        ...

    def control_ops(self) -> Mapping[str, ControlOp]:
        """Operations reachable as ``<component>.<op>`` through the control server."""
        ...


def load_component(name: str) -> LabComponent:
    """Instantiate the component registered under ``name``."""
    try:
        target = COMPONENTS[name]
    except KeyError:
        raise ValueError(f"unknown lab component {name!r}; known: {sorted(COMPONENTS)}") from None
    module_name, _, class_name = target.partition(":")
    module = importlib.import_module(module_name)
    component: LabComponent = getattr(module, class_name)()
    return component
