"""Typed results of one agent run (contract v1 ``Result``), parsed defensively from JSON."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


class ResultFormatError(ValueError):
    """The agent's output is not a contract-v1 result; the message says what is wrong."""


@dataclass(frozen=True)
class ResourceResult:
    """Outcome of one resource: what was observed, what it is (or would be) now."""

    id: str
    type: str
    changed: bool = False
    skipped: bool = False
    before: Mapping[str, Any] = field(default_factory=dict)
    after: Mapping[str, Any] = field(default_factory=dict)
    reboot_required: bool = False
    error: str | None = None
    exit_code: int | None = None
    retryable: bool = False
    log_excerpt: str | None = None
    compliant: bool | None = None
    observed: Any = None

    @property
    def failed(self) -> bool:
        return self.error is not None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form for Ansible results (only keys the contract defines)."""
        data: dict[str, Any] = {
            "id": self.id,
            "type": self.type,
            "changed": self.changed,
            "skipped": self.skipped,
            "before": dict(self.before),
            "after": dict(self.after),
            "reboot_required": self.reboot_required,
            "error": self.error,
            "exit_code": self.exit_code,
            "retryable": self.retryable,
        }
        if self.log_excerpt is not None:
            data["log_excerpt"] = self.log_excerpt
        if self.compliant is not None:
            data["compliant"] = self.compliant
            data["observed"] = self.observed
        return data


@dataclass(frozen=True)
class AgentResult:
    """The whole result line of one agent invocation."""

    hostname: str
    check_mode: bool
    changed: bool
    reboot_required: bool
    failed: bool
    document_error: str | None
    results: tuple[ResourceResult, ...]
    facts: Mapping[str, Any] = field(default_factory=dict)
    exit_code: int = 0

    def result_for(self, resource_id: str) -> ResourceResult | None:
        return next((r for r in self.results if r.id == resource_id), None)

    @property
    def errors(self) -> tuple[ResourceResult, ...]:
        return tuple(r for r in self.results if r.failed)


def _bool(data: Mapping[str, Any], key: str, where: str) -> bool:
    value = data.get(key, False)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise ResultFormatError(f"{where}: {key!r} must be true/false, got {value!r}")
    return value


def _mapping(data: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
    value = data.get(key) or {}
    if not isinstance(value, Mapping):
        raise ResultFormatError(f"{where}: {key!r} must be an object, got {type(value).__name__}")
    return value


def _opt_str(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    return None if value is None else str(value)


def _opt_int(data: Mapping[str, Any], key: str, where: str) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ResultFormatError(f"{where}: {key!r} must be an integer, got {value!r}")
    try:
        return int(value)
    except ValueError:
        raise ResultFormatError(f"{where}: {key!r} must be an integer, got {value!r}") from None


def resource_result_from_json(data: Any, index: int) -> ResourceResult:
    where = f"result #{index}"
    if not isinstance(data, Mapping):
        raise ResultFormatError(f"{where} is not an object")
    if not isinstance(data.get("id"), str) or not isinstance(data.get("type"), str):
        raise ResultFormatError(f"{where} lacks a string 'id' and 'type'")
    where = f"result {data['id']!r}"
    compliant = data.get("compliant")
    if compliant is not None and not isinstance(compliant, bool):
        raise ResultFormatError(f"{where}: 'compliant' must be true/false")
    return ResourceResult(
        id=data["id"],
        type=data["type"],
        changed=_bool(data, "changed", where),
        skipped=_bool(data, "skipped", where),
        before=_mapping(data, "before", where),
        after=_mapping(data, "after", where),
        reboot_required=_bool(data, "reboot_required", where),
        error=_opt_str(data, "error"),
        exit_code=_opt_int(data, "exit_code", where),
        retryable=_bool(data, "retryable", where),
        log_excerpt=_opt_str(data, "log_excerpt"),
        compliant=compliant,
        observed=data.get("observed"),
    )


def agent_result_from_json(data: Any, exit_code: int = 0) -> AgentResult:
    if not isinstance(data, Mapping):
        raise ResultFormatError("agent result is not a JSON object")
    contract = data.get("contract")
    if contract != 1:
        raise ResultFormatError(f"agent result has contract {contract!r}, expected 1")
    raw_results = data.get("results") or []
    if not isinstance(raw_results, list):
        raise ResultFormatError("agent result 'results' must be a list")
    results = tuple(resource_result_from_json(r, i) for i, r in enumerate(raw_results))
    where = "agent result"
    return AgentResult(
        hostname=str(data.get("hostname") or ""),
        check_mode=_bool(data, "check_mode", where),
        changed=_bool(data, "changed", where) or any(r.changed for r in results),
        reboot_required=_bool(data, "reboot_required", where)
        or any(r.reboot_required for r in results),
        failed=_bool(data, "failed", where) or any(r.failed for r in results),
        document_error=_opt_str(data, "document_error"),
        results=results,
        facts=_mapping(data, "facts", where),
        exit_code=exit_code,
    )
