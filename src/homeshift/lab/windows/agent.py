"""The desktop agent contract (docs/desktop-agent-contract.md) applied to the desktop model.

The controller ships the real PowerShell agent over stdin; the lab recognises it by its marker
and does here, over the model, what that script does on Windows: test each resource, apply it
unless in check mode, and print one ``HOMESHIFT-RESULT {json}`` line.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from homeshift.lab.windows import share
from homeshift.lab.windows.desktop import (
    REG_KINDS,
    DesktopError,
    DesktopState,
    install_package_effects,
    power_alias,
    remove_package_effects,
    start_mode_of,
)
from homeshift.lab.windows.faults import DesktopFaults

CONTRACT = 1
RESULT_PREFIX = "HOMESHIFT-RESULT "
_GUID = re.compile(
    r"^\{[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\}$"
)
_TYPES = (
    "msi_package",
    "file",
    "registry_value",
    "service",
    "power_setting",
    "bitlocker",
    "compliance",
)
_START_MODES = {
    "auto": ("Automatic", False),
    "delayed": ("Automatic", True),
    "manual": ("Manual", False),
    "disabled": ("Disabled", False),
}
DEFAULT_MSI_ARGS = ["/qn", "/norestart"]


class DocumentError(ValueError):
    """The document is not a valid contract-1 document (exit code 2)."""


@dataclass
class AgentRun:
    result: dict[str, Any]
    exit_code: int
    reboot_down_s: float | None = None


@dataclass
class _Item:
    id: str
    type: str
    params: dict[str, Any]


def validate(document: Any) -> tuple[bool, bool, bool, list[_Item]]:
    if not isinstance(document, dict):
        raise DocumentError("document is not a JSON object")
    if document.get("contract") != CONTRACT:
        raise DocumentError(f"contract must be {CONTRACT}, got {document.get('contract')!r}")
    resources = document.get("resources")
    if not isinstance(resources, list):
        raise DocumentError("resources must be a list")
    items: list[_Item] = []
    seen: set[str] = set()
    for n, res in enumerate(resources):
        if not isinstance(res, dict):
            raise DocumentError(f"resources[{n}] is not an object")
        rid, rtype = res.get("id"), res.get("type")
        if not isinstance(rid, str) or not rid:
            raise DocumentError(f"resources[{n}] has no id")
        if rid in seen:
            raise DocumentError(f"resource id {rid!r} is used twice")
        if rtype not in _TYPES:
            raise DocumentError(f"resource {rid!r}: unknown type {rtype!r}")
        seen.add(rid)
        items.append(_Item(rid, str(rtype), res))
    return (
        bool(document.get("check_mode", False)),
        bool(document.get("diff", False)),
        bool(document.get("gather_facts", False)),
        items,
    )


def run_agent(
    document_text: str,
    view: Callable[[], DesktopState],
    edit: Callable[[], DesktopState],
    faults: DesktopFaults | None,
) -> AgentRun:
    """Apply a contract document; never raises for bad input (that is ``document_error``)."""
    hostname = view().hostname
    result: dict[str, Any] = {
        "contract": CONTRACT,
        "hostname": hostname,
        "check_mode": False,
        "changed": False,
        "reboot_required": False,
        "failed": False,
        "document_error": None,
        "results": [],
        "facts": {},
    }
    try:
        document = json.loads(document_text)
        check_mode, diff, gather, items = validate(document)
    except (ValueError, DocumentError) as exc:
        result["failed"] = True
        result["document_error"] = str(exc)
        return AgentRun(result, 2)
    result["check_mode"] = check_mode
    faults = faults or DesktopFaults()
    context = ApplyContext(view, edit, check_mode, diff, faults)
    reboot_after: float | None = None
    stop = False
    for item in items:
        entry: dict[str, Any] = {
            "id": item.id,
            "type": item.type,
            "changed": False,
            "skipped": False,
            "before": None,
            "after": None,
            "reboot_required": False,
            "error": None,
            "exit_code": None,
            "retryable": False,
        }
        if stop:
            entry["skipped"] = True
            result["results"].append(entry)
            continue
        try:
            _APPLY[item.type](item.params, entry, context)
        except (DesktopError, KeyError, TypeError, ValueError, AttributeError) as exc:
            entry["error"] = entry["error"] or _message(exc)
        if entry["error"]:
            result["failed"] = True
            if item.params.get("stop_on_error"):
                stop = True
        result["changed"] |= bool(entry["changed"])
        result["reboot_required"] |= bool(entry["reboot_required"])
        result["results"].append(entry)
        if (
            item.type == "msi_package"
            and entry["changed"]
            and not check_mode
            and faults.reboot_midway_s is not None
        ):
            reboot_after = faults.reboot_midway_s
            faults.reboot_midway_s = None
            edit().pending_reboot = True
            break  # the desktop goes down now; the rest never runs, no result is printed
    if result["reboot_required"] and not check_mode:
        edit().pending_reboot = True
    if gather:
        result["facts"] = view().facts()
    return AgentRun(result, 1 if result["failed"] else 0, reboot_after)


def _message(exc: BaseException) -> str:
    if isinstance(exc, KeyError):
        return f"missing parameter {exc.args[0]!r}"
    return str(exc)


def render_output(run: AgentRun) -> str:
    return RESULT_PREFIX + json.dumps(run.result, separators=(",", ":")) + "\r\n"


# ---- resources -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ApplyContext:
    """What every resource handler shares for one document run.

    ``view`` reads the desktop without marking it dirty; ``edit`` returns the same state for
    writing (the lab persists it). ``faults`` is shared and mutable on purpose: handlers
    consume one-shot injected faults from it.
    """

    view: Callable[[], DesktopState]
    edit: Callable[[], DesktopState]
    check: bool
    diff: bool
    faults: DesktopFaults


Apply = Callable[[dict[str, Any], dict[str, Any], ApplyContext], None]


def _msi(p: dict[str, Any], e: dict[str, Any], ctx: ApplyContext) -> None:
    code = str(p["product_code"])
    if not _GUID.match(code):
        raise DesktopError(f"product_code {code!r} is not a {{GUID}}")
    state_wanted = p.get("state", "present")
    version = p.get("version")
    key = f"{share.UNINSTALL_KEY}\\{code}"
    state = ctx.view()
    installed = state.reg_key_exists(key)
    have_version = state.reg_get(key, "DisplayVersion")
    have = None if have_version is None else str(have_version.data)
    e["before"] = {"installed": installed, "version": have}
    if state_wanted == "present":
        in_state = installed and (version is None or have == str(version))
    elif state_wanted == "absent":
        in_state = not installed
    else:
        raise DesktopError(f"state must be present or absent, not {state_wanted!r}")
    if in_state:
        e["after"] = dict(e["before"])
        e["exit_code"] = None
        return
    e["changed"] = True
    if ctx.check:
        e["after"] = {
            "installed": state_wanted == "present",
            "version": str(version) if state_wanted == "present" else None,
        }
        return
    source = str(p.get("source") or "")
    if state_wanted == "present" and (not source or state.read_file(source) is None):
        e["changed"] = False
        e["after"] = e["before"]
        e["exit_code"] = 1619
        e["error"] = f"installer not found: {source}"
        return
    log_path = str(p.get("log_path") or "C:\\Windows\\Temp\\homeshift-msi.log")
    exit_code, log = _msiexec(p, code, state_wanted, ctx)
    e["exit_code"] = exit_code
    if not ctx.faults.disk_full:
        with contextlib.suppress(DesktopError):  # a full disk cannot take the log either
            ctx.edit().write_file(log_path, "\r\n".join(log).encode())
    errors = {
        1618: "another installation is in progress (msiexec 1618)",
        1603: "fatal error during installation (msiexec 1603)",
        1619: f"installation package could not be opened (msiexec 1619): {source}",
    }
    if exit_code not in (0, 3010, 1641):
        e["changed"] = False
        e["after"] = e["before"]
        e["retryable"] = exit_code == 1618
        e["error"] = errors.get(exit_code, f"msiexec exited with {exit_code}")
        if exit_code == 1603:
            excerpt = [ln for ln in log if "Return value 3" in ln or "Error" in ln]
            e["log_excerpt"] = "\n".join(excerpt[-20:])
        return
    e["reboot_required"] = exit_code in (3010, 1641)
    after = ctx.view()
    now_version = after.reg_get(key, "DisplayVersion")
    e["after"] = {
        "installed": after.reg_key_exists(key),
        "version": None if now_version is None else str(now_version.data),
    }


def _msiexec(
    p: dict[str, Any],
    code: str,
    wanted: str,
    ctx: ApplyContext,
) -> tuple[int, list[str]]:
    """Run the emulated msiexec; returns (exit code, MSI log lines)."""
    log = [f"=== Verbose logging started: homeshift lab msiexec {code} ==="]
    forced = ctx.faults.take_msi_exit(code)
    if forced is not None and forced not in (0, 3010, 1641, 1603):
        log.append(f"MSI (c) Error {forced}: forced by the lab (fault injection).")
        if forced == 1618:
            log.append("MSI (c) Another installation is in progress.")
        return forced, log
    if wanted == "absent":
        package = share.package_by_code(code)
        state = ctx.edit()
        if package is not None and remove_package_effects(state, package):
            log.append("MSI (s) Product: removed. Return value 1.")
            return 0, log
        if state.reg_delete_key(f"{share.UNINSTALL_KEY}\\{code}"):
            return 0, log
        log.append("MSI (c) Error 1605: This action is only valid for products that are installed.")
        return 1605, log
    source = str(p.get("source") or "")
    state = ctx.edit()
    package = share.package_at(source) if source.startswith("\\\\") else None
    data = state.read_file(source) if source else None
    if data is None:
        log.append(f"MSI (c) Error 1619: This installation package could not be opened. {source}")
        return 1619, log
    if package is None:
        package = next((pk for pk in share.PACKAGES if pk.content == data), None)
    if package is None or package.product_code != code:
        log.append(
            "MSI (c) Error 1619: the package is not a valid Windows Installer package "
            f"for product {code}."
        )
        log.append("Return value 3.")
        return (1619 if package is None else 1603), log
    if forced == 1603:
        log.append("MSI (s) Error 1722: There is a problem with this Windows Installer package.")
        log.append("Action ended: InstallFinalize. Return value 3.")
        return 1603, log
    if ctx.faults.disk_full or state.volumes["C:"].free_gb < package.size_mb / 1024:
        log.append("MSI (s) Error 1601: Out of disk space -- Volume: 'C:'.")
        log.append("Action ended: InstallValidate. Return value 3.")
        return 1603, log
    if package.requires_core:
        core_here = any(
            pk.family == package.family
            and pk.module == "core-vpn"
            and state.reg_key_exists(pk.uninstall_key)
            for pk in share.PACKAGES
        )
        if not core_here:
            log.append(f"MSI (s) Error 1708: {package.display_name} requires the core VPN module.")
            log.append("Action ended: LaunchConditions. Return value 3.")
            return 1603, log
    install_package_effects(state, package)
    state.consume_disk("C:", package.size_mb / 1024)
    log.append(f"MSI (s) Product: {package.display_name} -- Installation completed successfully.")
    log.append("Action ended: INSTALL. Return value 1.")
    if forced in (3010, 1641):
        return forced, log
    if package.reboot_required or _reboot_desktop(state, package):
        return 3010, log
    return 0, log


def _reboot_desktop(state: DesktopState, package: share.MsiPackage) -> bool:
    """About one desktop in ten asks for a reboot after the core VPN install."""
    digest = hashlib.sha256(f"{state.hostname}/{package.product_code}".encode()).digest()
    return package.module == "core-vpn" and digest[0] < 26


def _file(p: dict[str, Any], e: dict[str, Any], ctx: ApplyContext) -> None:
    path = str(p["path"])
    wanted = p.get("state", "present")
    state = ctx.view()
    data = state.read_file(path)
    before: dict[str, Any] = {
        "exists": data is not None,
        "sha256": None if data is None else hashlib.sha256(data).hexdigest(),
    }
    if ctx.diff and data is not None and len(data) <= 65536:
        before["content"] = data.decode("utf-8", errors="replace")
    e["before"] = before
    if wanted == "absent":
        if data is None:
            e["after"] = before
            return
        e["changed"] = True
        e["after"] = {"exists": False, "sha256": None}
        if not ctx.check:
            ctx.edit().delete_file(path)
        return
    if wanted != "present":
        raise DesktopError(f"state must be present or absent, not {wanted!r}")
    content = base64.b64decode(str(p["content_b64"]), validate=True)
    sha = str(p.get("sha256") or "").lower()
    if hashlib.sha256(content).hexdigest() != sha:
        e["error"] = "content does not match its sha256 (document corrupted in transit)"
        return
    after: dict[str, Any] = {"exists": True, "sha256": sha}
    if ctx.diff and len(content) <= 65536:
        after["content"] = content.decode("utf-8", errors="replace")
    e["after"] = after
    if before["sha256"] == sha:
        return
    e["changed"] = True
    if not ctx.check:
        if ctx.faults.disk_full:
            raise DesktopError("There is not enough space on the disk.")
        ctx.edit().write_file(path, content)


def _reg_data(kind: str, data: Any) -> Any:
    if kind in ("dword", "qword"):
        return int(data)
    if kind == "multistring":
        return [str(x) for x in data] if isinstance(data, list) else [str(data)]
    return str(data)


def _registry(p: dict[str, Any], e: dict[str, Any], ctx: ApplyContext) -> None:
    path, name = str(p["path"]), str(p["name"])
    wanted = p.get("state", "present")
    current = ctx.view().reg_get(path, name)
    e["before"] = {
        "exists": current is not None,
        "value_type": None if current is None else current.kind,
        "data": None if current is None else current.data,
    }
    if wanted == "absent":
        e["after"] = {"exists": False, "value_type": None, "data": None}
        if current is not None:
            e["changed"] = True
            if not ctx.check:
                ctx.edit().reg_delete_value(path, name)
        return
    kind = str(p.get("value_type") or p.get("data_type") or "string").lower()
    if kind not in REG_KINDS:
        raise DesktopError(f"value_type {kind!r} is not one of {', '.join(REG_KINDS)}")
    data = _reg_data(kind, p["data"])
    e["after"] = {"exists": True, "value_type": kind, "data": data}
    if current is not None and current.kind == kind and current.data == data:
        return
    e["changed"] = True
    if not ctx.check:
        ctx.edit().reg_set(path, name, kind, data)


def _service(p: dict[str, Any], e: dict[str, Any], ctx: ApplyContext) -> None:
    name = str(p["name"])
    svc = ctx.view().service(name)
    if svc is None:
        raise DesktopError(f"service {name} is not installed")
    e["before"] = {"state": svc.status.lower(), "start_mode": start_mode_of(svc)}
    want_state = p.get("state", "running")
    want_mode = p.get("start_mode", "auto")
    if want_state not in (None, "running", "stopped"):
        raise DesktopError(f"service state must be running or stopped, not {want_state!r}")
    if want_mode is not None and want_mode not in _START_MODES:
        raise DesktopError(f"start_mode must be one of {', '.join(_START_MODES)}")
    after = {
        "state": want_state or e["before"]["state"],
        "start_mode": want_mode or e["before"]["start_mode"],
    }
    e["after"] = after
    if after == e["before"]:
        return
    e["changed"] = True
    if ctx.check:
        return
    target = ctx.edit().service(name)
    assert target is not None
    if want_mode is not None:
        target.start_type, target.delayed = _START_MODES[want_mode]
    if want_state == "running" and target.start_type == "Disabled":
        e["changed"] = True
        raise DesktopError(f"Service '{name}' cannot be started because it is disabled.")
    if want_state is not None:
        target.status = "Running" if want_state == "running" else "Stopped"


def _power(p: dict[str, Any], e: dict[str, Any], ctx: ApplyContext) -> None:
    sub, setting = power_alias(str(p["subgroup"])), power_alias(str(p["setting"]))
    ac, dc = int(p["ac"]), int(p["dc"])
    current = ctx.view().power_value(sub, setting)
    e["before"] = {"ac": current[0], "dc": current[1]}
    e["after"] = {"ac": ac, "dc": dc}
    if current == [ac, dc]:
        return
    e["changed"] = True
    if not ctx.check:
        target = ctx.edit().power_value(sub, setting)
        target[0], target[1] = ac, dc


def _bitlocker(p: dict[str, Any], e: dict[str, Any], ctx: ApplyContext) -> None:
    mount = str(p.get("mount_point", "C:")).upper().rstrip("\\")
    state = ctx.view()
    volume = state.volumes.get(mount)
    if volume is None:
        raise DesktopError(f"Cannot find a volume with mount point {mount}.")
    e["before"] = {
        "protection_status": volume.protection_status,
        "volume_status": volume.volume_status,
    }
    if volume.protection_status == "On" or volume.volume_status == "EncryptionInProgress":
        e["after"] = dict(e["before"])
        return
    if not state.tpm_present:
        raise DesktopError(
            "A compatible Trusted Platform Module (TPM) Security Device cannot "
            "be found on this computer."
        )
    e["changed"] = True
    e["after"] = {"protection_status": "On", "volume_status": "EncryptionInProgress"}
    if ctx.check:
        return
    target = ctx.edit().volumes[mount]
    target.protection_status = "On"
    target.volume_status = "EncryptionInProgress"
    target.encryption_percentage = 1
    method = str(p.get("encryption_method", "XtsAes256"))
    target.encryption_method = (
        method if method in ("XtsAes128", "XtsAes256", "Aes128", "Aes256") else "XtsAes256"
    )


def _compliance(p: dict[str, Any], e: dict[str, Any], ctx: ApplyContext) -> None:
    state = ctx.view()
    name = p.get("check")
    observed: Any
    if name == "os_build_min":
        observed = state.build
        compliant = state.build >= int(p["build"])
    elif name == "free_disk_gb_min":
        drive = str(p.get("drive", "C:")).upper()
        volume = state.volumes.get(drive)
        observed = (
            None if volume is None else round(0.0 if ctx.faults.disk_full else volume.free_gb, 1)
        )
        compliant = observed is not None and observed >= float(p["gb"])
    elif name == "tpm_present":
        observed = state.tpm_present
        compliant = observed
    elif name == "bitlocker_protected":
        volume = state.volumes.get(str(p.get("mount_point", "C:")).upper())
        observed = None if volume is None else volume.protection_status
        compliant = observed == "On"
    elif name == "network_adapter":
        kind = str(p["kind"])
        observed = [a["name"] for a in state.adapters if a["kind"] == kind]
        compliant = bool(observed)
    else:
        raise DesktopError(f"unknown compliance check {name!r}")
    e["compliant"] = compliant
    e["observed"] = observed


_APPLY: dict[str, Apply] = {
    "msi_package": _msi,
    "file": _file,
    "registry_value": _registry,
    "service": _service,
    "power_setting": _power,
    "bitlocker": _bitlocker,
    "compliance": _compliance,
}
