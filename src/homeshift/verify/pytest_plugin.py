"""pytest plugin shipped with homeshift (entry point ``pytest11: homeshift``).

* registers the ``asa://`` testinfra backend (:mod:`homeshift.verify.asa_backend`);
* options ``--homeshift-expect FILE`` (desktop and headend expectations), ``--homeshift-plan``
  (each headend's planned pool), ``--homeshift-results FILE`` (per-host verdicts as
  ``results.json``, the board's input) and ``--homeshift-inventory`` (recorded in it);
* fixtures ``homeshift_expectations``, ``homeshift_record`` and ``win`` (Windows modules bound
  to the current ``host``);
* test modules that set ``homeshift_backends = ("winrm",)`` only run on hosts of those
  backends (the others are deselected), so one ``--hosts`` list can mix desktops and headends.

Every hook is inert for test modules that do not opt in, so the plugin is safe to load always.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from homeshift.verify import asa_backend
from homeshift.verify.results import HostKind, HostResult, VerificationResults, write_results
from homeshift.verify.windows import (
    Batch,
    FileHash,
    MsiProduct,
    RegistryValue,
    VpnProfile,
    WindowsServiceState,
)

if TYPE_CHECKING:  # the plugin loads in every pytest run: import the rest only when used
    from homeshift.verify.desktop import DesktopExpectations, DesktopExpectationSet, Finding
    from homeshift.verify.expectations import HeadendExpectations

asa_backend.register()

#: "address:port" or "address" -> inventory hostname (filled by ``homeshift verify``)
INVENTORY_NAMES = asa_backend.INVENTORY_NAMES


class Expectations:
    def __init__(self, desktops: DesktopExpectationSet, headend: HeadendExpectations) -> None:
        self.desktops = desktops
        self.headend = headend

    @property
    def desktop(self) -> DesktopExpectations:
        """The expectations for desktops without their own entry."""
        return self.desktops.default

    def desktop_for(self, host: Any) -> DesktopExpectations:
        return self.desktops.for_host(host_name(host))


class Recorder:
    """Collects one verdict per host; written as results.json at the end of the session."""

    def __init__(self) -> None:
        self.hosts: dict[str, HostResult] = {}

    def record(
        self,
        name: str,
        kind: HostKind,
        failures: Sequence[str],
        active: int | None = None,
        limit: int | None = None,
    ) -> None:
        self.hosts[name] = HostResult(name, kind, not failures, tuple(failures), active, limit)


_RECORDER = pytest.StashKey[Recorder]()


def host_name(host: Any) -> str:
    """The inventory name of a testinfra host (falls back to the address)."""
    backend = host.backend
    spec = getattr(backend, "host", None)
    if spec is not None:
        for key in (f"{spec.name}:{spec.port}", str(spec.name)):
            if key in INVENTORY_NAMES:
                return INVENTORY_NAMES[key]
    return str(backend.get_hostname())


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("homeshift")
    group.addoption(
        "--homeshift-expect",
        dest="homeshift_expect",
        help="Expectations file (YAML): desktop.resources and headend checks.",
    )
    group.addoption(
        "--homeshift-plan",
        dest="homeshift_plan",
        help="Plan file (JSON): each headend must have its planned pool.",
    )
    group.addoption(
        "--homeshift-inventory",
        dest="homeshift_inventory",
        help="Inventory path recorded in results.json (set by `homeshift verify`).",
    )
    group.addoption(
        "--homeshift-concurrency",
        dest="homeshift_concurrency",
        type=int,
        default=8,
        help="Desktops read in parallel (one PowerShell command each); default 8.",
    )
    group.addoption(
        "--homeshift-results",
        dest="homeshift_results",
        help="Write per-host verdicts here (results.json, read by `homeshift board`).",
    )


class DesktopPrefetch:
    """Reads every desktop of the session in parallel on first use, so the per-host tests only
    look up findings: verification time is network-bound, not test-order-bound."""

    def __init__(self, concurrency: int) -> None:
        self.concurrency = max(1, concurrency)
        self.hosts: dict[str, Any] = {}
        self._findings: dict[str, list[Finding]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def key(host: Any) -> str:
        return str(host.backend.get_pytest_id()) + f":{getattr(host.backend.host, 'port', '')}"

    def findings(self, host: Any, expectations: Expectations) -> list[Finding]:
        key = self.key(host)
        with self._lock:
            if key not in self._findings:
                pending = {k: h for k, h in self.hosts.items() if k not in self._findings}
                pending.setdefault(key, host)
                with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
                    done = pool.map(lambda h: _read_desktop(h, expectations), pending.values())
                    self._findings.update(zip(pending, done, strict=True))
            return self._findings[key]


def _read_desktop(host: Any, expectations: Expectations) -> list[Finding]:
    from homeshift.verify.desktop import Finding, check_desktop

    expected = expectations.desktop_for(host)
    if expected.empty:
        return []
    try:
        return check_desktop(host, expected)
    except Exception as exc:  # unreachable, refused credentials, ...: the host is red
        return [Finding("unreachable", f"not reachable: {type(exc).__name__}: {exc}")]


_PREFETCH = pytest.StashKey[DesktopPrefetch]()


def pytest_configure(config: pytest.Config) -> None:
    asa_backend.register()
    config.stash[_RECORDER] = Recorder()
    config.stash[_PREFETCH] = DesktopPrefetch(
        int(config.getoption("homeshift_concurrency", 8) or 8)
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect host-parametrised tests whose module wants other backends."""
    keep: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        wanted = getattr(getattr(item, "module", None), "homeshift_backends", None)
        callspec = getattr(item, "callspec", None)
        host = callspec.params.get("_testinfra_host") if callspec is not None else None
        if wanted is None or host is None or host.backend.NAME in wanted:
            keep.append(item)
        else:
            dropped.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep
    prefetch = config.stash[_PREFETCH]
    for item in keep:
        callspec = getattr(item, "callspec", None)
        host = callspec.params.get("_testinfra_host") if callspec is not None else None
        if host is not None and host.backend.NAME == "winrm":
            prefetch.hosts.setdefault(DesktopPrefetch.key(host), host)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    path = session.config.getoption("homeshift_results", None)
    if not path or hasattr(session.config, "workerinput"):
        return  # xdist workers: only the controller writes
    recorder = session.config.stash.get(_RECORDER, None)
    if recorder is not None:
        inventory = str(
            session.config.getoption("homeshift_inventory", None)
            or session.config.getoption("ansible_inventory", None)
            or ""
        )
        write_results(VerificationResults(dict(recorder.hosts), inventory), Path(path))


@pytest.fixture(scope="session")
def homeshift_expectations(pytestconfig: pytest.Config) -> Expectations:
    path = pytestconfig.getoption("homeshift_expect", None)
    from homeshift.verify.desktop import DesktopExpectationSet, load_expectation_set
    from homeshift.verify.expectations import HeadendExpectations, load_headend_expectations

    desktops, headend = DesktopExpectationSet(), HeadendExpectations()
    if path:
        desktops, headend = load_expectation_set(path), load_headend_expectations(path)
    plan = pytestconfig.getoption("homeshift_plan", None)
    if plan:
        headend = headend.with_plan(json.loads(Path(plan).read_text(encoding="utf-8")))
    return Expectations(desktops, headend)


@pytest.fixture(scope="session")
def homeshift_record(
    pytestconfig: pytest.Config,
) -> Callable[..., None]:
    """``homeshift_record(host, "desktop", failures, active=None, limit=None)``."""
    recorder = pytestconfig.stash[_RECORDER]

    def record(
        host: Any,
        kind: HostKind,
        failures: Sequence[object],
        active: int | None = None,
        limit: int | None = None,
    ) -> None:
        recorder.record(host_name(host), kind, [str(f) for f in failures], active, limit)

    return record


@pytest.fixture(scope="session")
def homeshift_desktop_findings(
    pytestconfig: pytest.Config, homeshift_expectations: Expectations
) -> Callable[[Any], list[Finding]]:
    """``homeshift_desktop_findings(host)``: the host's findings (all desktops read in parallel)."""
    prefetch = pytestconfig.stash[_PREFETCH]
    return lambda host: prefetch.findings(host, homeshift_expectations)


class Windows:
    """The Windows modules bound to one testinfra host: ``win.service("csc_vpnagent").status``."""

    def __init__(self, host: Any) -> None:
        self.host = host

    def registry_value(self, path: str, name: str) -> RegistryValue:
        return RegistryValue(self.host, path, name)

    def msi_product(self, product_code: str) -> MsiProduct:
        return MsiProduct(self.host, product_code)

    def service(self, name: str) -> WindowsServiceState:
        return WindowsServiceState(self.host, name)

    def file_hash(self, path: str) -> FileHash:
        return FileHash(self.host, path)

    def vpn_profile(self, path: str) -> VpnProfile:
        return VpnProfile(self.host, path)

    def batch(self) -> Batch:
        return Batch(self.host)


@pytest.fixture
def win(host: Any) -> Windows:
    return Windows(host)
