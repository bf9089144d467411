"""Helpers for the headend convergence lab tests: labs on distinct addresses, plans, clients."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from homeshift.asa.headend import HeadendSettings, desired_config, other_pools, with_cluster_key
from homeshift.asa.transport import AsaConnection, NetmikoAsaCli
from homeshift.lab.control import call
from homeshift.lab.runtime import start_lab
from homeshift.lab.spec import LabSpec
from homeshift.planning.capacity import CapacityInputs, ExistingHeadend, plan_capacity
from homeshift.planning.planfile import PlanDocument, plan_to_dict, write_plan

REPO = Path(__file__).resolve().parents[3]
TEST_PORT = 2222
CLUSTER_IP = "198.51.100.200"
#: the lab's documented cluster key (docs/headends.md); real runs take it from a vault
CLUSTER_KEY = "hs-lab-cluster-key"
_slots = itertools.count()


def address_offset() -> int:
    """20 addresses per lab, distinct per xdist worker; clear of the ASA lab's own tests."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    number = int(worker[2:]) if worker[2:].isdigit() else 0
    return 20000 + number * 2000 + (next(_slots) % 90) * 20


@dataclass
class ConvergeLab:
    lab_dir: Path
    inventory: dict[str, Any]
    plan_file: Path

    def host_vars(self, name: str) -> dict[str, Any]:
        for group in self.inventory["all"]["children"].values():
            if name in group["hosts"]:
                return dict(group["hosts"][name])
        raise KeyError(name)

    def group(self, name: str) -> list[str]:
        return list(self.inventory["all"]["children"].get(name, {}).get("hosts", {}))

    def cli(
        self, name: str, session_log: Path | None = None, read_timeout: float = 10.0
    ) -> NetmikoAsaCli:
        connection = AsaConnection.from_host_vars(
            name,
            self.host_vars(name),
            session_log=session_log,
            extra_secrets=(CLUSTER_KEY,),
            conn_timeout=5.0,
            read_timeout=read_timeout,
        )
        return NetmikoAsaCli(connection)

    def plan(self) -> dict[str, Any]:
        return json.loads(self.plan_file.read_text())

    def desired(self, name: str) -> dict[str, Any]:
        entry = next(h for h in self.plan()["capacity"]["headends"] if h["name"] == name)
        config = desired_config(entry, settings())
        return with_cluster_key(config, CLUSTER_KEY)

    def other_pools(self, name: str) -> list[dict[str, Any]]:
        return other_pools(self.plan()["capacity"]["headends"], name)

    def converge(self, *names: str) -> None:
        """Bring ``names`` (default: group headends) to the plan with the core, in-process:
        a cheap, order-independent starting point for tests that exercise the playbooks."""
        from homeshift.asa.config import RavpnConfig
        from homeshift.asa.converge import converge
        from homeshift.asa.resources.pools import Pool

        for name in names or self.group("headends"):
            cli = self.cli(name)
            try:
                result = converge(
                    cli,
                    RavpnConfig.from_dict(self.desired(name)),
                    "merged",
                    other_pools=[Pool.from_dict(p) for p in self.other_pools(name)],
                )
            finally:
                cli.close()
            assert not result.failed, result.msg

    def wipe(self, *names: str) -> None:
        """Remove every managed RA-VPN object (state deleted, empty config) and save."""
        from homeshift.asa.config import RavpnConfig
        from homeshift.asa.converge import converge

        for name in names or self.group("headends"):
            # a pool with active sessions cannot be removed (the lab refuses like an ASA)
            self.call("asa.disconnect_users", member=name)
            cli = self.cli(name)
            try:
                result = converge(cli, RavpnConfig(), "deleted")
            finally:
                cli.close()
            assert not result.failed, result.msg

    def running(self, name: str) -> str:
        return str(call(self.lab_dir, "asa.running_config", host=name))

    def call(self, op: str, **args: Any) -> Any:
        return call(self.lab_dir, op, **args)

    def extra_vars(self, with_plan: bool = True) -> Path:
        """Extra vars file; scale_out.yml plans for itself, so it runs ``with_plan=False``."""
        path = self.lab_dir / ("headend-vars.json" if with_plan else "scale-out-vars.json")
        variables = {
            "homeshift_vpn_cluster_address": CLUSTER_IP,
            "homeshift_cluster_key": CLUSTER_KEY,
            "ras_headend_anyconnect_image": "disk0:/anyconnect-win-4.10.pkg",
        }
        if with_plan:
            variables["homeshift_plan_file"] = str(self.plan_file)
        path.write_text(json.dumps(variables))
        return path

    def playbook(self, playbook: str, *args: str) -> subprocess.CompletedProcess[str]:
        """Run ``ansible-playbook`` from the repository (its ansible.cfg) against this lab."""
        venv_bin = Path(sys.executable).parent
        env = {
            **os.environ,
            "PATH": f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}",
            "ANSIBLE_LOCAL_TEMP": str(self.lab_dir / "ansible-tmp"),
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_FORCE_COLOR": "0",
        }
        return subprocess.run(
            [
                str(venv_bin / "ansible-playbook"),
                "-i",
                str(self.lab_dir / "inventory.yml"),
                str(REPO / "playbooks" / playbook),
                "-e",
                f"@{self.extra_vars(with_plan=playbook != 'scale_out.yml')}",
                *args,
            ],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )


def settings() -> HeadendSettings:
    """The role's defaults (roles/ras_headend/defaults) with the lab's AnyConnect image."""
    return HeadendSettings(
        cluster_ip=CLUSTER_IP,
        anyconnect_image="disk0:/anyconnect-win-4.10.pkg",
        anyconnect_profile_name="HS-HOMEOFFICE",
        anyconnect_profile_path="disk0:/hs-homeoffice.xml",
    )


def start_converge_lab(lab_dir: Path, headends: int = 2, spares: int = 1) -> ConvergeLab:
    spec = {
        "headends": headends,
        "spares": spares,
        "port": TEST_PORT,
        "address_offset": address_offset(),
    }
    start_lab(lab_dir, LabSpec(components={"asa": spec}))
    inventory = yaml.safe_load((lab_dir / "inventory.yml").read_text())
    lab = ConvergeLab(lab_dir, inventory, lab_dir / "plan.json")
    names = lab.group("headends")
    plan = plan_capacity(
        CapacityInputs(
            peak_sessions=100,
            peak_sessions_source="test",
            existing=tuple(ExistingHeadend(n, "ASAv30", 750) for n in names),
        )
    )
    write_plan(PlanDocument(capacity=plan), lab.plan_file)
    assert plan_to_dict(PlanDocument(capacity=plan))["capacity"]["headends"]
    return lab
