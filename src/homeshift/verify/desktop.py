"""What a converged desktop looks like, and the checks that compare a desktop against it.

Expectations are the same desired-state resources the ``desktop_remote`` role sends (contract v1,
``docs/desktop-agent-contract.md``): MSI products at a version, files (the VPN profile) by
content/SHA-256, registry values, services. Resource types that verification does not read
(power settings, compliance checks, BitLocker) are ignored here: the agent reports those itself.

All checks of one desktop run as ONE PowerShell command (:class:`homeshift.verify.windows.Batch`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from homeshift.verify.windows import (
    Batch,
    CommandHost,
    FileHash,
    MsiProduct,
    RegistryValue,
    VpnProfile,
    WindowsServiceState,
    first_difference,
)
from homeshift.windows.resources import (
    File,
    MsiPackage,
    ResourceError,
    Service,
    resource_from_mapping,
)
from homeshift.windows.resources import (
    RegistryValue as RegistryResource,
)

#: contract start_mode -> Get-Service StartType (delayed start reports Automatic in 5.1)
START_TYPES: Mapping[str, tuple[str, ...]] = {
    "auto": ("Automatic", "AutomaticDelayedStart"),
    "delayed": ("Automatic", "AutomaticDelayedStart"),
    "manual": ("Manual",),
    "disabled": ("Disabled",),
}
VERIFIED_TYPES = ("msi_package", "file", "registry_value", "service")


class ExpectationsError(ValueError):
    """The expectations file cannot be used; the message names the file and the entry."""


@dataclass(frozen=True)
class DesktopExpectations:
    products: tuple[MsiPackage, ...] = ()
    files: tuple[File, ...] = ()
    registry_values: tuple[RegistryResource, ...] = ()
    services: tuple[Service, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.products or self.files or self.registry_values or self.services)


def expectations_from_resources(
    items: Sequence[Mapping[str, Any]], source: str = "<memory>"
) -> DesktopExpectations:
    """Typed expectations from contract resources (what the role sends to ``desktop_state``)."""
    products: list[MsiPackage] = []
    files: list[File] = []
    registry: list[RegistryResource] = []
    services: list[Service] = []
    for index, item in enumerate(items):
        if not isinstance(item, Mapping):
            raise ExpectationsError(f"{source}: resource {index + 1} is not a mapping")
        if item.get("type") not in VERIFIED_TYPES:
            continue
        if item.get("type") == "file":
            # the agent document form carries the hash next to the content; the content decides
            item = {k: v for k, v in item.items() if k != "sha256"}
        try:
            resource = resource_from_mapping(item, index)
        except ResourceError as exc:
            raise ExpectationsError(f"{source}: resource {index + 1}: {exc}") from None
        if isinstance(resource, MsiPackage) and resource.state == "present":
            products.append(resource)
        elif isinstance(resource, File) and resource.state == "present":
            files.append(resource)
        elif isinstance(resource, RegistryResource) and resource.state == "present":
            registry.append(resource)
        elif isinstance(resource, Service):
            services.append(resource)
    return DesktopExpectations(tuple(products), tuple(files), tuple(registry), tuple(services))


@dataclass(frozen=True)
class DesktopExpectationSet:
    """Expectations for every desktop, with per-host overrides (``desktop.hosts.<name>``)."""

    default: DesktopExpectations = field(default_factory=DesktopExpectations)
    per_host: Mapping[str, DesktopExpectations] = field(default_factory=dict)

    def for_host(self, name: str) -> DesktopExpectations:
        return self.per_host.get(name.upper(), self.default)


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ExpectationsError(f"{path}: cannot read expectations ({exc})") from exc


def load_expectation_set(path: str | Path) -> DesktopExpectationSet:
    """``desktop: {resources: [...], hosts: {NAME: {resources: [...]}}}`` from YAML/JSON."""
    path = Path(path)
    data = _read_yaml(path)
    if isinstance(data, list):
        return DesktopExpectationSet(expectations_from_resources(data, str(path)))
    desktop = (data or {}).get("desktop") if isinstance(data, Mapping) else None
    if desktop is None:
        return DesktopExpectationSet()
    if not isinstance(desktop, Mapping):
        raise ExpectationsError(f"{path}: 'desktop' must be a mapping")
    default = desktop.get("resources", [])
    if not isinstance(default, list):
        raise ExpectationsError(f"{path}: desktop.resources must be a list")
    hosts = desktop.get("hosts") or {}
    if not isinstance(hosts, Mapping):
        raise ExpectationsError(f"{path}: desktop.hosts must map host names to resources")
    per_host: dict[str, DesktopExpectations] = {}
    for name, body in hosts.items():
        items = body.get("resources") if isinstance(body, Mapping) else None
        if not isinstance(items, list):
            raise ExpectationsError(f"{path}: desktop.hosts.{name}.resources must be a list")
        per_host[str(name).upper()] = expectations_from_resources(items, f"{path} ({name})")
    return DesktopExpectationSet(expectations_from_resources(default, str(path)), per_host)


def load_expectations(path: str | Path) -> DesktopExpectations:
    """The default desktop expectations of a file (see :func:`load_expectation_set`)."""
    return load_expectation_set(path).default


def _is_vpn_profile(file: File) -> bool:
    return file.path.lower().endswith(".xml") and "\\cisco\\" in file.path.lower()


@dataclass(frozen=True, slots=True)
class Finding:
    """One way a desktop differs from its expectations; ``area`` groups findings for tests."""

    area: str  # "vpn_client" | "service" | "registry" | "file"
    message: str

    def __str__(self) -> str:
        return self.message


def check_desktop(host: CommandHost, expected: DesktopExpectations) -> list[Finding]:
    """Every way ``host`` differs from ``expected`` (empty: all good), in ONE command."""
    batch = Batch(host)
    products = [(p, batch.add(MsiProduct(host, p.product_code))) for p in expected.products]
    services = [(s, batch.add(WindowsServiceState(host, s.name))) for s in expected.services]
    registry = [
        (r, batch.add(RegistryValue(host, r.path, r.name))) for r in expected.registry_values
    ]
    files: list[tuple[File, FileHash, VpnProfile | None]] = []
    for f in expected.files:
        profile = batch.add(VpnProfile(host, f.path)) if _is_vpn_profile(f) else None
        files.append((f, batch.add(FileHash(host, f.path)), profile))
    batch.run()

    failures: list[Finding] = []
    for product, probe in products:
        name = product.display_name or product.product_code
        if probe.version is None:
            failures.append(
                Finding("vpn_client", f"MSI {name} is not installed (expected {product.version})")
            )
        elif probe.version != product.version:
            failures.append(
                Finding(
                    "vpn_client", f"MSI {name} is at {probe.version}, expected {product.version}"
                )
            )
    for service, svc in services:
        if not svc.exists:
            failures.append(Finding("service", f"service {service.name} is missing"))
            continue
        want_status = "Running" if service.state == "running" else "Stopped"
        if svc.status != want_status:
            failures.append(
                Finding(
                    "service", f"service {service.name} is {svc.status} (expected {want_status})"
                )
            )
        if svc.start_type not in START_TYPES[service.start_mode]:
            failures.append(
                Finding(
                    "service",
                    f"service {service.name} start type is {svc.start_type} "
                    f"(expected {START_TYPES[service.start_mode][0]})",
                )
            )
    for value, reg in registry:
        where = f"registry {value.path}\\{value.name}"
        if not reg.exists:
            failures.append(Finding("registry", f"{where} is missing"))
            continue
        want: Any = list(value.data) if isinstance(value.data, tuple) else value.data
        have = reg.value
        if value.value_type == "multistring" and isinstance(have, str):
            have = [have]
        if have != want:
            failures.append(Finding("registry", f"{where} is {have!r} (expected {want!r})"))
    for file, hashed, profile in files:
        label = "VPN profile" if profile is not None else "file"
        if hashed.sha256 is None:
            failures.append(Finding("file", f"{label} {file.path} is missing"))
        elif hashed.sha256 != file.sha256:
            detail = "content differs"
            if profile is not None and profile.content is not None:
                expected_text = file.content.decode("utf-8", errors="replace")
                detail = f"changed: {first_difference(expected_text, profile.content)}"
            failures.append(Finding("file", f"{label} {file.path} {detail}"))
    return failures


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
