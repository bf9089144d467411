"""Desired-state resources of a desktop (contract v1) and how each describes its diff.

A resource is a frozen dataclass that validates itself on construction, turns into the contract
JSON with :meth:`to_document`, and explains an agent result for ``--diff`` with
:meth:`describe_diff`. Testing and applying happen in the agent on the desktop, in one run.
"""

from __future__ import annotations

import base64
import difflib
import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar, Literal, TypeAlias

from homeshift.windows.results import ResourceResult

State = Literal["present", "absent"]

_GUID = re.compile(
    r"^\{[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\}$"
)
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,79}$")
_REGISTRY_ROOT = re.compile(r"^(HKLM|HKU|HKCU|HKCR|HKCC):\\", re.IGNORECASE)
_ALIAS = re.compile(
    r"^([A-Z][A-Z0-9_]*|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$"
)
_DRIVE = re.compile(r"^[A-Za-z]:$")

#: Files up to this size are diffed as text (contract: 64 KiB of UTF-8).
DIFF_TEXT_LIMIT = 64 * 1024


class ResourceError(ValueError):
    """A resource definition is invalid; the message names the resource."""


def _require(condition: bool, rid: str, message: str) -> None:
    if not condition:
        raise ResourceError(f"resource {rid!r}: {message}")


def _check_id(rid: str) -> None:
    if not isinstance(rid, str) or not _ID.match(rid):
        raise ResourceError(f"resource id {rid!r} must be 1-80 of [A-Za-z0-9_.:-]")


def _check_state(rid: str, state: str) -> None:
    _require(state in ("present", "absent"), rid, f"state must be present/absent, not {state!r}")


def _generic_diff(result: ResourceResult) -> str:
    """``key: before -> after`` for every key whose value differs (or all keys on error)."""
    keys = sorted(set(result.before) | set(result.after))
    changes = [
        f"  {k}: {result.before.get(k)!r} -> {result.after.get(k)!r}"
        for k in keys
        if result.before.get(k) != result.after.get(k)
    ]
    head = f"{result.type} {result.id}"
    if result.error:
        return f"{head}: FAILED: {result.error}"
    if not changes:
        return f"{head}: unchanged"
    return "\n".join([f"{head}:", *changes])


@dataclass(frozen=True)
class MsiPackage:
    """An MSI product, identified by its ProductCode and DisplayVersion."""

    type: ClassVar[str] = "msi_package"
    id: str
    product_code: str
    version: str
    display_name: str
    source: str
    arguments: tuple[str, ...] = ("/qn", "/norestart")
    log_path: str = ""
    state: State = "present"
    stop_on_error: bool = False

    def __post_init__(self) -> None:
        _check_id(self.id)
        _check_state(self.id, self.state)
        _require(bool(_GUID.match(self.product_code)), self.id, "product_code must be a {GUID}")
        _require(bool(self.version.strip()), self.id, "version is required")
        _require(bool(self.source.strip()), self.id, "source (path of the .msi) is required")
        _require(self.source.lower().endswith(".msi"), self.id, "source must name an .msi file")
        for arg in self.arguments:
            _require(
                not arg.lower().startswith(("/l", "/i", "/x", "/package")),
                self.id,
                f"argument {arg!r} is set by the agent (install/uninstall and log)",
            )

    def effective_log_path(self) -> str:
        return self.log_path or f"C:\\Windows\\Temp\\homeshift-{self.id}.log"

    def to_document(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type,
            "product_code": self.product_code.upper(),
            "version": self.version,
            "display_name": self.display_name,
            "source": self.source,
            "arguments": list(self.arguments),
            "log_path": self.effective_log_path(),
            "state": self.state,
            "stop_on_error": self.stop_on_error,
        }

    def describe_diff(self, result: ResourceResult) -> str:
        if result.error:
            excerpt = f"\n{result.log_excerpt}" if result.log_excerpt else ""
            return (
                f"msi_package {self.id}: FAILED (exit {result.exit_code}): {result.error}{excerpt}"
            )
        before = result.before.get("version") if result.before.get("installed") else "absent"
        after = result.after.get("version") if result.after.get("installed") else "absent"
        if before == after:
            return f"msi_package {self.id}: {self.display_name} {after} (unchanged)"
        return f"msi_package {self.id}: {self.display_name} {before} -> {after}"


@dataclass(frozen=True)
class File:
    """A file with exact content, compared by SHA-256 on the desktop."""

    type: ClassVar[str] = "file"
    id: str
    path: str
    content: bytes = b""
    state: State = "present"
    stop_on_error: bool = False

    def __post_init__(self) -> None:
        _check_id(self.id)
        _check_state(self.id, self.state)
        _require(
            bool(re.match(r"^[A-Za-z]:\\", self.path)), self.id, "path must be absolute (C:\\...)"
        )
        _require(isinstance(self.content, bytes), self.id, "content must be bytes")

    @classmethod
    def from_text(cls, id: str, path: str, text: str, state: State = "present") -> File:
        """UTF-8 without BOM, the encoding the Cisco client and most tools expect."""
        return cls(id=id, path=path, content=text.encode("utf-8"), state=state)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    def to_document(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "id": self.id,
            "type": self.type,
            "path": self.path,
            "state": self.state,
            "stop_on_error": self.stop_on_error,
        }
        if self.state == "present":
            doc["content_b64"] = base64.b64encode(self.content).decode("ascii")
            doc["sha256"] = self.sha256
        return doc

    def describe_diff(self, result: ResourceResult) -> str:
        if result.error:
            return f"file {self.path}: FAILED: {result.error}"
        before_text = result.before.get("content")
        after_text = result.after.get("content")
        if isinstance(after_text, str) and (before_text is None or isinstance(before_text, str)):
            lines = difflib.unified_diff(
                (before_text or "").splitlines(keepends=True),
                after_text.splitlines(keepends=True),
                fromfile=f"before: {self.path}",
                tofile=f"after: {self.path}",
            )
            text = "".join(lines)
            return text if text else f"file {self.path}: unchanged"
        return _generic_diff(result)


RegistryType = Literal["string", "expandstring", "dword", "qword", "multistring"]
RegistryData: TypeAlias = str | int | tuple[str, ...]


@dataclass(frozen=True)
class RegistryValue:
    """One registry value with its type (``CachedLogonsCount`` is a REG_SZ, for example)."""

    type: ClassVar[str] = "registry_value"
    id: str
    path: str
    name: str
    value_type: RegistryType
    data: RegistryData
    state: State = "present"
    stop_on_error: bool = False

    def __post_init__(self) -> None:
        _check_id(self.id)
        _check_state(self.id, self.state)
        _require(
            bool(_REGISTRY_ROOT.match(self.path)), self.id, "path must start with HKLM:\\ or HKU:\\"
        )
        _require(bool(self.name), self.id, "value name is required")
        vt, data = self.value_type, self.data
        if vt in ("string", "expandstring"):
            _require(isinstance(data, str), self.id, f"{vt} data must be a string")
        elif vt == "dword":
            _require(
                isinstance(data, int) and not isinstance(data, bool) and 0 <= data < 2**32,
                self.id,
                "dword data must be 0..4294967295",
            )
        elif vt == "qword":
            _require(
                isinstance(data, int) and not isinstance(data, bool) and 0 <= data < 2**64,
                self.id,
                "qword data must be 0..2**64-1",
            )
        elif vt == "multistring":
            _require(
                isinstance(data, tuple) and all(isinstance(s, str) for s in data),
                self.id,
                "multistring data must be a list of strings",
            )
        else:
            raise ResourceError(f"resource {self.id!r}: unknown registry type {vt!r}")

    def to_document(self) -> dict[str, Any]:
        data: Any = list(self.data) if isinstance(self.data, tuple) else self.data
        return {
            "id": self.id,
            "type": self.type,
            "path": self.path,
            "name": self.name,
            "value_type": self.value_type,
            "data": data,
            "state": self.state,
            "stop_on_error": self.stop_on_error,
        }

    def describe_diff(self, result: ResourceResult) -> str:
        return _generic_diff(result).replace(
            f"registry_value {self.id}", f"registry {self.path}\\{self.name}", 1
        )


@dataclass(frozen=True)
class Service:
    """A Windows service's run state and start mode."""

    type: ClassVar[str] = "service"
    id: str
    name: str
    state: Literal["running", "stopped"] = "running"
    start_mode: Literal["auto", "delayed", "manual", "disabled"] = "auto"
    stop_on_error: bool = False

    def __post_init__(self) -> None:
        _check_id(self.id)
        _require(bool(re.match(r"^[A-Za-z0-9_.-]+$", self.name)), self.id, "invalid service name")
        _require(self.state in ("running", "stopped"), self.id, "state must be running/stopped")
        _require(
            self.start_mode in ("auto", "delayed", "manual", "disabled"),
            self.id,
            "start_mode must be auto/delayed/manual/disabled",
        )
        _require(
            not (self.start_mode == "disabled" and self.state == "running"),
            self.id,
            "a disabled service cannot be running",
        )

    def to_document(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type,
            "name": self.name,
            "state": self.state,
            "start_mode": self.start_mode,
            "stop_on_error": self.stop_on_error,
        }

    def describe_diff(self, result: ResourceResult) -> str:
        return _generic_diff(result)


@dataclass(frozen=True)
class PowerSetting:
    """A powercfg value index on the active scheme, for mains (AC) and battery (DC)."""

    type: ClassVar[str] = "power_setting"
    id: str
    subgroup: str
    setting: str
    ac: int
    dc: int
    stop_on_error: bool = False

    def __post_init__(self) -> None:
        _check_id(self.id)
        _require(
            bool(_ALIAS.match(self.subgroup)),
            self.id,
            "subgroup must be an alias (SUB_SLEEP) or GUID",
        )
        _require(
            bool(_ALIAS.match(self.setting)),
            self.id,
            "setting must be an alias (STANDBYIDLE) or GUID",
        )
        for name, value in (("ac", self.ac), ("dc", self.dc)):
            _require(
                isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**32,
                self.id,
                f"{name} must be a non-negative integer",
            )

    def to_document(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type,
            "subgroup": self.subgroup,
            "setting": self.setting,
            "ac": self.ac,
            "dc": self.dc,
            "stop_on_error": self.stop_on_error,
        }

    def describe_diff(self, result: ResourceResult) -> str:
        return _generic_diff(result)


@dataclass(frozen=True)
class BitLocker:
    """Turn BitLocker protection on for a volume (TPM protector)."""

    type: ClassVar[str] = "bitlocker"
    id: str
    mount_point: str = "C:"
    encryption_method: Literal["Aes128", "Aes256", "XtsAes128", "XtsAes256"] = "XtsAes256"
    protector: Literal["tpm"] = "tpm"
    stop_on_error: bool = False

    def __post_init__(self) -> None:
        _check_id(self.id)
        _require(bool(_DRIVE.match(self.mount_point)), self.id, "mount_point must look like C:")
        _require(
            self.encryption_method in ("Aes128", "Aes256", "XtsAes128", "XtsAes256"),
            self.id,
            "encryption_method must be Aes128/Aes256/XtsAes128/XtsAes256",
        )
        _require(self.protector == "tpm", self.id, "only the tpm protector is supported")

    def to_document(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type,
            "mount_point": self.mount_point.upper(),
            "encryption_method": self.encryption_method,
            "protector": self.protector,
            "stop_on_error": self.stop_on_error,
        }

    def describe_diff(self, result: ResourceResult) -> str:
        return _generic_diff(result)


ComplianceKind = Literal[
    "os_build_min", "free_disk_gb_min", "tpm_present", "bitlocker_protected", "network_adapter"
]

#: check -> the parameters it needs (the contract's compliance table)
COMPLIANCE_PARAMETERS: Mapping[str, tuple[str, ...]] = {
    "os_build_min": ("build",),
    "free_disk_gb_min": ("drive", "gb"),
    "tpm_present": (),
    "bitlocker_protected": ("mount_point",),
    "network_adapter": ("kind",),
}


@dataclass(frozen=True)
class ComplianceCheck:
    """A read-only check; non-compliance is reported (red), never an error."""

    type: ClassVar[str] = "compliance"
    id: str
    check: ComplianceKind
    build: int | None = None
    drive: str | None = None
    gb: float | None = None
    mount_point: str | None = None
    kind: Literal["wired", "wireless"] | None = None
    stop_on_error: bool = False

    def __post_init__(self) -> None:
        _check_id(self.id)
        _require(
            self.check in COMPLIANCE_PARAMETERS, self.id, f"unknown compliance check {self.check!r}"
        )
        for name in COMPLIANCE_PARAMETERS[self.check]:
            _require(getattr(self, name) is not None, self.id, f"check {self.check} needs {name!r}")
        if self.kind is not None:
            _require(self.kind in ("wired", "wireless"), self.id, "kind must be wired/wireless")
        for name in ("drive", "mount_point"):
            value = getattr(self, name)
            if value is not None:
                _require(bool(_DRIVE.match(value)), self.id, f"{name} must look like C:")

    def to_document(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"id": self.id, "type": self.type, "check": self.check}
        for name in COMPLIANCE_PARAMETERS[self.check]:
            doc[name] = getattr(self, name)
        return doc

    def describe_diff(self, result: ResourceResult) -> str:
        if result.error:
            return f"compliance {self.id}: FAILED: {result.error}"
        verdict = "compliant" if result.compliant else "NOT COMPLIANT"
        return f"compliance {self.id} ({self.check}): {verdict} (observed {result.observed!r})"


Resource: TypeAlias = (
    MsiPackage | File | RegistryValue | Service | PowerSetting | BitLocker | ComplianceCheck
)

RESOURCE_TYPES: Mapping[str, type[Resource]] = {
    cls.type: cls
    for cls in (MsiPackage, File, RegistryValue, Service, PowerSetting, BitLocker, ComplianceCheck)
}


def _file_from_mapping(data: dict[str, Any]) -> dict[str, Any]:
    """Accept ``content`` (text) or ``content_b64`` for a file resource."""
    if "content" in data and "content_b64" in data:
        raise ResourceError(f"resource {data.get('id')!r}: give content or content_b64, not both")
    if "content" in data:
        text = data.pop("content")
        if not isinstance(text, str):
            raise ResourceError(f"resource {data.get('id')!r}: content must be text")
        data["content"] = text.encode("utf-8")
    elif "content_b64" in data:
        try:
            data["content"] = base64.b64decode(str(data.pop("content_b64")), validate=True)
        except ValueError:
            raise ResourceError(f"resource {data.get('id')!r}: content_b64 is not base64") from None
    return data


def _registry_from_mapping(data: dict[str, Any]) -> dict[str, Any]:
    if "value_type" not in data and "data_type" in data:
        data["value_type"] = data.pop("data_type")
    if isinstance(data.get("data"), list):
        data["data"] = tuple(str(s) for s in data["data"])
    elif data.get("value_type") in ("dword", "qword") and isinstance(data.get("data"), str):
        try:
            data["data"] = int(data["data"], 0)
        except ValueError:
            raise ResourceError(
                f"resource {data.get('id')!r}: {data['value_type']} data must be an integer"
            ) from None
    return data


def _msi_from_mapping(data: dict[str, Any]) -> dict[str, Any]:
    if isinstance(data.get("arguments"), list):
        data["arguments"] = tuple(str(a) for a in data["arguments"])
    return data


_ADAPTERS: Mapping[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "file": _file_from_mapping,
    "registry_value": _registry_from_mapping,
    "msi_package": _msi_from_mapping,
}


def resource_from_mapping(data: Mapping[str, Any], index: int = 0) -> Resource:
    """Build a resource from plain data (Ansible task args); errors name the list position."""
    if not isinstance(data, Mapping):
        raise ResourceError(f"resource #{index + 1} must be a mapping, got {type(data).__name__}")
    values = dict(data)
    kind = values.pop("type", None)
    cls = RESOURCE_TYPES.get(str(kind))
    if cls is None:
        raise ResourceError(
            f"resource #{index + 1} ({values.get('id')!r}): unknown type {kind!r}; "
            f"known: {sorted(RESOURCE_TYPES)}"
        )
    adapter = _ADAPTERS.get(cls.type)
    if adapter is not None:
        values = adapter(values)
    allowed = {f.name for f in fields(cls)}
    unknown = sorted(set(values) - allowed)
    if unknown:
        raise ResourceError(
            f"resource #{index + 1} ({values.get('id')!r}, {kind}): unknown option(s) {unknown}"
        )
    try:
        return cls(**values)
    except TypeError as exc:
        raise ResourceError(
            f"resource #{index + 1} ({values.get('id')!r}, {kind}): {exc}"
        ) from None


def resources_from_list(items: Sequence[Mapping[str, Any]]) -> tuple[Resource, ...]:
    """Parse a list of resources; ids must be unique (the contract keys results by id)."""
    resources = tuple(resource_from_mapping(item, i) for i, item in enumerate(items))
    seen: set[str] = set()
    for resource in resources:
        if resource.id in seen:
            raise ResourceError(f"resource id {resource.id!r} is used twice")
        seen.add(resource.id)
    return resources


@dataclass(frozen=True)
class Document:
    """The JSON document one agent run applies."""

    resources: tuple[Resource, ...]
    check_mode: bool = False
    diff: bool = False
    gather_facts: bool = True
    extra: Mapping[str, Any] = field(default_factory=dict)

    def to_json_data(self) -> dict[str, Any]:
        return {
            "contract": 1,
            "check_mode": self.check_mode,
            "diff": self.diff,
            "gather_facts": self.gather_facts,
            "resources": [r.to_document() for r in self.resources],
        }

    def only(self, ids: set[str]) -> Document:
        """The same document restricted to some resources (for a targeted retry)."""
        return Document(
            resources=tuple(r for r in self.resources if r.id in ids),
            check_mode=self.check_mode,
            diff=self.diff,
            gather_facts=False,
        )
