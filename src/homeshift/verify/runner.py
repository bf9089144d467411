"""Run the shipped verification suites against inventory targets, in-process.

In-process on purpose: the host specs carry credentials, and a subprocess command line would
show them to every user of the machine (``ps``). pytest writes JUnit XML; the plugin writes
``results.json``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import Literal

from homeshift.verify import asa_backend
from homeshift.verify.inventory import InventoryError, Target

SUITES_DIR = Path(__file__).parent / "suites"
Suite = Literal["desktop", "headend", "all"]


@dataclass(frozen=True)
class VerifyRun:
    exit_code: int
    results: Path
    junit: Path | None


def suite_paths(suite: Suite) -> list[str]:
    names = {"desktop": ["test_desktop.py"], "headend": ["test_headend.py"]}
    chosen = names.get(suite, ["test_desktop.py", "test_headend.py"])
    return [str(SUITES_DIR / name) for name in chosen]


def _plugin_args() -> list[str]:
    """Load our plugin explicitly unless the installed entry point already does."""
    installed = any(ep.name == "homeshift" for ep in entry_points(group="pytest11"))
    return [] if installed else ["-p", "homeshift.verify.pytest_plugin"]


def pytest_args(
    targets: Sequence[Target],
    suite: Suite,
    results: Path,
    expect: Path | None,
    plan: Path | None,
    junit: Path | None,
    extra: Sequence[str] = (),
    inventory: str = "",
    concurrency: int = 8,
) -> list[str]:
    args = [
        *suite_paths(suite),
        *_plugin_args(),
        "-p",
        "no:cacheprovider",
        f"--rootdir={SUITES_DIR}",
        "-o",
        "junit_suite_name=homeshift-verify",
        "-o",
        "junit_family=xunit2",
        "--tb=line",
        "-q",
        f"--hosts={','.join(t.spec for t in targets)}",
        f"--homeshift-results={results}",
        f"--homeshift-concurrency={concurrency}",
    ]
    if inventory:
        args.append(f"--homeshift-inventory={inventory}")
    if expect is not None:
        args.append(f"--homeshift-expect={expect}")
    if plan is not None:
        args.append(f"--homeshift-plan={plan}")
    if junit is not None:
        args.append(f"--junitxml={junit}")
    return [*args, *extra]


def run_suites(
    targets: Sequence[Target],
    results: Path,
    suite: Suite = "all",
    expect: Path | None = None,
    plan: Path | None = None,
    junit: Path | None = None,
    extra: Sequence[str] = (),
    inventory: str = "",
    concurrency: int = 8,
) -> VerifyRun:
    import pytest

    ca_bundle = shared_ca_bundle(targets)
    for target in targets:
        asa_backend.INVENTORY_NAMES[target.key] = target.name
        if target.enable_secret:
            asa_backend.ENABLE_SECRETS[target.key] = target.enable_secret
    previous_bundle = os.environ.get("REQUESTS_CA_BUNDLE")
    if ca_bundle:
        os.environ["REQUESTS_CA_BUNDLE"] = ca_bundle
    try:
        code = int(
            pytest.main(
                pytest_args(
                    targets, suite, results, expect, plan, junit, extra, inventory, concurrency
                )
            )
        )
    finally:
        for target in targets:
            asa_backend.ENABLE_SECRETS.pop(target.key, None)
        if ca_bundle:
            if previous_bundle is None:
                os.environ.pop("REQUESTS_CA_BUNDLE", None)
            else:
                os.environ["REQUESTS_CA_BUNDLE"] = previous_bundle
    return VerifyRun(code, results, junit)


def shared_ca_bundle(targets: Sequence[Target]) -> str:
    """The one ``ansible_winrm_ca_trust_path`` of the HTTPS desktops, or "" when none is set.

    pywinrm (under testinfra's ``winrm://`` backend, whose URL has no CA option) reads the CA
    bundle from ``REQUESTS_CA_BUNDLE``, one per process: different bundles are an error.
    """
    bundles = sorted({t.ca_trust_path for t in targets if t.ca_trust_path})
    if len(bundles) > 1:
        raise InventoryError(
            "desktops use different ansible_winrm_ca_trust_path values "
            f"({', '.join(bundles)}); verify them separately with --limit"
        )
    return bundles[0] if bundles else ""
