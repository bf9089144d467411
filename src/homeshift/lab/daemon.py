"""The lab process: ``python -m homeshift.lab.daemon DIR``.

Starts every component named in ``DIR/lab-spec.json`` inside one asyncio loop, writes
``DIR/inventory.yml`` and then ``DIR/lab.json`` (the ready signal: pid, control port,
components), and serves until SIGTERM/SIGINT or the ``lab.stop`` control operation.
A failed start exits non-zero with the reason in ``DIR/lab.log`` and no ``lab.json``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sys
from pathlib import Path
from typing import Any

import yaml

from homeshift.lab.component import InventoryGroup, LabComponent, LabContext, load_component
from homeshift.lab.control import LAB_FILE, ControlServer
from homeshift.lab.spec import LabSpec

INVENTORY_FILE = "inventory.yml"
log = logging.getLogger("homeshift.lab")


def write_inventory(lab_dir: Path, groups: dict[str, InventoryGroup]) -> Path:
    """Write a YAML inventory with one child group per component group."""
    inventory = {"all": {"children": dict(sorted(groups.items()))}}
    path = lab_dir / INVENTORY_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(yaml.safe_dump(inventory, sort_keys=False, default_flow_style=False))
    tmp.chmod(0o600)  # it carries device passwords
    tmp.replace(path)
    return path


async def serve(lab_dir: Path) -> int:
    spec = LabSpec.read(lab_dir)
    control = ControlServer()
    stop = asyncio.Event()
    started: list[LabComponent] = []
    groups: dict[str, InventoryGroup] = {}
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    def status() -> dict[str, Any]:
        return {
            "pid": os.getpid(),
            "components": [c.name for c in started],
            "groups": {name: len(g.get("hosts", {})) for name, g in groups.items()},
            "operations": control.operations,
        }

    control.register("lab", {"status": status, "stop": stop.set})
    try:
        for name, options in spec.components.items():
            component = load_component(name)
            state_dir = lab_dir / name
            state_dir.mkdir(parents=True, exist_ok=True)
            ctx = LabContext(lab_dir=lab_dir, state_dir=state_dir, options=options, seed=spec.seed)
            groups.update(await component.start(ctx))
            started.append(component)
            control.register(name, component.control_ops())
            log.info("component %s started", name)
        port = await control.start()
        write_inventory(lab_dir, groups)
        info = {"pid": os.getpid(), "control_port": port, "components": [c.name for c in started]}
        (lab_dir / LAB_FILE).write_text(json.dumps(info, indent=2))
        log.info("lab ready: %s", info)
        await stop.wait()
        return 0
    except Exception:
        log.exception("lab failed")
        return 1
    finally:
        (lab_dir / LAB_FILE).unlink(missing_ok=True)
        await control.stop()
        for component in reversed(started):
            try:
                await component.stop()
            except Exception:
                log.exception("stopping %s failed", component.name)
        log.info("lab stopped")


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m homeshift.lab.daemon DIR", file=sys.stderr)  # noqa: T201
        return 2
    lab_dir = Path(args[0]).resolve()
    logging.basicConfig(
        filename=lab_dir / "lab.log",
        level=os.environ.get("HOMESHIFT_LAB_LOG_LEVEL", "INFO"),
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
    )
    return asyncio.run(serve(lab_dir))


if __name__ == "__main__":
    raise SystemExit(main())
