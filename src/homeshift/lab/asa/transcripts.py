"""Transcript mode (style P9): canned outputs for show commands the model does not cover.

A transcript file is YAML::

    commands:
      show inventory: show_inventory.txt      # file relative to the YAML file
      show failover: {text: "Failover Off\\n"} # or inline text

A recorded output from a real ASA can be replayed this way without modelling it. Modelled
commands always win; a transcript answers only what would otherwise be ``Invalid input``.
Commands match after whitespace normalisation and case folding; ``{hostname}`` in the text is
replaced with the headend's hostname. The loader validates every entry up front and names the
bad one, so a broken transcript fails the lab start instead of a test later.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml


class TranscriptError(ValueError):
    """A transcript file or entry is unusable; the message names the file and the entry."""


def normalise(command: str) -> str:
    return " ".join(command.lower().split())


def load_transcripts(path: str | Path) -> dict[str, str]:
    """command (normalised) -> output text, from a transcript YAML file."""
    source = Path(path)
    try:
        data: Any = yaml.safe_load(source.read_text())
    except OSError as exc:
        raise TranscriptError(f"{source}: cannot read: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise TranscriptError(f"{source}: not valid YAML: {exc}") from None
    if not isinstance(data, Mapping) or not isinstance(data.get("commands"), Mapping):
        raise TranscriptError(f"{source}: expected a mapping with a 'commands' mapping")
    outputs: dict[str, str] = {}
    for command, entry in data["commands"].items():
        where = f"{source}: commands[{command!r}]"
        if not isinstance(command, str) or not command.strip():
            raise TranscriptError(f"{where}: the command must be a non-empty string")
        if isinstance(entry, str):
            file = source.parent / entry
            try:
                text = file.read_text()
            except OSError as exc:
                raise TranscriptError(f"{where}: file {file}: {exc.strerror}") from None
        elif isinstance(entry, Mapping) and isinstance(entry.get("text"), str):
            text = entry["text"]
        else:
            raise TranscriptError(f"{where}: give a file name or {{text: ...}}")
        key = normalise(command)
        if key in outputs:
            raise TranscriptError(f"{where}: duplicate command")
        outputs[key] = text if text.endswith("\n") else text + "\n"
    return outputs
