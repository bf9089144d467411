"""Transcript mode: canned outputs for unmodelled show commands, validated when loaded."""

from __future__ import annotations

from pathlib import Path

import pytest
from asa_lab_support import make_headend

from homeshift.lab.asa.session import CliSession
from homeshift.lab.asa.transcripts import TranscriptError, load_transcripts


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "transcripts.yml"
    path.write_text(text)
    return path


def test_transcript_answers_only_unmodelled_privileged_commands(tmp_path: Path) -> None:
    (tmp_path / "inv.txt").write_text('Name: "Chassis", DESCR: "{hostname} chassis"\n')
    path = write(
        tmp_path,
        "commands:\n  show inventory: inv.txt\n  show version: {text: 'canned'}\n"
        "  show failover: {text: 'Failover Off'}\n",
    )
    device = make_headend(tmp_path, 0)
    device.transcripts = load_transcripts(path)
    cli = CliSession(device, None)
    assert "Invalid input" in cli.feed("show inventory")  # user mode: not replayed
    cli.stack[0].mode = "priv"
    assert 'DESCR: "asa-01 chassis"' in cli.feed("SHOW   inventory")
    assert "Failover Off\n" in cli.feed("show failover")
    assert "Cisco Adaptive Security Appliance" in cli.feed("show version")  # model wins
    assert "Invalid input" in cli.feed("show nothing-recorded")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("commands: [a, b]\n", "expected a mapping with a 'commands' mapping"),
        ("commands:\n  show x: missing.txt\n", "commands['show x']: file"),
        ("commands:\n  show x: {txt: y}\n", "give a file name or {text: ...}"),
        ("commands:\n  show x: {text: a}\n  SHOW  X: {text: b}\n", "duplicate command"),
        ("commands: {\n", "not valid YAML"),
    ],
)
def test_bad_transcripts_name_the_entry(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(TranscriptError, match=message.replace("[", r"\[").replace("{", r"\{")):
        load_transcripts(write(tmp_path, text))
