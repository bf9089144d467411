"""The desktop's command interpreter: cmd.exe built-ins and a documented PowerShell subset.

Nothing is evaluated: each statement is matched against known shapes (regex per command) and
run against the desktop model. A small pipeline engine covers ``| Select-Object``,
``| Where-Object { $_.P -like 'x' }``, ``| Get-ItemProperty`` and ``| ConvertTo-Json``. Anything
else fails the way Windows does (PowerShell error record / cmd "is not recognized", exit 1):
an emulator must never report a silent success. The exact list lives in docs/lab.md.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from homeshift.lab.windows.desktop import (
    POWER_ALIASES,
    POWER_NAMES,
    DesktopError,
    DesktopState,
    RegValue,
    canonical_reg_path,
    normalise_path,
    power_alias,
)

CRLF = "\r\n"
AGENT_SEPARATOR = "\n##HOMESHIFT-DOCUMENT##\n"
AGENT_MARKER = "# homeshift-desktop-agent contract=1"
ANSIBLE_SEPARATOR = b"\n\0\0\0\0\n"


@dataclass
class Outcome:
    """What a command leaves behind: its streams, exit code, and side effects for the shell."""

    stdout: bytes = b""
    stderr: bytes = b""
    exit_code: int = 0
    kind: str = "command"  # "command" | "agent" | "ansible"
    reboot_down_s: float | None = None  # the desktop reboots (drop connection) after this run
    restart_in_s: float | None = None  # shutdown /r: an orderly restart after the answer


@dataclass
class Invocation:
    """A parsed command line: what runs, and whether it reads stdin to the end first."""

    kind: str  # "cmd" | "powershell" | "agent" | "ansible" | "ps_stdin" | "too_long"
    text: str
    encoded: bool = False

    @property
    def needs_stdin(self) -> bool:
        return self.kind in ("agent", "ansible", "ps_stdin")


_PS_EXE = re.compile(r"^(?:\S*\\)?powershell(?:\.exe)?\s+(?P<args>.*)$", re.IGNORECASE | re.DOTALL)
_ENCODED = re.compile(r"(?:^|\s)-(?:EncodedCommand|enc|ec|e)\s+(?P<b64>[A-Za-z0-9+/=]+)", re.I)
_COMMAND = re.compile(r"(?:^|\s)-(?:Command|c)\s+(?P<script>.*)$", re.IGNORECASE | re.DOTALL)


def parse_invocation(command_line: str) -> Invocation:
    """Classify a WinRS command line (``rsp:Command`` + ``rsp:Arguments``)."""
    text = command_line.strip()
    ps = _PS_EXE.match(text)
    if ps is None:
        return Invocation("cmd", text)
    args = ps.group("args")
    enc = _ENCODED.search(args)
    if enc is not None:
        try:
            script = base64.b64decode(enc.group("b64"), validate=True).decode("utf-16-le")
        except (binascii.Error, UnicodeDecodeError):
            return Invocation("powershell", "\x00invalid-encoded-command", encoded=True)
        if "##HOMESHIFT-DOCUMENT##" in script and "[Console]::In.ReadToEnd()" in script:
            return Invocation("agent", script, encoded=True)
        if "$input" in script.lower() or "[console]::in" in script.lower():
            # Ansible's bootstrap_wrapper reads the exec manifest from stdin
            return Invocation("ansible", script, encoded=True)
        return Invocation("powershell", script, encoded=True)
    cmd = _COMMAND.search(args)
    if cmd is not None:
        script = cmd.group("script").strip()
        if script == "-":
            return Invocation("ps_stdin", "")
        script = script.replace('\\"', '"')
        if len(script) >= 2 and script[0] == script[-1] == '"':
            script = script[1:-1]
        return Invocation("powershell", script)
    return Invocation("powershell", "")


# ---- PowerShell values ---------------------------------------------------------------------


@dataclass(frozen=True)
class PsEnum:
    """An enum value: its name in text output, its number in ConvertTo-Json (as PowerShell)."""

    name: str
    value: int

    def __str__(self) -> str:
        return self.name


SERVICE_STATUS = {"Stopped": 1, "StartPending": 2, "StopPending": 3, "Running": 4}
SERVICE_START = {"Boot": 0, "System": 1, "Automatic": 2, "Manual": 3, "Disabled": 4}
VOLUME_STATUS = {
    "FullyDecrypted": 0,
    "FullyEncrypted": 1,
    "EncryptionInProgress": 2,
    "DecryptionInProgress": 3,
}
PROTECTION_STATUS = {"Off": 0, "On": 1, "Unknown": 2}
ENCRYPTION_METHOD = {"None": 0, "Aes128": 3, "Aes256": 4, "XtsAes128": 6, "XtsAes256": 7}


class PsError(Exception):
    """A PowerShell error record (non-terminating unless the caller says otherwise)."""

    def __init__(self, message: str, category: str, fqid: str, target: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.category = category
        self.fqid = fqid
        self.target = target


def not_recognized(name: str) -> PsError:
    return PsError(
        f"The term '{name}' is not recognized as the name of a cmdlet, function, script file, or "
        "operable program. Check the spelling of the name, or if a path was included, verify "
        "that the path is correct and try again.",
        f"ObjectNotFound: ({name}:String) [], CommandNotFoundException",
        "CommandNotFoundException",
    )


def path_not_found(path: str, cmdlet: str) -> PsError:
    return PsError(
        f"Cannot find path '{path}' because it does not exist.",
        f"ObjectNotFound: ({path}:String) [{cmdlet}], ItemNotFoundException",
        f"PathNotFound,Microsoft.PowerShell.Commands.{cmdlet.replace('-', '')}Command",
    )


def format_error(err: PsError, statement: str) -> list[str]:
    first = statement.split(" ", 1)[0]
    return [
        f"{first} : {err.message}",
        "At line:1 char:1",
        f"+ {statement}",
        "+ " + "~" * max(1, len(statement)),
        f"    + CategoryInfo          : {err.category}",
        f"    + FullyQualifiedErrorId : {err.fqid}",
        " ",
    ]


def clixml(lines: list[str]) -> bytes:
    """stderr as PowerShell writes it when its output is redirected (pywinrm run_ps cleans it)."""
    parts = [f'<S S="Error">{escape(line)}_x000D__x000A_</S>' for line in lines]
    return (
        "#< CLIXML\r\n"
        '<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">'
        + "".join(parts)
        + "</Objs>"
    ).encode()


# ---- argument helpers ----------------------------------------------------------------------

_ARG = r"(?:'(?:[^']|'')*'|\"[^\"]*\"|[^\s|;()]+)"


def unquote(token: str) -> str:
    token = token.strip()
    if len(token) >= 2 and token[0] == token[-1] == "'":
        return token[1:-1].replace("''", "'")
    if len(token) >= 2 and token[0] == token[-1] == '"':
        return token[1:-1].replace('`"', '"')
    return token


def split_top(text: str, separators: str) -> list[str]:
    """Split on separators outside quotes, braces and parentheses."""
    parts: list[str] = []
    depth = 0
    quote = ""
    current: list[str] = []
    for ch in text:
        if quote:
            current.append(ch)
            if ch == quote:
                quote = ""
            continue
        if ch in "'\"":
            quote = ch
        elif ch in "({":
            depth += 1
        elif ch in ")}":
            depth -= 1
        elif ch in separators and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        current.append(ch)
    parts.append("".join(current))
    return [p.strip() for p in parts]


def parse_params(text: str, positional: tuple[str, ...] = ()) -> dict[str, str | bool]:
    """``-Name 'x' -Raw C:`` -> {"name": "x", "raw": True, <positional>: "C:"}."""
    tokens = re.findall(_ARG, text)
    params: dict[str, str | bool] = {}
    pos = list(positional)
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.startswith("-") and len(tok) > 1 and not tok[1].isdigit():
            name = tok[1:].rstrip(":").lower()
            nxt = tokens[i + 1] if i + 1 < len(tokens) else None
            if nxt is not None and not (nxt.startswith("-") and len(nxt) > 1):
                params[name] = unquote(nxt)
                i += 2
                continue
            params[name] = True
        elif pos:
            params[pos.pop(0)] = unquote(tok)
        else:
            raise PsError(
                f"A positional parameter cannot be found that accepts argument '{unquote(tok)}'.",
                "InvalidArgument: (:) [], ParameterBindingException",
                "PositionalParameterNotFound",
            )
        i += 1
    return params


def _required_path(params: dict[str, str | bool], cmdlet: str) -> str:
    path = _param(params, "literalpath", "path")
    if not path:
        raise PsError(
            "Cannot process command because of one or more missing mandatory parameters: Path.",
            f"InvalidArgument: (:) [{cmdlet}], ParameterBindingException",
            f"MissingMandatoryParameter,{cmdlet}",
        )
    return path


def _param(params: dict[str, str | bool], *names: str) -> str | None:
    for name in names:
        value = params.get(name)
        if isinstance(value, str):
            return value
    return None


# ---- the interpreter -----------------------------------------------------------------------


@dataclass
class Session:
    """One command's view of the desktop (reads use ``view``, writes ``edit``)."""

    view: Callable[[], DesktopState]
    edit: Callable[[], DesktopState]
    user: str
    out: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    ok: bool = True  # PowerShell's $?
    restart_in_s: float | None = None


def run_cmd_line(session: Session, text: str) -> int:
    """cmd.exe: built-ins and the executables the project uses. Returns the exit code."""
    stripped = text.strip()
    word, _, rest = stripped.partition(" ")
    name = word.lower().removesuffix(".exe")
    rest = rest.strip()
    state = session.view()
    if name == "hostname":
        session.out.append(state.hostname)
        return 0
    if name == "whoami":
        session.out.append(f"{state.hostname.lower()}\\{session.user.split(chr(92))[-1]}".lower())
        return 0
    if name == "echo":
        session.out.append(_expand_env(rest, state, session.user) if rest else "ECHO is on.")
        return 0
    if name == "ver":
        session.out.extend(["", f"Microsoft Windows [Version 10.0.{state.build}.1]"])
        return 0
    if name == "exit":
        match = re.match(r"^/b\s+(-?\d+)$|^(-?\d+)?$", rest, re.IGNORECASE)
        if match:
            return int(match.group(1) or match.group(2) or 0)
    if name == "powercfg":
        return powercfg(session, rest)
    if name == "shutdown":
        return shutdown(session, rest)
    if name == "reg" and rest.lower().startswith("query"):
        return reg_query(session, rest[5:].strip())
    if name == "sc" and rest.lower().startswith("query"):
        return sc_query(session, rest[5:].strip())
    if name == "net" and rest.lower().startswith("user"):
        return net_user(session, rest[4:].strip())
    if name == "systeminfo" and "findstr" in rest.lower():
        session.out.append(f"OS Name:                   {state.os_caption}")
        session.out.append(f"OS Version:                10.0.{state.build} N/A Build {state.build}")
        return 0
    session.errors.append(
        f"'{word}' is not recognized as an internal or external command,{CRLF}"
        "operable program or batch file."
    )
    return 1


def shutdown(session: Session, rest: str) -> int:
    """``shutdown /r [/t N] [/c "msg"]``: restart after N seconds (only restarts are modelled)."""
    args = rest.lower().split()
    if "/r" not in args:
        session.errors.append("The lab models only restarts: use shutdown /r [/t N].")
        return 1
    if session.restart_in_s is not None:
        session.errors.append("A system shutdown has already been scheduled.(1190)")
        return 1190
    delay = 0.0
    if "/t" in args:
        try:
            delay = float(args[args.index("/t") + 1])
        except (IndexError, ValueError):
            session.errors.append("The parameter is incorrect.(87)")
            return 87
    session.restart_in_s = delay
    return 0


_REG_TYPES = {
    "string": "REG_SZ",
    "expandstring": "REG_EXPAND_SZ",
    "dword": "REG_DWORD",
    "qword": "REG_QWORD",
    "multistring": "REG_MULTI_SZ",
    "binary": "REG_BINARY",
}


def reg_query(session: Session, rest: str) -> int:
    """``reg query "HKLM\\Key" [/v Name]``."""
    tokens = [unquote(t) for t in re.findall(r'"[^"]*"|\S+', rest)]
    missing = "ERROR: The system was unable to find the specified registry key or value."
    if not tokens:
        session.errors.append("ERROR: Invalid syntax.")
        return 1
    state = session.view()
    try:
        key = state.reg_key(tokens[0])
        exists = state.reg_key_exists(tokens[0])
        canonical = canonical_reg_path(tokens[0])
    except DesktopError:
        session.errors.append(missing)
        return 1
    if not exists:
        session.errors.append(missing)
        return 1
    values = [] if key is None else list(key.values.values())
    if "/v" in [t.lower() for t in tokens]:
        wanted = tokens[[t.lower() for t in tokens].index("/v") + 1 :][:1]
        values = [v for v in values if wanted and v.name.lower() == wanted[0].lower()]
        if not values:
            session.errors.append(missing)
            return 1
    session.out.extend(["", _provider_path(canonical)])
    for value in values:
        data = value.data
        if value.kind in ("dword", "qword") and isinstance(data, int):
            shown = hex(data)
        elif isinstance(data, list):
            shown = "\\0".join(data)
        else:
            shown = str(data)
        session.out.append(f"    {value.name}    {_REG_TYPES[value.kind]}    {shown}")
    session.out.append("")
    return 0


def sc_query(session: Session, rest: str) -> int:
    name = unquote(rest.strip())
    svc = session.view().service(name)
    if svc is None:
        session.out.extend(
            [
                "[SC] EnumQueryServicesStatus:OpenService FAILED 1060:",
                "",
                "The specified service does not exist as an installed service.",
                "",
            ]
        )
        return 1060
    code = SERVICE_STATUS[svc.status]
    session.out.extend(
        [
            "",
            f"SERVICE_NAME: {svc.name}",
            "        TYPE               : 10  WIN32_OWN_PROCESS",
            f"        STATE              : {code}  {svc.status.upper()}",
            "        WIN32_EXIT_CODE    : 0  (0x0)",
            "        SERVICE_EXIT_CODE  : 0  (0x0)",
            "        CHECKPOINT         : 0x0",
            "        WAIT_HINT          : 0x0",
            "",
        ]
    )
    return 0


def net_user(session: Session, rest: str) -> int:
    user = unquote(rest.strip())
    state = session.view()
    if user.lower() not in ("hs-admin", "administrator"):
        session.errors.extend(
            [
                "The user name could not be found.",
                "",
                "More help is available by typing NET HELPMSG 2221.",
                "",
            ]
        )
        return 2
    groups = [
        g
        for g, m in state.local_groups.items()
        if any(x.lower().endswith("\\" + user.lower()) for x in m)
    ]
    session.out.extend(
        [
            f"User name                    {user}",
            "Account active               Yes",
            "Local Group Memberships      " + "  ".join(f"*{g}" for g in groups),
            "The command completed successfully.",
            "",
        ]
    )
    return 0


def _expand_env(text: str, state: DesktopState, user: str) -> str:
    env = {
        "computername": state.hostname,
        "username": user.split("\\")[-1],
        "userdomain": "CORP",
        "processor_architecture": "AMD64",
        "systemroot": "C:\\Windows",
        "programdata": "C:\\ProgramData",
    }
    return re.sub(r"%(\w+)%", lambda m: env.get(m.group(1).lower(), m.group(0)), text)


def powercfg(session: Session, rest: str) -> int:
    state = session.view()
    args = rest.split()
    verb = args[0].lower().lstrip("/-") if args else ""
    try:
        if verb in ("query", "q") and len(args) == 4 and args[1].upper() == "SCHEME_CURRENT":
            sub, setting = power_alias(args[2]), power_alias(args[3])
            ac, dc = state.power_value(sub, setting)
            scheme = POWER_ALIASES["SCHEME_BALANCED"]
            session.out.extend(
                [
                    f"Power Scheme GUID: {scheme}  (Balanced)",
                    f"  Subgroup GUID: {POWER_ALIASES[sub]}  ({POWER_NAMES.get(sub, sub)})",
                    f"    GUID Alias: {sub}",
                    f"    Power Setting GUID: {POWER_ALIASES[setting]}  "
                    f"({POWER_NAMES.get(setting, setting)})",
                    f"      GUID Alias: {setting}",
                    "      Minimum Possible Setting: 0x00000000",
                    "      Maximum Possible Setting: 0xffffffff",
                    "      Possible Settings increment: 0x00000001",
                    "      Possible Settings units: Seconds",
                    f"    Current AC Power Setting Index: 0x{ac:08x}",
                    f"    Current DC Power Setting Index: 0x{dc:08x}",
                    "",
                ]
            )
            return 0
        if verb == "getactivescheme":
            session.out.append(f"Power Scheme GUID: {POWER_ALIASES['SCHEME_BALANCED']}  (Balanced)")
            return 0
        if verb in ("setacvalueindex", "setdcvalueindex") and len(args) == 5:
            sub, setting = power_alias(args[2]), power_alias(args[3])
            value = int(args[4], 0)
            current = session.edit().power_value(sub, setting)
            current[0 if verb == "setacvalueindex" else 1] = value
            return 0
        if verb in ("setactive", "s") and len(args) == 2:
            return 0
        if verb in ("change", "x") and len(args) == 3:
            mapping = {
                "standby-timeout": ("SUB_SLEEP", "STANDBYIDLE"),
                "hibernate-timeout": ("SUB_SLEEP", "HIBERNATEIDLE"),
                "monitor-timeout": ("SUB_VIDEO", "VIDEOIDLE"),
                "disk-timeout": ("SUB_DISK", "DISKIDLE"),
            }
            base, _, mode = args[1].lower().rpartition("-")
            if base in mapping and mode in ("ac", "dc"):
                current = session.edit().power_value(*mapping[base])
                current[0 if mode == "ac" else 1] = int(args[2]) * 60
                return 0
    except (DesktopError, ValueError):
        pass
    session.out.append('Invalid Parameters -- try "/?" for help')
    return 1


_NOISE = re.compile(
    r"^(?:Set-StrictMode\b.*|\$(?:ErrorActionPreference|ProgressPreference|OutputEncoding)\s*=.*"
    r"|If \(-not \$\?\) \{.*\}|\[Console\]::OutputEncoding\s*=.*)$",
    re.IGNORECASE,
)


def run_powershell(session: Session, script: str) -> int:
    """Run a script statement by statement; returns powershell.exe's exit code."""
    if script == "\x00invalid-encoded-command":
        session.errors.extend(["The command line is invalid (bad -EncodedCommand)."])
        return 1
    statements = [
        s for line in script.replace("\r\n", "\n").split("\n") for s in split_top(line, ";")
    ]
    unknown = False
    for raw in statements:
        statement = raw.strip()
        if not statement or statement.startswith("#") or _NOISE.match(statement):
            continue
        exit_match = re.match(r"^exit\s*(-?\d+)?$", statement, re.IGNORECASE)
        if exit_match:
            return int(exit_match.group(1) or 0)
        session.ok = True  # $? describes the last statement, as powershell.exe's exit code does
        try:
            try:
                values = evaluate(session, statement)
            except (DesktopError, ValueError, KeyError, IndexError, TypeError) as exc:
                raise PsError(
                    str(exc), "InvalidArgument: (:) [], ArgumentException", "ArgumentException"
                ) from exc
        except PsError as err:
            session.ok = False
            unknown |= err.fqid == "CommandNotFoundException"
            session.errors.extend(format_error(err, statement))
            continue
        session.out.extend(render_default(values))
    # A statement the lab does not know makes the whole run fail: never a silent success.
    return 0 if session.ok and not unknown else 1


def evaluate(session: Session, statement: str) -> list[Any]:
    """One pipeline -> the objects it outputs."""
    member = re.match(
        r"^\((?P<inner>.+)\)\.(?P<member>\w+(?:\.\w+)*(?:\(\))?)$", statement, re.DOTALL
    )
    if member:
        values = evaluate(session, member.group("inner"))
        return [_member(v, member.group("member")) for v in values]
    is_type = _IS_TYPE.match(statement)
    if is_type:  # testinfra: (Get-Item 'p') -is [System.IO.FileInfo]
        try:
            item = get_item(session.view(), unquote(is_type.group("path")))
        except PsError:
            session.ok = False
            return [False]
        return [item.get("__kind__") == is_type.group("kind").lower()]
    stages = split_top(statement, "|")
    try:
        objects = source(session, stages[0])
    except PsError:
        if not _SILENT.search(stages[0]):
            raise
        session.ok = False  # the error is swallowed, $? still turns false
        return []
    for stage in stages[1:]:
        objects = apply_stage(session, stage, objects)
    return objects


_IS_TYPE = re.compile(
    r"^\(Get-Item\s+(?:-(?:Literal)?Path\s+)?(?P<path>" + _ARG + r")\)\s+-is\s+"
    r"\[System\.IO\.(?P<kind>FileInfo|DirectoryInfo)\]$",
    re.IGNORECASE,
)
_SILENT = re.compile(r"\s-(?:ErrorAction|ea)\s+(?:SilentlyContinue|Ignore|0)\b", re.IGNORECASE)


class NoteString(str):
    """A string with note properties, as Get-Content emits (ConvertTo-Json shows them)."""

    notes: dict[str, Any]


def _note_string(text: str, path: str) -> NoteString:
    value = NoteString(text)
    parent, _, child = path.rpartition("\\")
    value.notes = {
        "PSPath": f"Microsoft.PowerShell.Core\\FileSystem::{path}",
        "PSParentPath": f"Microsoft.PowerShell.Core\\FileSystem::{parent}",
        "PSChildName": child,
        "ReadCount": 1,
    }
    return value


def _member(value: Any, path: str) -> Any:
    current = value
    for part in path.split("."):
        if part.lower() == "tofiletime()":
            current = int(current)
            continue
        if isinstance(current, dict):
            matched = next((k for k in current if k.lower() == part.lower()), None)
            current = None if matched is None else current[matched]
        else:
            current = None
    return current


def source(session: Session, stage: str) -> list[Any]:
    state = session.view()
    word, _, rest = stage.strip().partition(" ")
    name = word.lower()
    rest = rest.strip()
    if name == "hostname" and not rest:
        return [state.hostname]
    if name in (
        "$env:computername",
        "[environment]::machinename",
        "[system.environment]::machinename",
    ):
        return [state.hostname]
    if name == "whoami" and not rest:
        return [f"{state.hostname}\\{session.user.split(chr(92))[-1]}".lower()]
    if name in ("write-output", "echo", "write-host"):
        return [unquote(rest)]
    if name == "powercfg":
        session.ok = powercfg(session, rest) == 0
        return []
    if name == "restart-computer":
        session.restart_in_s = 0.0
        return []
    if name == "get-service":
        return get_service(session, parse_params(rest, ("name",)))
    if name == "get-itemproperty":
        params = parse_params(rest, ("path", "name"))
        path = _param(params, "literalpath", "path")
        if path is None:
            raise PsError("Get-ItemProperty needs -Path", "InvalidArgument", "MissingPath")
        return [item_property(state, path, _param(params, "name"))]
    if name == "get-itempropertyvalue":
        params = parse_params(rest, ("path", "name"))
        path = _required_path(params, word)
        value_name = _param(params, "name") or ""
        obj = item_property(state, path, value_name)
        return [obj[next(k for k in obj if k.lower() == value_name.lower())]]
    if name == "get-childitem":
        params = parse_params(rest, ("path",))
        path = _required_path(params, word)
        return child_items(state, path)
    if name == "get-item":
        params = parse_params(rest, ("path",))
        return [get_item(state, _required_path(params, word))]
    if name == "test-path":
        params = parse_params(rest, ("path",))
        path = _required_path(params, word)
        return [test_path(state, path, _param(params, "pathtype"))]
    if name == "get-filehash":
        params = parse_params(rest, ("path",))
        path = _required_path(params, word)
        algorithm = (_param(params, "algorithm") or "SHA256").upper()
        if algorithm != "SHA256":
            raise PsError(
                f"Algorithm {algorithm} is not supported by the lab (SHA256 only).",
                "InvalidArgument: (:) [Get-FileHash], ParameterBindingValidationException",
                "ParameterArgumentValidationError,Get-FileHash",
            )
        digest = state.file_sha256(path)
        if digest is None:
            raise path_not_found(path, "Get-FileHash")
        return [{"Algorithm": "SHA256", "Hash": digest, "Path": normalise_path(path)}]
    if name in ("get-content", "cat", "type", "gc"):
        params = parse_params(rest, ("path",))
        path = _required_path(params, word)
        data = state.read_file(path)
        if data is None:
            raise path_not_found(path, "Get-Content")
        text = data.decode("utf-8", errors="replace").removeprefix("\ufeff")
        if params.get("raw") is True:
            return [_note_string(text, normalise_path(path))]
        return text.replace("\r\n", "\n").split("\n")
    if name == "get-bitlockervolume":
        params = parse_params(rest, ("mountpoint",))
        return bitlocker_volumes(state, _param(params, "mountpoint"))
    if name in ("get-ciminstance", "get-wmiobject"):
        params = parse_params(rest, ("classname",))
        cls = (_param(params, "classname", "class") or "").lower()
        if cls == "win32_operatingsystem":
            return [
                {
                    "Caption": state.os_caption,
                    "Version": f"10.0.{state.build}",
                    "BuildNumber": str(state.build),
                    "CSName": state.hostname,
                    "OSArchitecture": "64-bit",
                    "LastBootUpTime": 134_000_000_000_000_000 + state.boot_count * 10_000_000_000,
                }
            ]
        if cls == "win32_logicaldisk":
            gib = 1024**3
            disks: list[dict[str, Any]] = [
                {
                    "DeviceID": v.mount_point,
                    "DriveType": 3,
                    "Size": int(v.size_gb * gib),
                    "FreeSpace": int(v.free_gb * gib),
                }
                for v in state.volumes.values()
            ]
            wanted = re.search(r"DeviceID\s*=\s*'([A-Za-z]:)'", str(params.get("filter", "")))
            if wanted:
                disks = [d for d in disks if str(d["DeviceID"]).lower() == wanted.group(1).lower()]
            return disks
        if cls == "win32_computersystem":
            return [{"Name": state.hostname, "Domain": state.domain, "PartOfDomain": True}]
        raise PsError(
            "Invalid class ",
            "MetadataError: (root\\cimv2:" + cls + ":String) [Get-CimInstance]",
            "HRESULT 0x80041010,"
            "Microsoft.Management.Infrastructure.CimCmdlets.GetCimInstanceCommand",
        )
    if name == "get-tpm":
        return [
            {
                "TpmPresent": state.tpm_present,
                "TpmReady": state.tpm_present,
                "TpmEnabled": state.tpm_present,
                "ManufacturerVersion": "7.2.2.0" if state.tpm_present else None,
            }
        ]
    if name == "get-netadapter":
        return [
            {
                "Name": a["name"],
                "InterfaceDescription": "Intel(R) Ethernet Connection I219-LM"
                if a["kind"] == "wired"
                else "Intel(R) Wi-Fi 6 AX201 160MHz",
                "Status": a["status"],
                "PhysicalMediaType": "802.3" if a["kind"] == "wired" else "Native 802.11",
            }
            for a in state.adapters
        ]
    if name == "get-localgroupmember":
        params = parse_params(rest, ("group",))
        group = _param(params, "group", "name") or ""
        for gname, members in state.local_groups.items():
            if gname.lower() == group.lower():
                return [
                    {
                        "Name": m,
                        "ObjectClass": "User" if "Admins" not in m else "Group",
                        "PrincipalSource": "ActiveDirectory" if m.startswith("CORP\\") else "Local",
                    }
                    for m in members
                ]
        raise PsError(
            f"Group {group} was not found.",
            f"ObjectNotFound: ({group}:String) [Get-LocalGroupMember], GroupNotFoundException",
            "GroupNotFound,Microsoft.PowerShell.Commands.GetLocalGroupMemberCommand",
        )
    if re.fullmatch(r"-?\d+", stage.strip()):
        return [int(stage)]
    if stage.strip()[:1] in ("'", '"'):
        return [unquote(stage)]
    raise not_recognized(word)


def get_service(session: Session, params: dict[str, str | bool]) -> list[Any]:
    state = session.view()
    name = _param(params, "name") or ""
    svc = state.service(name)
    if svc is None:
        err = PsError(
            f"Cannot find any service with service name '{name}'.",
            f"ObjectNotFound: ({name}:String) [Get-Service], ServiceCommandException",
            "NoServiceFoundForGivenName,Microsoft.PowerShell.Commands.GetServiceCommand",
        )
        if str(params.get("erroraction", "")).lower() in ("silentlycontinue", "ignore"):
            session.ok = False
            return []
        raise err
    return [
        {
            "Name": svc.name,
            "DisplayName": svc.display_name,
            "Status": PsEnum(svc.status, SERVICE_STATUS[svc.status]),
            "StartType": PsEnum(svc.start_type, SERVICE_START[svc.start_type]),
        }
    ]


def item_property(state: DesktopState, path: str, name: str | None) -> dict[str, Any]:
    try:
        canonical = canonical_reg_path(path)
    except DesktopError as exc:
        raise PsError(str(exc), "ObjectNotFound", "DriveNotFound") from None
    key = state.reg_key(canonical)
    if key is None:
        if state.reg_key_exists(canonical):
            key_values: dict[str, RegValue] = {}
        else:
            raise path_not_found(path, "Get-ItemProperty")
    else:
        key_values = key.values
    values = list(key_values.values())
    if name is not None:
        values = [v for v in values if v.name.lower() == name.lower()]
        if not values:
            raise PsError(
                f"Property {name} does not exist at path {_provider_path(canonical)}.",
                f"InvalidArgument: ({name}:String) [Get-ItemProperty], PSArgumentException",
                "System.Management.Automation.PSArgumentException,"
                "Microsoft.PowerShell.Commands.GetItemPropertyCommand",
            )
    obj: dict[str, Any] = {v.name: v.data for v in values}
    parent, _, child = canonical.rpartition("\\")
    obj["PSPath"] = "Microsoft.PowerShell.Core\\Registry::" + _provider_path(canonical)
    obj["PSParentPath"] = "Microsoft.PowerShell.Core\\Registry::" + _provider_path(parent)
    obj["PSChildName"] = child
    return obj


def _provider_path(canonical: str) -> str:
    hive, _, rest = canonical.partition("\\")
    long = {"HKLM:": "HKEY_LOCAL_MACHINE", "HKU:": "HKEY_USERS", "HKCU:": "HKEY_CURRENT_USER"}
    return f"{long.get(hive, hive)}\\{rest}" if rest else long.get(hive, hive)


def child_items(state: DesktopState, path: str) -> list[Any]:
    if path.strip().lower().startswith(("hk", "registry::")):
        canonical = canonical_reg_path(path)
        if not state.reg_key_exists(canonical):
            raise path_not_found(path, "Get-ChildItem")
        return [
            {
                "__regkey__": f"{canonical}\\{sub}",
                "PSChildName": sub,
                "Name": _provider_path(f"{canonical}\\{sub}"),
            }
            for sub in state.reg_subkeys(canonical)
        ]
    norm = normalise_path(path).rstrip("\\").lower()
    if not state.is_directory(norm):
        raise path_not_found(path, "Get-ChildItem")
    names: dict[str, dict[str, Any]] = {}
    for lower, (full, data) in state.files.items():
        if lower.rsplit("\\", 1)[0] == norm:
            names[lower] = {"Name": full.rsplit("\\", 1)[1], "FullName": full, "Length": len(data)}
    for lower, full in state.directories.items():
        if lower.rsplit("\\", 1)[0] == norm:
            names[lower] = {"Name": full.rsplit("\\", 1)[1], "FullName": full}
    return [names[k] for k in sorted(names)]


def get_item(state: DesktopState, path: str) -> dict[str, Any]:
    """A registry key, file or folder as an object (``__kind__`` drives ``-is`` tests)."""
    text = path.strip()
    if text.lower().startswith(("hk", "registry::")):
        canonical = canonical_reg_path(text)
        if not state.reg_key_exists(canonical):
            raise path_not_found(path, "Get-Item")
        key = state.reg_key(canonical)
        names = [] if key is None else [v.name for v in key.values.values()]
        return {
            "__kind__": "registrykey",
            "Name": _provider_path(canonical),
            "PSChildName": canonical.rsplit("\\", 1)[-1],
            "Property": names,
        }
    norm = normalise_path(text)
    data = state.read_file(norm)
    if data is not None:
        return {
            "__kind__": "fileinfo",
            "Name": norm.rsplit("\\", 1)[-1],
            "FullName": norm,
            "Length": len(data),
        }
    if state.is_directory(norm):
        return {"__kind__": "directoryinfo", "Name": norm.rsplit("\\", 1)[-1], "FullName": norm}
    raise path_not_found(path, "Get-Item")


def test_path(state: DesktopState, path: str, path_type: str | None) -> bool:
    text = path.strip()
    if text.lower().startswith(("hk", "registry::")):
        try:
            return state.reg_key_exists(text)
        except DesktopError:
            return False
    try:
        is_file = state.read_file(text) is not None
        is_dir = state.is_directory(text)
    except DesktopError:
        return False
    kind = (path_type or "any").lower()
    if kind == "leaf":
        return is_file
    if kind == "container":
        return is_dir
    return is_file or is_dir


def bitlocker_volumes(state: DesktopState, mount_point: str | None) -> list[Any]:
    volumes = list(state.volumes.values())
    if mount_point is not None:
        volumes = [v for v in volumes if v.mount_point.lower() == mount_point.rstrip("\\").lower()]
        if not volumes:
            raise PsError(
                f"Cannot find a volume with mount point {mount_point}.",
                "ObjectNotFound: (:) [Get-BitLockerVolume], CimJobException",
                "Get-BitLockerVolume",
            )
    return [
        {
            "ComputerName": state.hostname,
            "MountPoint": v.mount_point,
            "EncryptionMethod": PsEnum(v.encryption_method, ENCRYPTION_METHOD[v.encryption_method]),
            "AutoUnlockEnabled": None,
            "VolumeType": PsEnum("OperatingSystem", 0),
            "VolumeStatus": PsEnum(v.volume_status, VOLUME_STATUS[v.volume_status]),
            "ProtectionStatus": PsEnum(v.protection_status, PROTECTION_STATUS[v.protection_status]),
            "LockStatus": PsEnum("Unlocked", 0),
            "EncryptionPercentage": v.encryption_percentage,
            "CapacityGB": v.size_gb,
            "KeyProtector": ["Tpm", "RecoveryPassword"] if v.protection_status == "On" else [],
        }
        for v in volumes
    ]


_WHERE = re.compile(
    r"^(?:Where-Object|Where|\?)\s*\{\s*\$_\.(?P<prop>\w+)\s+-(?P<op>like|eq|ne|match|notlike)\s+"
    r"(?P<value>" + _ARG + r")\s*\}$",
    re.IGNORECASE,
)


def apply_stage(session: Session, stage: str, objects: list[Any]) -> list[Any]:
    word, _, rest = stage.strip().partition(" ")
    name = word.lower()
    if name in ("select-object", "select"):
        params = parse_params(rest.replace(", ", ","), ("property",))
        expand = _param(params, "expandproperty")
        if expand is not None:
            expanded: list[Any] = []
            for value in (_member(o, expand) for o in objects):
                if isinstance(value, list):
                    expanded.extend(value)  # arrays are enumerated, as PowerShell does
                elif value is not None:
                    expanded.append(value)
            return expanded
        props = [p.strip() for p in str(_param(params, "property") or "*").split(",") if p.strip()]
        first = params.get("first")
        selected = [
            {p: _member(o, p) for p in props} if props != ["*"] else o
            for o in objects
            if isinstance(o, dict)
        ]
        return selected[: int(first)] if isinstance(first, str) else selected
    if name in ("convertto-json",):
        params = parse_params(rest)
        compress = params.get("compress") is True
        payload: Any = objects[0] if len(objects) == 1 else objects
        return [to_json(payload, compress)] if objects else []
    if name == "get-itemproperty" and not rest.strip():
        state = session.view()
        return [item_property(state, o["__regkey__"], None) for o in objects if "__regkey__" in o]
    match = _WHERE.match(stage.strip())
    if match:
        prop, op, expected = (
            match.group("prop"),
            match.group("op").lower(),
            unquote(match.group("value")),
        )
        return [o for o in objects if _compare(_member(o, prop), op, expected)]
    if name in ("out-string",):
        return ["\r\n".join(render_default(objects)) + "\r\n"]
    raise not_recognized(word)


def _compare(value: Any, op: str, expected: str) -> bool:
    text = "" if value is None else str(value)
    if op in ("like", "notlike"):
        pattern = "^" + re.escape(expected).replace("\\*", ".*").replace("\\?", ".") + "$"
        hit = re.match(pattern, text, re.IGNORECASE) is not None
        return hit if op == "like" else not hit
    if op == "eq":
        return text.lower() == expected.lower()
    if op == "ne":
        return text.lower() != expected.lower()
    return re.search(expected, text, re.IGNORECASE) is not None


def _jsonable(value: Any) -> Any:
    if isinstance(value, NoteString):
        return {"value": str(value), **value.notes}
    if isinstance(value, PsEnum):
        return value.value
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items() if not k.startswith("__")}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def to_json(value: Any, compress: bool) -> str:
    if compress:
        return json.dumps(_jsonable(value), separators=(",", ":"), ensure_ascii=False)
    return json.dumps(_jsonable(value), indent=4, ensure_ascii=False)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"
    if value is None:
        return ""
    if isinstance(value, list):
        return "{" + ", ".join(_text(v) for v in value) + "}"
    return str(value)


def render_default(values: list[Any]) -> list[str]:
    """Out-Default, simplified: scalars one per line, objects as a property list."""
    lines: list[str] = []
    for value in values:
        if isinstance(value, dict):
            visible = {k: v for k, v in value.items() if not k.startswith("__")}
            width = max((len(k) for k in visible), default=0)
            lines.append("")
            lines.extend(f"{k.ljust(width)} : {_text(v)}" for k, v in visible.items())
            lines.append("")
        else:
            lines.append(_text(value))
    return lines


def encode_output(lines: list[str], codepage: int) -> bytes:
    text = "".join(line + CRLF for line in lines)
    if codepage == 65001:
        return text.encode("utf-8")
    return text.encode("cp437", errors="replace")
