"""The controller side of the desktop agent contract: command line, stdin payload, result parsing.

One agent run = one WinRM command: ``powershell.exe ... -EncodedCommand <BOOTSTRAP>`` whose stdin
carries the agent script, a separator line and the JSON document
(``docs/desktop-agent-contract.md``).
"""

from __future__ import annotations

import base64
import json
from functools import cache
from importlib import resources as importlib_resources
from typing import Any

from homeshift.windows.resources import Document
from homeshift.windows.results import AgentResult, ResultFormatError, agent_result_from_json

CONTRACT_VERSION = 1
MARKER = "# homeshift-desktop-agent contract=1"
SEPARATOR = "\n##HOMESHIFT-DOCUMENT##\n"
RESULT_PREFIX = "HOMESHIFT-RESULT "
POWERSHELL = "powershell.exe"
POWERSHELL_ARGS = ("-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass", "-EncodedCommand")

#: The fixed bootstrap, exactly as in the contract; the lab matches on it.
BOOTSTRAP_PS = "\n".join(
    [
        "$ErrorActionPreference = 'Stop'",
        "$raw = [Console]::In.ReadToEnd()",
        '$cut = $raw.IndexOf("`n##HOMESHIFT-DOCUMENT##`n")',
        "$agent = [ScriptBlock]::Create($raw.Substring(0, $cut))",
        "& $agent -DocumentJson $raw.Substring($cut + 24)",
    ]
)

#: exit codes of the agent (contract "Wire" 4)
EXIT_OK, EXIT_RESOURCE_ERROR, EXIT_DOCUMENT_ERROR = 0, 1, 2


@cache
def agent_script() -> str:
    """The PowerShell agent shipped in the package (first line is the contract marker)."""
    text = (
        importlib_resources.files("homeshift.windows")
        .joinpath("agent/homeshift-agent.ps1")
        .read_text(encoding="utf-8")
    )
    return text.replace("\r\n", "\n")


def encoded_command() -> str:
    """Base64 of the UTF-16LE bootstrap, the form ``-EncodedCommand`` takes."""
    return base64.b64encode(BOOTSTRAP_PS.encode("utf-16-le")).decode("ascii")


def command_line() -> tuple[str, list[str]]:
    """(command, arguments) for ``Protocol.run_command``."""
    return POWERSHELL, [*POWERSHELL_ARGS, encoded_command()]


def document_json(document: Document | dict[str, Any]) -> str:
    data = document.to_json_data() if isinstance(document, Document) else document
    return json.dumps(data, separators=(",", ":"), sort_keys=True)


def build_stdin(document: Document | dict[str, Any], script: str | None = None) -> bytes:
    """Agent script + separator + document, UTF-8 (what goes to the command's stdin)."""
    body = agent_script() if script is None else script
    if SEPARATOR in body:
        raise ValueError("the agent script must not contain the document separator")
    return (body.rstrip("\n") + SEPARATOR + document_json(document)).encode("utf-8")


def parse_result(stdout: bytes | str, exit_code: int = 0) -> AgentResult:
    """Find the one ``HOMESHIFT-RESULT`` line in stdout and parse it; other lines are ignored."""
    text = stdout.decode("utf-8", errors="replace") if isinstance(stdout, bytes) else stdout
    lines = [line for line in text.splitlines() if line.startswith(RESULT_PREFIX)]
    if not lines:
        tail = text.strip()[-300:]
        raise ResultFormatError(
            f"the agent printed no {RESULT_PREFIX.strip()} line (exit code {exit_code})"
            + (f"; output ends with: {tail}" if tail else "")
        )
    if len(lines) > 1:
        raise ResultFormatError(f"the agent printed {len(lines)} result lines, expected one")
    try:
        data = json.loads(lines[0][len(RESULT_PREFIX) :])
    except json.JSONDecodeError as exc:
        raise ResultFormatError(f"the agent's result line is not JSON: {exc}") from None
    return agent_result_from_json(data, exit_code=exit_code)
