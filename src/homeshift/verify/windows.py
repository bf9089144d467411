"""testinfra-style modules for Windows desktops, on top of ``host.run`` only.

testinfra's ``winrm://`` backend sends every command through cmd.exe and opens a new shell per
command, and its own Windows modules send bare PowerShell cmdlets that cmd.exe does not know
(reference windows.md §3). So the project checks a desktop with its own small modules: each is
a *probe*, one PowerShell pipeline that prints one line of JSON, and any number of probes run in
ONE ``powershell.exe -EncodedCommand`` per host (a :class:`Batch`), delimited by marker lines::

    batch = Batch(host)
    svc = batch.add(WindowsServiceState(host, "csc_vpnagent"))
    reg = batch.add(RegistryValue(host, r"HKLM:\\SOFTWARE\\...\\Winlogon", "CachedLogonsCount"))
    batch.run()                       # one WinRM command
    assert svc.status == "Running" and reg.value == "25"

Used alone, a module runs its own probe on first access (one command each). Only cmdlets the
Windows lab documents are used: Get-ItemProperty, Get-Service, Get-FileHash, Get-Content,
Select-Object, ConvertTo-Json, Write-Output.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable, Sequence
from typing import Any, Protocol, TypeVar

from homeshift.windows.quoting import ps_single_quote

MARKER = "##HOMESHIFT-PROBE## "
UNINSTALL_KEYS = (
    "HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall",
    "HKLM:\\SOFTWARE\\WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Uninstall",
)
#: ServiceControllerStatus / ServiceStartMode numbers, as Windows PowerShell's ConvertTo-Json
#: writes enums.
SERVICE_STATUS = {1: "Stopped", 2: "StartPending", 3: "StopPending", 4: "Running", 7: "Paused"}
SERVICE_START = {0: "Boot", 1: "System", 2: "Automatic", 3: "Manual", 4: "Disabled"}


class CommandResult(Protocol):
    @property
    def rc(self) -> int: ...
    @property
    def stdout(self) -> str: ...
    @property
    def stderr(self) -> str: ...


class CommandHost(Protocol):
    """What the modules need from a testinfra ``host``: ``run``."""

    def run(self, command: str, *args: str) -> Any: ...


class WindowsProbeError(RuntimeError):
    """The desktop did not answer the probe command at all (no marker came back)."""


def powershell_command(script: str) -> str:
    """A cmd.exe command line running ``script`` in Windows PowerShell, quoting-free.

    ``-EncodedCommand`` (base64 of UTF-16LE) avoids cmd.exe and PowerShell quoting entirely.
    """
    encoded = base64.b64encode(script.encode("utf-16-le")).decode("ascii")
    return (
        "powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass "
        f"-EncodedCommand {encoded}"
    )


class Probe:
    """Base of the modules: one pipeline, its parsed JSON output, lazily fetched."""

    key: str = ""

    def __init__(self, host: CommandHost) -> None:
        self._host = host
        self._loaded = False
        self._data: Any = None

    @property
    def host(self) -> CommandHost:
        return self._host

    def script(self) -> str:
        raise NotImplementedError

    def load(self, data: Any) -> None:
        """Store the probe's decoded JSON (None: no output, i.e. not found)."""
        self._data = data
        self._loaded = True

    @property
    def data(self) -> Any:
        if not self._loaded:
            Batch(self._host, [self]).run()
        return self._data


P = TypeVar("P", bound=Probe)


class Batch:
    """Many probes, one PowerShell command on the host."""

    def __init__(self, host: CommandHost, probes: Iterable[Probe] = ()) -> None:
        self._host = host
        self._probes: list[Probe] = list(probes)

    def add(self, probe: P) -> P:
        self._probes.append(probe)
        return probe

    def script(self) -> str:
        lines: list[str] = []
        for index, probe in enumerate(self._probes):
            lines.append(f"Write-Output {ps_single_quote(f'{MARKER}{index}')}")
            lines.append(probe.script())
        lines.append(f"Write-Output {ps_single_quote(f'{MARKER}end')}")
        return "\n".join(lines)

    def run(self) -> None:
        if not self._probes:
            return
        result = self._host.run(powershell_command(self.script()))
        sections = split_sections(str(result.stdout))
        if "end" not in sections:
            stderr = str(getattr(result, "stderr", "")).strip()[-300:]
            raise WindowsProbeError(
                f"probe command did not complete (exit {getattr(result, 'rc', '?')}): {stderr}"
            )
        for index, probe in enumerate(self._probes):
            probe.load(decode_json(sections.get(str(index), "")))


def split_sections(stdout: str) -> dict[str, str]:
    """Marker id -> the text printed after that marker (up to the next one)."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in stdout.replace("\r\n", "\n").split("\n"):
        if line.startswith(MARKER):
            current = sections.setdefault(line[len(MARKER) :].strip(), [])
        elif current is not None:
            current.append(line)
    return {key: "\n".join(lines).strip() for key, lines in sections.items()}


def decode_json(text: str) -> Any:
    """JSON of one probe; None when it printed nothing (item not found).

    Windows PowerShell 5.1 serialises strings that carry extended properties (Get-Content)
    as ``{"value": ..., "PSPath": ...}``; that wrapper is removed.
    """
    if not text:
        return None
    data: Any = None
    for candidate in (text, *text.split("\n")):  # several statements: the first that answered
        try:
            data = json.loads(candidate)
            break
        except ValueError:
            continue
    else:
        return None
    if isinstance(data, dict) and "value" in data and "PSPath" in data:
        return data["value"]
    return data


def _select(obj: Any, name: str) -> Any:
    if isinstance(obj, dict):
        for key, value in obj.items():
            if key.lower() == name.lower():
                return value
    return None


class RegistryValue(Probe):
    """``RegistryValue(host, r"HKLM:\\...\\Winlogon", "CachedLogonsCount").value``."""

    def __init__(self, host: CommandHost, path: str, name: str) -> None:
        super().__init__(host)
        self.path, self.name = path, name

    def script(self) -> str:
        return (
            f"Get-ItemProperty -LiteralPath {ps_single_quote(self.path)} "
            f"-Name {ps_single_quote(self.name)} | Select-Object {ps_single_quote(self.name)} "
            "| ConvertTo-Json -Compress"
        )

    @property
    def exists(self) -> bool:
        return isinstance(self.data, dict)

    @property
    def value(self) -> Any:
        return _select(self.data, self.name)


class MsiProduct(Probe):
    """An installed MSI product by ProductCode: ``MsiProduct(host, "{GUID}").version``.

    Reads the uninstall key in both the 64-bit and the 32-bit (WOW6432Node) view.
    """

    def __init__(self, host: CommandHost, product_code: str) -> None:
        super().__init__(host)
        self.product_code = product_code.upper()

    def script(self) -> str:
        paths = [key + "\\" + self.product_code for key in UNINSTALL_KEYS]
        return "\n".join(
            f"Get-ItemProperty -LiteralPath {ps_single_quote(path)} -ErrorAction SilentlyContinue "
            "| Select-Object DisplayName,DisplayVersion | ConvertTo-Json -Compress"
            for path in paths
        )

    @property
    def installed(self) -> bool:
        return self.version is not None

    @property
    def version(self) -> str | None:
        value = _select(self.data, "DisplayVersion")
        return str(value) if value is not None else None

    @property
    def display_name(self) -> str | None:
        value = _select(self.data, "DisplayName")
        return str(value) if value is not None else None


class WindowsServiceState(Probe):
    """``WindowsServiceState(host, "csc_vpnagent")``: ``.exists``, ``.status``, ``.start_type``."""

    def __init__(self, host: CommandHost, name: str) -> None:
        super().__init__(host)
        self.name = name

    def script(self) -> str:
        return (
            f"Get-Service -Name {ps_single_quote(self.name)} -ErrorAction SilentlyContinue "
            "| Select-Object Name,Status,StartType | ConvertTo-Json -Compress"
        )

    @property
    def exists(self) -> bool:
        return isinstance(self.data, dict)

    @property
    def status(self) -> str | None:
        return _enum_name(_select(self.data, "Status"), SERVICE_STATUS)

    @property
    def start_type(self) -> str | None:
        return _enum_name(_select(self.data, "StartType"), SERVICE_START)


def _enum_name(value: Any, names: dict[int, str]) -> str | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return names.get(value, str(value))
    return str(value)


class FileHash(Probe):
    """``FileHash(host, r"C:\\...\\homeshift.xml").sha256`` (lower-case hex, None if missing)."""

    def __init__(self, host: CommandHost, path: str) -> None:
        super().__init__(host)
        self.path = path

    def script(self) -> str:
        return (
            f"Get-FileHash -LiteralPath {ps_single_quote(self.path)} -Algorithm SHA256 "
            "| Select-Object Hash | ConvertTo-Json -Compress"
        )

    @property
    def exists(self) -> bool:
        return self.sha256 is not None

    @property
    def sha256(self) -> str | None:
        value = _select(self.data, "Hash")
        return str(value).lower() if value else None


_HOST_ADDRESS = re.compile(r"<HostAddress>\s*([^<\s]+)\s*</HostAddress>")


class VpnProfile(Probe):
    """The VPN client profile XML on the desktop: ``.content`` and the ``.host_addresses``."""

    def __init__(self, host: CommandHost, path: str) -> None:
        super().__init__(host)
        self.path = path

    def script(self) -> str:
        return (
            f"Get-Content -LiteralPath {ps_single_quote(self.path)} -Raw | ConvertTo-Json -Compress"
        )

    @property
    def exists(self) -> bool:
        return self.content is not None

    @property
    def content(self) -> str | None:
        data = self.data
        return data.removeprefix("\ufeff") if isinstance(data, str) else None

    @property
    def host_addresses(self) -> tuple[str, ...]:
        return tuple(_HOST_ADDRESS.findall(self.content or ""))


def first_difference(expected: str, actual: str) -> str:
    """A short description of the first line that differs (for a red reason, no full diff)."""
    want = expected.replace("\r\n", "\n").split("\n")
    have = actual.replace("\r\n", "\n").split("\n")
    for number, (a, b) in enumerate(zip(want, have, strict=False), start=1):
        if a != b:
            return f"line {number} is {b.strip()[:80]!r}, expected {a.strip()[:80]!r}"
    if len(want) != len(have):
        return f"has {len(have)} lines, expected {len(want)}"
    return "differs only in line endings"


def run_all(host: CommandHost, probes: Sequence[Probe]) -> None:
    """Fetch every probe in one command."""
    Batch(host, probes).run()
