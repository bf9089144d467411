"""Fixture-folder parser tests (napalm style): ``fixtures/asa/<command>/<case>/input.txt`` is
parsed and compared with ``expected.json``; a bug report becomes a new folder.

``expected.json`` with an ``error`` key expects a :class:`ParseError` at that line.
Regenerate a missing ``expected.json`` with ``HOMESHIFT_WRITE_FIXTURES=1`` (then review it).
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from homeshift.asa import facts
from homeshift.asa.config import ParseError, parse_running_config

FIXTURES = Path(__file__).parent.parent / "fixtures" / "asa"

PARSERS: dict[str, Callable[[str], Any]] = {
    "show_running-config": lambda text: parse_running_config(text).to_dict(),
    "show_version": facts.parse_show_version,
    "show_vpn-sessiondb_summary": facts.parse_vpn_sessiondb_summary,
    "show_ip_local_pool": lambda text: facts.parse_ip_local_pool("POOL", text),
    "show_vpn_load-balancing": facts.parse_vpn_load_balancing,
}


def _cases() -> list[Any]:
    return [
        pytest.param(command, case, id=f"{command}/{case.name}")
        for command in sorted(PARSERS)
        for case in sorted((FIXTURES / command).iterdir())
        if case.is_dir()
    ]


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = dataclasses.asdict(value)
    return json.loads(json.dumps(value))


@pytest.mark.parametrize(("command", "case"), _cases())
def test_parser_fixture(command: str, case: Path) -> None:
    text = (case / "input.txt").read_text()
    expected_file = case / "expected.json"
    if not expected_file.exists() and os.environ.get("HOMESHIFT_WRITE_FIXTURES"):
        expected_file.write_text(json.dumps(_plain(PARSERS[command](text)), indent=2) + "\n")
    expected = json.loads(expected_file.read_text())
    if "error" in expected:
        with pytest.raises(ParseError) as info:
            PARSERS[command](text)
        assert info.value.line_no == expected["error"]["line_no"]
        assert info.value.line == expected["error"]["line"]
        return
    assert _plain(PARSERS[command](text)) == expected


def test_every_command_folder_has_cases() -> None:
    for command in PARSERS:
        assert any((FIXTURES / command).iterdir()), command


def test_secret_never_in_parsed_dict() -> None:
    text = "vpn load-balancing\n cluster key TopSecret9\n participate\n"
    config = parse_running_config(text)
    assert config.load_balancing is not None
    assert config.load_balancing.cluster_key == "TopSecret9"  # kept for comparison
    assert "TopSecret9" not in json.dumps(config.to_dict())


def test_facts_errors_name_the_command() -> None:
    with pytest.raises(facts.FactsError, match="show vpn-sessiondb summary"):
        facts.parse_vpn_sessiondb_summary("% Invalid input detected")
    with pytest.raises(facts.FactsError, match="show ip local pool P1"):
        facts.parse_ip_local_pool("P1", "")
    with pytest.raises(facts.FactsError, match="show vpn load-balancing"):
        facts.parse_vpn_load_balancing("nothing")
