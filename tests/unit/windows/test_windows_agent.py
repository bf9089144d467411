"""Agent contract, controller side: bootstrap, stdin payload, result parsing, script syntax."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any

import pytest
import tree_sitter
import tree_sitter_powershell

from homeshift.windows import agent
from homeshift.windows.resources import RESOURCE_TYPES, Document, Service
from homeshift.windows.results import ResultFormatError

ROOT = Path(__file__).resolve().parents[3]
CONTRACT = ROOT / "docs" / "desktop-agent-contract.md"


def _contract_bootstrap() -> str:
    text = CONTRACT.read_text()
    block = re.search(r"```powershell\n(.*?)```", text, re.S)
    assert block, "contract doc lost its bootstrap block"
    return "\n".join(line.strip() for line in block.group(1).strip().splitlines())


def test_bootstrap_is_exactly_the_contracts() -> None:
    assert _contract_bootstrap() == agent.BOOTSTRAP_PS
    decoded = base64.b64decode(agent.encoded_command()).decode("utf-16-le")
    assert decoded == agent.BOOTSTRAP_PS
    # the bootstrap cuts the document at len(separator): keep the two in step
    assert f"$cut + {len(agent.SEPARATOR)}" in agent.BOOTSTRAP_PS


def test_command_line_is_short_and_fixed() -> None:
    command, args = agent.command_line()
    assert command == "powershell.exe"
    assert args[:-1] == [
        "-NoProfile",
        "-NonInteractive",
        "-ExecutionPolicy",
        "Bypass",
        "-EncodedCommand",
    ]
    assert len(" ".join(args)) < 1000  # nothing of size on the command line


def test_stdin_is_script_separator_document() -> None:
    document = Document((Service("svc", "csc_vpnagent"),), check_mode=True)
    payload = agent.build_stdin(document).decode("utf-8")
    script, _, doc_json = payload.partition(agent.SEPARATOR)
    assert script.splitlines()[0] == agent.MARKER
    assert json.loads(doc_json)["resources"][0]["name"] == "csc_vpnagent"
    assert json.loads(doc_json)["check_mode"] is True
    # exactly what the bootstrap's IndexOf/Substring does
    cut = payload.index(agent.SEPARATOR)
    assert payload[cut + 24 :] == doc_json


def test_script_with_separator_is_refused() -> None:
    with pytest.raises(ValueError, match="separator"):
        agent.build_stdin({"contract": 1}, script="x" + agent.SEPARATOR)


def _result(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "contract": 1,
        "hostname": "BER-D0000001",
        "check_mode": False,
        "changed": True,
        "reboot_required": False,
        "failed": False,
        "document_error": None,
        "results": [
            {
                "id": "vpn-core",
                "type": "msi_package",
                "changed": True,
                "skipped": False,
                "before": {"installed": False, "version": None},
                "after": {"installed": True, "version": "5.1.4.74"},
                "reboot_required": False,
                "error": None,
                "exit_code": 0,
                "retryable": False,
            }
        ],
        "facts": {"hostname": "BER-D0000001"},
    }
    base.update(overrides)
    return base


def test_parse_result_ignores_other_lines() -> None:
    stdout = "noise\r\nHOMESHIFT-RESULT " + json.dumps(_result()) + "\r\nmore noise\r\n"
    result = agent.parse_result(stdout.encode(), exit_code=0)
    assert result.hostname == "BER-D0000001"
    assert result.changed is True
    assert result.results[0].after["version"] == "5.1.4.74"
    assert result.result_for("vpn-core") is not None
    assert result.facts["hostname"] == "BER-D0000001"


def test_parse_result_derives_flags_from_resources() -> None:
    data = _result(changed=False)
    data["results"][0].update(
        reboot_required=True, error="x", exit_code=1603, log_excerpt="Return value 3"
    )
    result = agent.parse_result("HOMESHIFT-RESULT " + json.dumps(data), exit_code=1)
    assert result.reboot_required is True
    assert result.failed is True
    assert result.errors[0].log_excerpt == "Return value 3"
    assert result.exit_code == 1


@pytest.mark.parametrize(
    ("stdout", "message"),
    [
        ("", "no HOMESHIFT-RESULT line"),
        ("Get-Foo : not recognized", "output ends with: Get-Foo"),
        ("HOMESHIFT-RESULT {not json", "not JSON"),
        ("HOMESHIFT-RESULT {}\nHOMESHIFT-RESULT {}", "2 result lines"),
        ("HOMESHIFT-RESULT " + json.dumps(_result(contract=2)), "contract 2"),
        ("HOMESHIFT-RESULT " + json.dumps(_result(results=[{"id": 1}])), "string 'id'"),
        ("HOMESHIFT-RESULT " + json.dumps(_result(changed="yes")), "true/false"),
        ("HOMESHIFT-RESULT []", "not a JSON object"),
    ],
)
def test_bad_agent_output_is_a_clear_error(stdout: str, message: str) -> None:
    with pytest.raises(ResultFormatError, match=message):
        agent.parse_result(stdout)


# ------------------------------------------------------------------ the real PowerShell script


@pytest.fixture(scope="module")
def script_tree() -> tree_sitter.Tree:
    parser = tree_sitter.Parser(tree_sitter.Language(tree_sitter_powershell.language()))
    return parser.parse(agent.agent_script().encode("utf-8"))


def _error_nodes(node: tree_sitter.Node) -> list[tree_sitter.Node]:
    found = [node] if node.type == "ERROR" or node.is_missing else []
    for child in node.children:
        found.extend(_error_nodes(child))
    return found


def test_agent_script_parses_without_errors(script_tree: tree_sitter.Tree) -> None:
    errors = _error_nodes(script_tree.root_node)
    assert not errors, [(e.start_point, e.text[:60] if e.text else b"") for e in errors]


def test_parser_would_catch_a_syntax_error() -> None:
    parser = tree_sitter.Parser(tree_sitter.Language(tree_sitter_powershell.language()))
    broken = agent.agent_script().replace("function Get-Prop {", "function Get-Prop {{", 1)
    assert parser.parse(broken.encode()).root_node.has_error


def test_agent_script_contract_points() -> None:
    script = agent.agent_script()
    assert script.splitlines()[0] == agent.MARKER
    assert "[string]$DocumentJson" in script
    for resource_type in RESOURCE_TYPES:
        assert re.search(rf"^\s+{resource_type}\s+= 'Invoke-", script, re.M), resource_type
    assert "Start-Process -FilePath $msiexec -ArgumentList $argList -Wait -PassThru" in script
    for code in ("3010", "1641", "1618", "1603", "1619"):
        assert code in script
    assert "'HOMESHIFT-RESULT '" in script
    assert "Write-AgentResult -Result $agentResult -ExitCode 2" in script
    assert agent.SEPARATOR not in script
